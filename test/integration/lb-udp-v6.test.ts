// nftables data plane for UDP and IPv6 services, and the reject rule for a service whose pool is
// empty: a UDP rr service with UDP_CHECK, an IPv6 HTTP service with TCP_CHECK, and a TCP service
// whose only real server is down (clients must get a prompt refusal, not a timeout).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor } from '../helpers/netns.js';
import { CHECKER_JS, JsonLines, tempDir, waitListening, removeTempDirs } from './lb-fixtures.js';
import type { VirtualServerSpec } from '../../src/check/types.js';
import type { ServiceState } from '../../src/lb/types.js';

const skip = labUnavailable();
const lab = new Lab('vlu');
const VIP = '203.0.113.10', VIP6 = 'fd00:1::10';
const RS = [{ name: 'r1', ip: '198.51.100.11', ip6: 'fd00:2::11' }, { name: 'r2', ip: '198.51.100.12', ip6: 'fd00:2::12' }];
let dir = '';
let out: JsonLines;

// each real server answers UDP datagrams and HTTP (v4 and v6) with its own name
const SERVER = (name: string) => `
import dgram from 'node:dgram'; import http from 'node:http';
const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(${JSON.stringify(name)}, r.port, r.address)); u.bind(5300);
http.createServer((q, s) => s.end(${JSON.stringify(name + '\n')})).listen(80, '::', () => console.log('ready'));
`;

// client: N datagrams, each from a fresh socket (a new conntrack entry), answers counted
const UDP_CLIENT = (n: number) => `
import dgram from 'node:dgram';
const counts = {};
let left = ${n};
const one = () => new Promise((res) => { const s = dgram.createSocket('udp4');
  const t = setTimeout(() => { s.close(); res('timeout'); }, 2000);
  s.on('message', (m) => { clearTimeout(t); s.close(); res(String(m)); }); s.send('q', 5300, ${JSON.stringify(VIP)}); });
for (let i = 0; i < ${n}; i++) { const r = await one(); counts[r] = (counts[r] ?? 0) + 1; }
console.log(JSON.stringify(counts));
`;

before(async () => {
  if (skip) return;
  dir = tempDir('udp6');
  lab.addHost('dir', '198.51.100.1/24', 'fd00:2::1/64');
  lab.exec('dir', 'ip', ['addr', 'add', '203.0.113.1/24', 'dev', 'eth0']);
  lab.exec('dir', 'ip', ['addr', 'add', 'fd00:1::1/64', 'dev', 'eth0', 'nodad']);
  lab.exec('dir', 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'eth0']);
  lab.exec('dir', 'ip', ['addr', 'add', `${VIP6}/128`, 'dev', 'eth0', 'nodad']);
  lab.exec('dir', 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']);
  lab.addHost('client', '203.0.113.100/24', 'fd00:1::100/64');
  for (const r of RS) {
    lab.addHost(r.name, `${r.ip}/24`, `${r.ip6}/64`);
    lab.exec(r.name, 'ip', ['route', 'add', 'default', 'via', '198.51.100.1']);
    lab.exec(r.name, 'ip', ['-6', 'route', 'add', 'default', 'via', 'fd00:2::1']);
    // the director forwards out of the interface it received on, so it sends ICMPv6 redirects
    // ("client is on-link"); a real server that obeyed would bypass the NAT and break the flow
    lab.exec(r.name, 'sysctl', ['-qw', 'net.ipv6.conf.all.accept_redirects=0', 'net.ipv6.conf.eth0.accept_redirects=0']);
    writeFileSync(join(dir, `${r.name}.mjs`), SERVER(r.name));
    lab.spawn(r.name, process.execPath, [join(dir, `${r.name}.mjs`)]);
    await waitListening(lab, r.name, r.ip, 80);
  }
  const timing = { delayLoop: 0.5, retry: 0, connectTimeout: 1, warmup: 0 };
  const services: VirtualServerSpec[] = [
    { vip: VIP, port: 5300, protocol: 'UDP', lbAlgo: 'rr', ...timing,
      realServers: RS.map((r) => ({ ip: r.ip, port: 5300, checkers: [{ kind: 'UDP_CHECK' as const, payload: '00', requireReply: true }] })) },
    { vip: VIP6, port: 80, protocol: 'TCP', lbAlgo: 'wrr', ...timing,
      realServers: RS.map((r, i) => ({ ip: r.ip6, port: 80, weight: i + 1, checkers: [{ kind: 'TCP_CHECK' as const }] })) },
    { vip: VIP, port: 81, protocol: 'TCP', lbAlgo: 'rr', ...timing,
      realServers: [{ ip: RS[0]!.ip, port: 81, checkers: [{ kind: 'TCP_CHECK' as const }] }] }, // nothing listens on 81
  ];
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({ type: 'config', services, dataPlane: { kind: 'nftables' } }));
  const agent = lab.spawn('dir', process.execPath, [CHECKER_JS, '--spec', join(dir, 'spec.json')]);
  out = new JsonLines(agent);
  // wait until the port-81 service has lost its only server (first check)
  await waitFor(() => out.find((m) => m.type === 'applied' && (m.services as ServiceState[])[2]!.backends.length === 0), 10_000);
});

after(async () => { await lab.teardown(); removeTempDirs(); });

test('UDP service: round robin per flow, health-checked with UDP_CHECK', { skip, timeout: 30_000 }, () => {
  writeFileSync(join(dir, 'udp-client.mjs'), UDP_CLIENT(10));
  const counts = JSON.parse(lab.exec('client', process.execPath, [join(dir, 'udp-client.mjs')]).trim()) as Record<string, number>;
  assert.deepEqual(counts, { r1: 5, r2: 5 });
});

test('IPv6 service: weighted 1:2 over IPv6 real servers', { skip, timeout: 30_000 }, () => {
  const urls = Array.from({ length: 30 }, () => `http://[${VIP6}]/`);
  const body = lab.exec('client', 'curl', ['-gs', '--max-time', '5', '-H', 'Connection: close', ...urls]);
  const counts: Record<string, number> = {};
  for (const l of body.split('\n').filter(Boolean)) counts[l] = (counts[l] ?? 0) + 1;
  assert.deepEqual(counts, { r1: 10, r2: 20 });
});

test('a service with no healthy server refuses connections promptly', { skip, timeout: 30_000 }, () => {
  const t0 = Date.now();
  let err = '';
  try { lab.exec('client', 'curl', ['-s', '--max-time', '5', `http://${VIP}:81/`]); } catch (e) { err = (e as Error).message; }
  const ms = Date.now() - t0;
  assert.match(err, /curl/, 'the connection must fail');
  assert.ok(ms < 4000, `refusal took ${ms} ms: expected an ICMP unreachable, not a timeout`);
  assert.match(lab.exec('dir', 'nft', ['list', 'chain', 'inet', 'vipd', 'input']), /tcp dport 81 reject/);
});
