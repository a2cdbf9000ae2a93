// The seed article's scenarios (section 2 and "常见问题"): nginx on two nodes behind one VIP with the
// article's port-check script; nopreempt keeping the VIP where it is after recovery; and two clusters
// with the same VRID on one segment kept apart by vrrp_mcast_group4 (the article's multicast conflict).
// The plain failover (stop nginx, VIP moves; start it, VIP returns) is asserted by demo.test.ts, which
// runs exactly the article's configs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labUnavailable, sleep } from '../helpers/netns.js';
import { seedKeepalivedConf, nginxConf, CHECK_PORT } from '../../src/daemon/demo.js';
import { startNode, ready, waitForHolder, hasAddress, jsonDump, script, tempDir, type NodeProc } from '../helpers/vipd-node.js';

const skip = labUnavailable();
let lab: Lab;
const started: NodeProc[] = [];

before(() => {
  if (skip) return;
  lab = new Lab('vs');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('n2', '192.0.2.2/24');
  lab.addHost('n3', '192.0.2.3/24');
  lab.addHost('n4', '192.0.2.4/24');
  lab.addHost('client', '192.0.2.50/24');
});
after(async () => {
  for (const n of started) await lab.stop(n.proc, 'SIGTERM', 8000).catch(() => undefined);
  if (lab) await lab.teardown();
});

async function node(host: string, conf: (dir: string) => string): Promise<NodeProc> {
  const dir = tempDir(`vs-${host}-`);
  const n = startNode(lab, host, 'vipd', conf(dir), dir);
  started.push(n);
  try { return await ready(n); } catch (e) { console.log(n.output()); throw e; }
}

function nginx(host: string, page: string): void {
  const dir = tempDir(`vs-nginx-${host}-`);
  mkdirSync(join(dir, 'tmp'));
  writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, page));
  lab.spawn(host, 'nginx', ['-c', join(dir, 'nginx.conf')]);
}

const fetchVip = (vip: string) => lab.exec('client', 'curl', ['-s', '--max-time', '2', `http://${vip}/`], { allowFail: true }).trim();

// The article's nopreempt section, done the way keepalived honours it: nopreempt only with state BACKUP.
function nopreemptConf(prio: number) {
  return (dir: string) => seedKeepalivedConf({ routerId: `n${prio}`, state: 'BACKUP', prio, nopreempt: true, vip: '192.0.2.100',
    checkScript: script(dir, 'check_port.sh', CHECK_PORT) });
}

test('nopreempt (state BACKUP): after the master returns, the VIP stays on the node that took over', { skip }, async () => {
  nginx('n1', 'I am n1');
  nginx('n2', 'I am n2');
  const n1 = await node('n1', nopreemptConf(100));
  await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.100', 15_000);
  const n2 = await node('n2', nopreemptConf(90));
  await sleep(2500);
  assert.equal(fetchVip('192.0.2.100'), 'I am n1');
  // The article's failure handling stops keepalived on the broken master.
  await lab.stop(n1.proc, 'SIGTERM', 8000);
  await waitForHolder(lab, ['n1', 'n2'], 'n2', '192.0.2.100', 5_000);
  assert.equal(fetchVip('192.0.2.100'), 'I am n2');
  // Recovered master comes back with a higher priority, but nopreempt: the VIP stays.
  const n1b = await node('n1', nopreemptConf(100));
  await sleep(8000); // > 2 master-down intervals
  assert.equal(hasAddress(lab, 'n2', '192.0.2.100'), true, 'n2 keeps the VIP');
  assert.equal(hasAddress(lab, 'n1', '192.0.2.100'), false, 'n1 stays BACKUP');
  assert.equal((await jsonDump(n1b))[0]!.data.state, 1);
  assert.equal(fetchVip('192.0.2.100'), 'I am n2');
  await lab.stop(n1b.proc, 'SIGTERM', 8000);
  await lab.stop(n2.proc, 'SIGTERM', 8000);
});

function clusterConf(o: { prio: number; vip: string; group?: string }): string {
  return `global_defs {
  router_id LVS_${o.prio}
  ${o.group ? `vrrp_mcast_group4 ${o.group}` : ''}
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${o.prio}
  advert_int 1
  virtual_ipaddress {
    ${o.vip}
  }
}
`;
}

test('two clusters with the same VRID on one segment, separated by vrrp_mcast_group4, do not disturb each other', { skip }, async () => {
  // Cluster A on 224.0.0.19 (the article's fix), cluster B on the default 224.0.0.18, same VRID 51.
  const a1 = await node('n1', () => clusterConf({ prio: 150, vip: '192.0.2.100', group: '224.0.0.19' }));
  const a2 = await node('n2', () => clusterConf({ prio: 100, vip: '192.0.2.100', group: '224.0.0.19' }));
  const b1 = await node('n3', () => clusterConf({ prio: 200, vip: '192.0.2.101' }));
  const b2 = await node('n4', () => clusterConf({ prio: 120, vip: '192.0.2.101' }));
  await waitForHolder(lab, ['n1', 'n2', 'n3', 'n4'], 'n1', '192.0.2.100', 15_000);
  await waitForHolder(lab, ['n1', 'n2', 'n3', 'n4'], 'n3', '192.0.2.101', 15_000);
  await sleep(3000);
  const stats = async (n: NodeProc) => (await jsonDump(n))[0]!.stats;
  // A's backup hears only A's master: adverts arrive, nothing from cluster B (no address-list errors).
  const sA2 = await stats(a2);
  assert.ok(sA2.advert_rcvd! > 0, 'cluster A backup hears its master');
  assert.equal(sA2.addr_list_err, 0, 'cluster A never sees cluster B\'s adverts');
  const sB2 = await stats(b2);
  assert.ok(sB2.advert_rcvd! > 0);
  assert.equal(sB2.addr_list_err, 0, 'cluster B never sees cluster A\'s adverts');
  // Control: a node of cluster A's VRID on B's group does see B's adverts (the article's conflict).
  await lab.stop(a2.proc, 'SIGTERM', 8000);
  const conflict = await node('n2', () => clusterConf({ prio: 100, vip: '192.0.2.100' }));
  await sleep(3500);
  assert.ok((await stats(conflict)).addr_list_err! > 0, 'without the separate group, cluster B\'s adverts reach it as bogus packets');
  for (const n of [a1, b1, b2, conflict]) await lab.stop(n.proc, 'SIGTERM', 8000);
});
