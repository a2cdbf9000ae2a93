// End-to-end load balancing: a director namespace running the checker process (scheduler +
// nftables data plane), three nginx real servers and a sorry server in their own namespaces, and a
// client hitting the VIP. Verifies weighted spread, source hashing, persistence, fwmark services,
// failure detection time, recovery, sorry server on quorum loss, notifications and FIFO lines in
// order, and that the table is removed on stop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, waitFor, sleep } from '../helpers/netns.js';
import { CHECKER_JS, JsonLines, nginxSite, selfSignedCert, startNginx, tempDir, waitListening, type NginxSite, removeTempDirs } from './lb-fixtures.js';
import type { VirtualServerSpec, RealServerSpec } from '../../src/check/types.js';
import type { ServiceState } from '../../src/lb/types.js';

const skip = labUnavailable();
const lab = new Lab('vlb');
const VIP = '203.0.113.10';
const VIP_FWM = '203.0.113.11';
const RS = { rs1: '198.51.100.11', rs2: '198.51.100.12', rs3: '198.51.100.13' } as const;
type RsName = keyof typeof RS;
const SORRY = '198.51.100.20';
const DELAY_LOOP = 0.5, RETRY = 1, DELAY_BEFORE_RETRY = 0.3, CONNECT_TIMEOUT = 1;
let dir = '';
const sites = new Map<string, NginxSite>();
const nginx = new Map<string, ChildProcess>();
let agent: ChildProcess;
let out: JsonLines;

function rs(name: RsName, weight: number, extra: Partial<RealServerSpec> = {}): RealServerSpec {
  return { ip: RS[name], port: 80, weight, checkers: [{ kind: 'HTTP_GET', urls: [{ path: '/' }] }], ...extra };
}

before(async () => {
  if (skip) return;
  dir = tempDir('lb');
  lab.addHost('dir', '198.51.100.1/24');
  lab.exec('dir', 'ip', ['addr', 'add', '203.0.113.1/24', 'dev', 'eth0']);
  lab.exec('dir', 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'eth0']);
  lab.exec('dir', 'ip', ['addr', 'add', `${VIP_FWM}/32`, 'dev', 'eth0']);
  lab.exec('dir', 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']);
  // fwmark service: mark VIP_FWM:80 before nat sees it (table of the test, not of vipd)
  lab.exec('dir', 'nft', ['-f', '-'], { input: `table ip testmark {\n chain pre {\n  type filter hook prerouting priority mangle;\n  ip daddr ${VIP_FWM} tcp dport 80 meta mark set 7\n }\n}\n` });
  lab.addHost('client', '203.0.113.100/24');
  const tls = selfSignedCert(dir);
  for (const [name, ip] of [...Object.entries(RS), ['sorry', SORRY]] as Array<[string, string]>) {
    lab.addHost(name, `${ip}/24`);
    lab.exec(name, 'ip', ['route', 'add', 'default', 'via', '198.51.100.1']);
    const site = nginxSite(dir, name, `${name}\n`, 80, 443, tls);
    sites.set(name, site);
    nginx.set(name, startNginx(lab, name, site));
  }
  for (const [name, ip] of [...Object.entries(RS), ['sorry', SORRY]] as Array<[string, string]>) await waitListening(lab, name, ip, 80);

  const timing = { delayLoop: DELAY_LOOP, retry: RETRY, delayBeforeRetry: DELAY_BEFORE_RETRY, connectTimeout: CONNECT_TIMEOUT, warmup: 0 };
  const log = join(dir, 'notify.log');
  const services: VirtualServerSpec[] = [
    { vip: VIP, port: 80, protocol: 'TCP', lbAlgo: 'wrr', lbKind: 'NAT', quorum: 2, hysteresis: 0, ...timing,
      quorumUp: `echo QUORUM_UP >> ${log}`, quorumDown: `echo QUORUM_DOWN >> ${log}`,
      sorryServer: { ip: SORRY, port: 80 },
      realServers: [rs('rs1', 3), rs('rs2', 1, { notifyUp: `echo RS2_UP >> ${log}`, notifyDown: `echo RS2_DOWN >> ${log}` }), rs('rs3', 1)] },
    { vip: VIP, port: 443, protocol: 'TCP', lbAlgo: 'sh', lbKind: 'NAT', ...timing,
      realServers: (['rs1', 'rs2', 'rs3'] as RsName[]).map((n) => ({ ip: RS[n], port: 443, weight: 1,
        checkers: [{ kind: 'SSL_GET' as const, urls: [{ path: '/', statusCodes: [[200, 200] as [number, number]] }] }] })) },
    { vip: VIP, port: 8080, protocol: 'TCP', lbAlgo: 'rr', lbKind: 'NAT', persistenceTimeout: 60, ...timing,
      realServers: (['rs1', 'rs2', 'rs3'] as RsName[]).map((n) => ({ ip: RS[n], port: 80, weight: 1, checkers: [{ kind: 'TCP_CHECK' as const }] })) },
    { fwmark: 7, protocol: 'TCP', lbAlgo: 'rr', lbKind: 'NAT', ...timing,
      realServers: (['rs1', 'rs2', 'rs3'] as RsName[]).map((n) => ({ ip: RS[n], port: 0, weight: 1, checkers: [{ kind: 'TCP_CHECK' as const, connectPort: 80 }] })) },
  ];
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ type: 'config', services, notifyFifo: join(dir, 'lvs_notify_fifo'), dataPlane: { kind: 'nftables' } }));
  agent = lab.spawn('dir', process.execPath, [CHECKER_JS, '--spec', spec]);
  out = new JsonLines(agent);
  await waitFor(() => out.find((m) => m.type === 'applied') ?? (out.find((m) => m.type === 'error') ? Promise.reject(new Error(JSON.stringify(out.messages))) : undefined), 10_000);
});

after(async () => { await lab.teardown(); removeTempDirs(); });

/** n fresh connections from the client; returns how many answers each server gave. */
function hits(url: string, n: number): Record<string, number> {
  const urls = Array.from({ length: n }, () => url);
  const body = lab.exec('client', 'curl', ['-sk', '--max-time', '5', '-H', 'Connection: close', ...urls], { allowFail: true });
  const counts: Record<string, number> = {};
  for (const line of body.split('\n').filter(Boolean)) counts[line] = (counts[line] ?? 0) + 1;
  return counts;
}

function vs1Backends(m: Record<string, unknown>): string[] {
  const s = (m.services as ServiceState[])[0]!;
  return s.backends.map((b) => b.ip);
}

async function stopNginx(name: string): Promise<void> { await lab.stop(nginx.get(name)!); }
async function startAgain(name: string, ip: string): Promise<void> {
  nginx.set(name, startNginx(lab, name, sites.get(name)!));
  await waitListening(lab, name, ip, 80);
}

test('weighted round robin spreads 3:1:1 over the three real servers', { skip, timeout: 30_000 }, () => {
  const c = hits(`http://${VIP}/`, 50);
  assert.ok(Math.abs((c.rs1 ?? 0) - 30) <= 2 && Math.abs((c.rs2 ?? 0) - 10) <= 2 && Math.abs((c.rs3 ?? 0) - 10) <= 2, JSON.stringify(c));
});

test('source hashing (sh) keeps one client on one server; persistence pins rr', { skip, timeout: 30_000 }, () => {
  const sh = hits(`https://${VIP}/`, 12);
  assert.equal(Object.keys(sh).length, 1, `sh spread one client over ${JSON.stringify(sh)}`);
  assert.equal(Object.values(sh)[0], 12);
  const persist = hits(`http://${VIP}:8080/`, 12);
  assert.equal(Object.keys(persist).length, 1, `persistence broke: ${JSON.stringify(persist)}`);
  const fwm = hits(`http://${VIP_FWM}/`, 12);
  assert.deepEqual(fwm, { rs1: 4, rs2: 4, rs3: 4 }, 'fwmark rr service');
});

test('a failed real server leaves the pool in time and returns after recovery', { skip, timeout: 60_000 }, async () => {
  const pinnedBefore = Object.keys(hits(`http://${VIP}:8080/`, 3));
  assert.equal(pinnedBefore.length, 1);
  const from = out.messages.length;
  const t0 = Date.now();
  await stopNginx('rs2');
  const gone = await waitFor(() => out.find((m) => m.type === 'applied' && !vs1Backends(m).includes(RS.rs2), from), 15_000);
  const detectMs = gone!.at - t0;
  const bound = (DELAY_LOOP * (RETRY + 1) + CONNECT_TIMEOUT) * 1000;
  console.log(`# rs2 removed ${detectMs} ms after nginx stopped (bound ${bound} ms + 1500 slack)`);
  assert.ok(detectMs <= bound + 1500, `removal took ${detectMs} ms`);
  const c = hits(`http://${VIP}/`, 20);
  assert.equal(c.rs2, undefined, `rs2 still receives traffic: ${JSON.stringify(c)}`);
  assert.equal((c.rs1 ?? 0) + (c.rs3 ?? 0), 20);
  // persistence (port 8080): a client pinned to a surviving server stays; one pinned to rs2 moves
  await waitFor(() => out.find((m) => m.type === 'applied' && !(m.services as ServiceState[])[2]!.backends.some((b) => b.ip === RS.rs2), from), 15_000);
  const pinnedDuring = Object.keys(hits(`http://${VIP}:8080/`, 3));
  assert.equal(pinnedDuring.length, 1);
  assert.notEqual(pinnedDuring[0], 'rs2');
  if (pinnedBefore[0] !== 'rs2') assert.deepEqual(pinnedDuring, pinnedBefore, 'an unrelated pool change must not unpin a client');
  const from2 = out.messages.length;
  const t1 = Date.now();
  await startAgain('rs2', RS.rs2);
  const back = await waitFor(() => out.find((m) => m.type === 'applied' && vs1Backends(m).includes(RS.rs2), from2), 15_000);
  console.log(`# rs2 back ${back!.at - t1} ms after nginx restarted`);
  const c2 = hits(`http://${VIP}/`, 25);
  assert.ok((c2.rs2 ?? 0) >= 3, `rs2 not back in rotation: ${JSON.stringify(c2)}`);
  await waitFor(() => out.find((m) => m.type === 'applied' && (m.services as ServiceState[])[2]!.backends.length === 3, from2), 15_000);
  assert.deepEqual(Object.keys(hits(`http://${VIP}:8080/`, 3)), pinnedDuring, 'rs2 coming back must not unpin the client');
});

test('quorum loss switches to the sorry server, recovery switches back; notifications in order', { skip, timeout: 60_000 }, async () => {
  const from = out.messages.length;
  await Promise.all((['rs1', 'rs2', 'rs3'] as RsName[]).map((n) => stopNginx(n)));
  await waitFor(() => out.find((m) => m.type === 'quorum' && m.up === false, from), 15_000);
  await waitFor(() => out.find((m) => m.type === 'applied' && (m.services as ServiceState[])[0]!.usingSorryServer, from), 15_000);
  assert.deepEqual(hits(`http://${VIP}/`, 5), { sorry: 5 });
  // every real server must have been seen down before they come back (quorum is lost earlier)
  for (const n of ['rs1', 'rs2', 'rs3'] as RsName[]) {
    await waitFor(() => out.find((m) => m.type === 'rs' && m.vs === `[${VIP}]:tcp:80` && m.ip === RS[n] && m.up === false, from), 15_000);
  }
  const from2 = out.messages.length;
  for (const n of ['rs1', 'rs2', 'rs3'] as RsName[]) await startAgain(n, RS[n]);
  await waitFor(() => out.find((m) => m.type === 'quorum' && m.up === true, from2), 15_000);
  await waitFor(() => out.find((m) => m.type === 'applied' && !(m.services as ServiceState[])[0]!.usingSorryServer
    && vs1Backends(m).length === 3, from2), 15_000);
  const c = hits(`http://${VIP}/`, 10);
  assert.equal(c.sorry, undefined, JSON.stringify(c));
  // scripts run asynchronously: wait for the last line
  const log = join(dir, 'notify.log');
  await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('QUORUM_UP'), 5000);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  const q = lines.filter((l) => l.startsWith('QUORUM'));
  assert.deepEqual(q, ['QUORUM_DOWN', 'QUORUM_UP']);
  const rs2 = lines.filter((l) => l.startsWith('RS2'));
  assert.deepEqual(rs2, ['RS2_DOWN', 'RS2_UP', 'RS2_DOWN', 'RS2_UP'], `${lines.join(',')} ${JSON.stringify(out.messages.filter((m) => m.type === 'rs'))}`);
  const fifo = readFileSync(join(dir, 'lvs_notify_fifo'), 'utf8').trim().split('\n');
  const vsLines = fifo.filter((l) => l.startsWith(`VS [${VIP}]:tcp:80 `));
  assert.deepEqual(vsLines, [`VS [${VIP}]:tcp:80 DOWN`, `VS [${VIP}]:tcp:80 UP`]);
  assert.ok(fifo.includes(`RS [${RS.rs2}]:tcp:80 [${VIP}]:tcp:80 DOWN`), fifo.join('\n'));
});

test('stopping the checker removes the vipd table', { skip, timeout: 30_000 }, async () => {
  assert.match(lab.exec('dir', 'nft', ['list', 'tables']), /inet vipd/);
  await lab.stop(agent);
  assert.ok(out.find((m) => m.type === 'stopped'), 'checker did not report stopped');
  assert.doesNotMatch(lab.exec('dir', 'nft', ['list', 'tables']), /inet vipd/);
  await sleep(10);
});
