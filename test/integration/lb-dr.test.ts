// lb_kind DR through nftables' netdev ingress `fwd`: the director forwards the unchanged IP packet
// to a real server that holds the VIP on lo (arp_ignore/arp_announce, as for IPVS DR) and answers
// the client directly. Source hashing keeps a client on one server; when that server's checker
// fails, the client moves to the other one, and comes back when it recovers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, waitFor } from '../helpers/netns.js';
import { CHECKER_JS, JsonLines, nginxSite, startNginx, tempDir, waitListening, type NginxSite, removeTempDirs } from './lb-fixtures.js';
import type { VirtualServerSpec } from '../../src/check/types.js';
import type { ServiceState } from '../../src/lb/types.js';

const skip = labUnavailable();
const lab = new Lab('vdr');
const VIP = '198.51.100.10';
const RS = { rs1: '198.51.100.11', rs2: '198.51.100.12' } as const;
let out: JsonLines;
const sites = new Map<string, NginxSite>();
const nginx = new Map<string, ChildProcess>();

before(async () => {
  if (skip) return;
  const dir = tempDir('dr');
  lab.addHost('dir', '198.51.100.1/24');
  lab.exec('dir', 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'eth0']);
  lab.addHost('client', '198.51.100.100/24');
  for (const [name, ip] of Object.entries(RS)) {
    lab.addHost(name, `${ip}/24`);
    lab.exec(name, 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'lo']);
    lab.exec(name, 'sysctl', ['-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2',
      'net.ipv4.conf.eth0.arp_ignore=1', 'net.ipv4.conf.eth0.arp_announce=2']);
    const site = nginxSite(dir, name, `${name}\n`, 80);
    sites.set(name, site);
    nginx.set(name, startNginx(lab, name, site));
    await waitListening(lab, name, ip, 80);
  }
  const services: VirtualServerSpec[] = [{ vip: VIP, port: 80, protocol: 'TCP', lbAlgo: 'sh', lbKind: 'DR',
    delayLoop: 0.5, retry: 0, connectTimeout: 1, warmup: 0,
    realServers: Object.values(RS).map((ip) => ({ ip, port: 80, checkers: [{ kind: 'HTTP_GET' as const, urls: [{ path: '/' }] }] })) }];
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({ type: 'config', services, dataPlane: { kind: 'nftables' } }));
  out = new JsonLines(lab.spawn('dir', process.execPath, [CHECKER_JS, '--spec', join(dir, 'spec.json')]));
  await waitFor(() => out.find((m) => m.type === 'applied'), 10_000);
});

after(async () => { await lab.teardown(); removeTempDirs(); });

function answers(n: number): Record<string, number> {
  const urls = Array.from({ length: n }, () => `http://${VIP}/`);
  const body = lab.exec('client', 'curl', ['-s', '--max-time', '5', '-H', 'Connection: close', ...urls], { allowFail: true });
  const c: Record<string, number> = {};
  for (const l of body.split('\n').filter(Boolean)) c[l] = (c[l] ?? 0) + 1;
  return c;
}

test('DR: one client sticks to one real server, answered directly by it', { skip, timeout: 30_000 }, () => {
  const c = answers(10);
  assert.equal(Object.keys(c).length, 1, JSON.stringify(c));
  assert.equal(Object.values(c)[0], 10);
  assert.match(lab.exec('dir', 'nft', ['list', 'table', 'netdev', 'vipd']), /fwd ip to jhash ip saddr/);
  // the director did not NAT anything: no conntrack entry was rewritten to a real server
  assert.doesNotMatch(lab.exec('dir', 'nft', ['list', 'ruleset']), /dnat/);
});

test('DR: failover to the other server and back', { skip, timeout: 60_000 }, async () => {
  const first = Object.keys(answers(3))[0]! as keyof typeof RS;
  const other = first === 'rs1' ? 'rs2' : 'rs1';
  const from = out.messages.length;
  await lab.stop(nginx.get(first)!);
  await waitFor(() => out.find((m) => m.type === 'applied' && !(m.services as ServiceState[])[0]!.backends.some((b) => b.ip === RS[first]), from), 15_000);
  assert.deepEqual(answers(5), { [other]: 5 });
  const from2 = out.messages.length;
  nginx.set(first, startNginx(lab, first, sites.get(first)!));
  await waitListening(lab, first, RS[first], 80);
  await waitFor(() => out.find((m) => m.type === 'applied' && (m.services as ServiceState[])[0]!.backends.length === 2, from2), 15_000);
  assert.deepEqual(answers(5), { [first]: 5 }, 'the hash maps the client back to its server');
});
