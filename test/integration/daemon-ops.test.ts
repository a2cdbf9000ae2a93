// Operating the daemon as keepalived is operated: SIGHUP reload without flapping unchanged instances,
// refusal of a broken config on reload, respawn of a killed VRRP child (and none with -R), pid files,
// keepalived's dump files on SIGUSR1 / SIGUSR2 / JSON signal, and notify scripts in transition order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Lab, labUnavailable, sleep, waitFor } from '../helpers/netns.js';
import { startNode, ready, waitForHolder, hasAddress, jsonDump, pidOf, vrrpConf, script, tempDir, type NodeProc } from '../helpers/vipd-node.js';

const skip = labUnavailable();
let lab: Lab;
const started: NodeProc[] = [];

before(() => {
  if (skip) return;
  lab = new Lab('vo');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('n2', '192.0.2.2/24');
});
after(async () => {
  for (const n of started) await lab.stop(n.proc, 'SIGTERM', 8000).catch(() => undefined);
  if (lab) await lab.teardown();
});

async function node(host: string, conf: string, dir = tempDir(`vo-${host}-`), args: string[] = []): Promise<NodeProc> {
  const n = startNode(lab, host, 'vipd', conf, dir, args);
  started.push(n);
  try { return await ready(n); } catch (e) { console.log(n.output()); throw e; }
}

/** Watch the host's address events; resolves with every deleted address line seen until stop(). */
function watchDeletes(host: string): { stop: () => Promise<string[]> } {
  const p = spawn('ip', ['netns', 'exec', lab.host(host).ns, 'ip', '-o', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  p.stdout.on('data', (d) => { out += d; });
  return {
    stop: async () => {
      await sleep(200);
      p.kill();
      return out.split('\n').filter((l) => l.startsWith('Deleted'));
    },
  };
}

const two = (a: string, b: string) => `${a}\n${b.replace(/global_defs \{[^}]*\}/, '')}`;

test('SIGHUP: unchanged instance keeps state and VIPs, a changed one moves cleanly, a new one starts', { skip }, async () => {
  const i1 = vrrpConf({ name: 'VI_A', state: 'MASTER', prio: 150, vrid: 51, vip: '192.0.2.100/24' });
  const i2 = vrrpConf({ name: 'VI_B', state: 'MASTER', prio: 150, vrid: 52, vip: '192.0.2.101/24' });
  const n = await node('n1', two(i1, i2));
  await waitFor(() => hasAddress(lab, 'n1', '192.0.2.100') && hasAddress(lab, 'n1', '192.0.2.101'), 15_000);
  const before = await jsonDump(n);
  const tA = before.find((x) => x.data.iname === 'VI_A')!.data.last_transition;

  // VI_A unchanged; VI_B gets another VIP; VI_C is new.
  const i2b = vrrpConf({ name: 'VI_B', state: 'MASTER', prio: 150, vrid: 52, vip: '192.0.2.102/24' });
  const i3 = vrrpConf({ name: 'VI_C', state: 'MASTER', prio: 150, vrid: 53, vip: '192.0.2.103/24' });
  const watch = watchDeletes('n1');
  await sleep(500); // let `ip monitor` subscribe before anything can change
  writeFileSync(n.conf, two(two(i1, i2b), i3));
  process.kill(pidOf(n, 'parent')!, 'SIGHUP');
  await waitFor(() => hasAddress(lab, 'n1', '192.0.2.102') && !hasAddress(lab, 'n1', '192.0.2.101'), 15_000);
  await waitFor(() => hasAddress(lab, 'n1', '192.0.2.103'), 15_000);
  const deleted = await watch.stop();
  assert.ok(!deleted.some((l) => l.includes('192.0.2.100/')), `VI_A's VIP was never removed: ${deleted.join(' | ')}`);
  assert.ok(deleted.some((l) => l.includes('192.0.2.101/')), 'VI_B\'s old VIP was removed');
  const afterDump = await jsonDump(n);
  const a = afterDump.find((x) => x.data.iname === 'VI_A')!;
  assert.equal(a.data.state, 2);
  assert.equal(a.data.last_transition, tA, 'no transition for the unchanged instance');
  assert.match(n.output(), /reloaded its configuration/);

  // A broken config is refused and the running one kept.
  writeFileSync(n.conf, two(i1, 'vrrp_instance VI_X {\n  virtual_router_id 999\n}\n'));
  process.kill(pidOf(n, 'parent')!, 'SIGHUP');
  await waitFor(() => /refused the new configuration|rejected/.test(n.output()), 10_000);
  await sleep(500);
  assert.equal(hasAddress(lab, 'n1', '192.0.2.100'), true);
  assert.equal(hasAddress(lab, 'n1', '192.0.2.102'), true);
  assert.equal((await jsonDump(n)).length, 3, 'all three running instances kept');
  await lab.stop(n.proc, 'SIGTERM', 8000);
  assert.equal(hasAddress(lab, 'n1', '192.0.2.100'), false, 'SIGTERM removed the VIPs');
});

test('a killed VRRP child is respawned by the parent; with -R the daemon stops instead; pid files follow', { skip }, async () => {
  const n = await node('n1', vrrpConf({ state: 'MASTER', prio: 150 }));
  await waitForHolder(lab, ['n1'], 'n1', '192.0.2.100', 15_000);
  const parent = pidOf(n, 'parent')!;
  const child = pidOf(n, 'vrrp')!;
  assert.notEqual(parent, child);
  process.kill(child, 'SIGKILL');
  await waitFor(() => { const c = pidOf(n, 'vrrp'); return c !== undefined && c !== child; }, 10_000);
  await waitFor(() => n.output().split('Startup complete').length >= 3, 15_000);
  assert.equal(pidOf(n, 'parent'), parent, 'same parent');
  await waitForHolder(lab, ['n1'], 'n1', '192.0.2.100', 15_000);
  await lab.stop(n.proc, 'SIGTERM', 8000);
  assert.equal(existsSync(join(n.dir, 'parent.pid')), false, 'parent pid file removed at exit');
  assert.equal(existsSync(join(n.dir, 'vrrp.pid')), false, 'child pid file removed at exit');

  // -R: no respawn, the daemon exits.
  const dir = tempDir('vo-R-');
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, vrrpConf({ state: 'MASTER', prio: 150 }));
  const p = lab.spawn('n1', process.execPath, ['bin/vipd.js', '-n', '-l', '-R', '-f', conf, '-p', join(dir, 'p.pid'), '-r', join(dir, 'v.pid')],
    { env: { ...process.env, VIPD_API_LISTEN: 'off' } });
  let out = '';
  p.stdout?.on('data', (d) => { out += d; });
  p.stderr?.on('data', (d) => { out += d; });
  await waitFor(() => out.includes('Startup complete'), 15_000);
  const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  process.kill(Number(readFileSync(join(dir, 'v.pid'), 'utf8')), 'SIGKILL');
  const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
  assert.notEqual(code, 'timeout', `-R: parent must exit when its child dies\n${out}`);
  assert.notEqual(code, 0);
});

test('SIGUSR1 / SIGUSR2 / signal 36 write keepalived.data / .stats / .json', { skip }, async () => {
  const n = await node('n1', vrrpConf({ state: 'MASTER', prio: 150 }));
  await waitForHolder(lab, ['n1'], 'n1', '192.0.2.100', 15_000);
  const pid = pidOf(n, 'parent')!;
  process.kill(pid, 'SIGUSR1');
  process.kill(pid, 'SIGUSR2');
  await waitFor(() => existsSync(join(n.dir, 'keepalived.data')) && existsSync(join(n.dir, 'keepalived.stats')), 5000);
  assert.match(readFileSync(join(n.dir, 'keepalived.data'), 'utf8'), / VRRP Instance = VI_1\n {3}VRRP Version = 2\n {3}State = MASTER/);
  assert.match(readFileSync(join(n.dir, 'keepalived.stats'), 'utf8'), /VRRP Instance: VI_1\n {2}Advertisements:\n {4}Received: 0\n {4}Sent: [1-9]/);
  const j = await jsonDump(n);
  assert.equal(j[0]!.data.iname, 'VI_1');
  assert.equal(j[0]!.data.state, 2);
  assert.ok(pidOf(n, 'parent') === pid, 'the parent survived every signal (SIGUSR1 is Node\'s inspector signal otherwise)');
  await lab.stop(n.proc, 'SIGTERM', 8000);
});

test('notify scripts and the notify FIFO follow the transitions in order', { skip }, async () => {
  const dir = tempDir('vo-notify-');
  const log = join(dir, 'notify.log');
  const slow = script(dir, 'slow.sh', `sleep 0.3; echo "$@" >> ${log}`);
  const fast = script(dir, 'fast.sh', `echo "$@" >> ${log}`);
  const extra = `  notify_backup "${slow} backup"\n  notify_master "${fast} master"\n  notify_stop "${fast} stop"\n  notify ${fast}`;
  const n = await node('n1', vrrpConf({ state: 'MASTER', prio: 150, extra, global: 'enable_script_security\n  script_user root' }), dir);
  await waitForHolder(lab, ['n1'], 'n1', '192.0.2.100', 15_000);
  await lab.stop(n.proc, 'SIGTERM', 8000);
  await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('STOP'), 10_000);
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  // BACKUP (slow script) must come before MASTER even though the MASTER script is quicker.
  assert.deepEqual(lines, ['backup', 'INSTANCE VI_1 BACKUP 150', 'master', 'INSTANCE VI_1 MASTER 150', 'stop', 'INSTANCE VI_1 STOP 150'], lines.join('\n'));
});

test('status API, /metrics and dashboard served by a running daemon (inside its namespace)', { skip }, async () => {
  const n = await node('n2', vrrpConf({ state: 'MASTER', prio: 150 }), undefined, ['--api-listen=127.0.0.1:9650']);
  await waitForHolder(lab, ['n2'], 'n2', '192.0.2.100', 15_000);
  const get = (path: string) => lab.exec('n2', 'curl', ['-s', '--max-time', '3', `http://127.0.0.1:9650${path}`]);
  let status: { vrrp?: { instances: Array<{ state: string; stats: { advertsTx: number } }> } } = {};
  await waitFor(() => { status = JSON.parse(get('/api/status')); return status.vrrp?.instances[0]?.state === 'MASTER'; }, 10_000);
  assert.ok(status.vrrp!.instances[0]!.stats.advertsTx >= 1);
  const metrics = get('/metrics');
  assert.match(metrics, /vipd_vrrp_state\{instance="VI_1",vrid="51",interface="eth0",family="ipv4"\} 2/);
  assert.match(metrics, /vipd_process_rss_bytes\{process="vrrp"\} \d+/);
  assert.match(get('/'), /<title>vipd<\/title>/);
  assert.match(lab.exec('n2', 'curl', ['-s', '-X', 'DELETE', 'http://127.0.0.1:9650/api/status']), /only GET/);
  await lab.stop(n.proc, 'SIGTERM', 8000);
});

test('static_ipaddress and static_routes are present while the daemon runs, in any VRRP state, and removed at stop', { skip }, async () => {
  const conf = `static_ipaddress {
  198.51.100.7/32 dev eth0
}
static_routes {
  203.0.113.0/24 via 192.0.2.254 dev eth0
}
${vrrpConf({ prio: 100, vrid: 60, vip: '192.0.2.160/24' })}`;
  const n = await node('n2', conf);
  await waitFor(() => hasAddress(lab, 'n2', '198.51.100.7'), 10_000);
  await waitFor(() => lab.exec('n2', 'ip', ['route', 'show', '203.0.113.0/24']).includes('via 192.0.2.254'), 10_000);
  await lab.stop(n.proc, 'SIGTERM', 8000);
  assert.equal(hasAddress(lab, 'n2', '198.51.100.7'), false);
  assert.equal(lab.exec('n2', 'ip', ['route', 'show', '203.0.113.0/24']).trim(), '');
});
