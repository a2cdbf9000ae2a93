// Two vipd nodes on one segment, a client beside them: election, takeover on crash (kill -9) within
// the master-down interval, fast takeover on SIGTERM (priority 0), preemption back, nopreempt, a 5 s
// partition (nftables drop of protocol 112 inside a node's namespace) and its heal.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable, sleep } from '../helpers/netns.js';
import { startNode as start, ready, waitForHolder, crash, hasAddress, vrrpConf, jsonDump, type NodeProc } from '../helpers/vipd-node.js';

const skip = labUnavailable();
const VIP = '192.0.2.100';
const hosts = ['n1', 'n2'];

let lab: Lab;
before(() => {
  if (skip) return;
  lab = new Lab('vf');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('n2', '192.0.2.2/24');
  lab.addHost('client', '192.0.2.50/24');
});
after(async () => { if (lab) await lab.teardown(); });

function conf(prio: number, extra = '', state: 'MASTER' | 'BACKUP' = 'BACKUP'): string {
  return vrrpConf({ state, prio, auth: 'secret', extra });
}

/** Start a node and wait until its VRRP process is up (machines under load start Node slowly). */
async function startNode(...a: Parameters<typeof start>): Promise<NodeProc> { const n = start(...a); started.push(n); return ready(n); }

const started: NodeProc[] = [];
/** On failure, show what every node logged: a failover test that fails without logs is a riddle. */
async function explain<T>(fn: () => Promise<T>): Promise<T> {
  started.length = 0;
  try { return await fn(); } catch (e) {
    for (const n of started) console.log(`# ---- ${n.kind} on ${n.host}:\n${n.output().replace(/^/gm, '# ')}`);
    throw e;
  }
}

async function stopNode(n: NodeProc): Promise<void> { await lab.stop(n.proc, 'SIGTERM', 8000); }

test('election, crash takeover within the master-down interval, preemption back', { skip }, () => explain(async () => {
  const n1 = await startNode(lab, 'n1', 'vipd', conf(150, '', 'MASTER'));
  const n2 = await startNode(lab, 'n2', 'vipd', conf(100));
  try {
    await waitForHolder(lab, hosts, 'n1', VIP, 10_000);
    const d1 = await jsonDump(n1);
    assert.equal(d1[0]!.data.state, 2, 'n1 reports MASTER (2) in keepalived\'s JSON dump');
    assert.equal((await jsonDump(n2))[0]!.data.state, 1, 'n2 reports BACKUP (1)');
    // the client reaches the VIP through the master
    lab.exec('client', 'ping', ['-c', '1', '-W', '2', VIP]);

    const t0 = Date.now();
    crash(n1);
    const took = await waitForHolder(lab, ['n2'], 'n2', VIP, 10_000);
    // master-down interval for priority 100, advert 1 s: 3 × 1 + (256 − 100)/256 ≈ 3.61 s
    const elapsed = Date.now() - t0;
    console.log(`# crash takeover: ${elapsed} ms (master-down interval 3609 ms)`);
    assert.ok(elapsed >= 2500, `takeover must wait for the master-down interval, took ${elapsed} ms (${took})`);
    assert.ok(elapsed < 3609 + 2000, `takeover within master-down interval + margin, took ${elapsed} ms`);
    // the dead master's VIP is still configured on n1 (it crashed), the restarted one cleans it up
    const n1b = await startNode(lab, 'n1', 'vipd', conf(150, '', 'MASTER'));
    await waitForHolder(lab, hosts, 'n1', VIP, 10_000);
    await stopNode(n1b);
  } finally {
    crash(n1);
    await stopNode(n2);
  }
}));

test('SIGTERM: priority-0 advert, VIPs removed, backup takes over within skew time', { skip }, () => explain(async () => {
  const n1 = await startNode(lab, 'n1', 'vipd', conf(150, '', 'MASTER'));
  const n2 = await startNode(lab, 'n2', 'vipd', conf(100));
  try {
    await waitForHolder(lab, hosts, 'n1', VIP, 10_000);
    const t0 = Date.now();
    n1.proc.kill('SIGTERM');
    await waitForHolder(lab, hosts, 'n2', VIP, 5_000);
    const elapsed = Date.now() - t0;
    console.log(`# SIGTERM takeover: ${elapsed} ms (skew time 609 ms)`);
    assert.ok(elapsed < 609 + 1000, `takeover within skew time + margin after priority 0, took ${elapsed} ms`);
    assert.equal(hasAddress(lab, 'n1', VIP), false, 'stopped node removed its VIP');
    const d2 = await jsonDump(n2);
    assert.ok((d2[0]!.stats.pri_zero_rcvd ?? 0) >= 1, 'backup counted the priority-0 advert');
  } finally {
    crash(n1);
    await stopNode(n2);
  }
}));

test('nopreempt: a returning higher-priority node does not displace the live master', { skip }, () => explain(async () => {
  const n2 = await startNode(lab, 'n2', 'vipd', conf(100, '  nopreempt'));
  try {
    await waitForHolder(lab, hosts, 'n2', VIP, 10_000);
    const n1 = await startNode(lab, 'n1', 'vipd', conf(150, '  nopreempt'));
    try {
      await sleep(6000); // two master-down intervals
      assert.equal(hasAddress(lab, 'n2', VIP), true, 'n2 keeps the VIP');
      assert.equal(hasAddress(lab, 'n1', VIP), false, 'n1 stays BACKUP');
      assert.equal((await jsonDump(n1))[0]!.data.state, 1);
    } finally { await stopNode(n1); }
  } finally { await stopNode(n2); }
}));

test('5 s partition of VRRP (nftables drop of protocol 112 in n2), then heal: one master, VIP reachable', { skip }, () => explain(async () => {
  const n1 = await startNode(lab, 'n1', 'vipd', conf(150, '', 'MASTER'));
  const n2 = await startNode(lab, 'n2', 'vipd', conf(100));
  const table = `vipdtest${lab.id}`;
  try {
    await waitForHolder(lab, hosts, 'n1', VIP, 10_000);
    lab.exec('n2', 'nft', ['-f', '-'], { input: `table inet ${table} {\n  chain vrrp_in {\n    type filter hook input priority 0;\n    meta l4proto 112 drop\n  }\n}\n` });
    await sleep(5000);
    assert.equal(hasAddress(lab, 'n2', VIP), true, 'partitioned backup became master (split brain during the partition)');
    lab.exec('n2', 'nft', ['delete', 'table', 'inet', table]);
    // after heal, n2 hears the higher-priority master and steps down within one advert interval or so
    await waitForHolder(lab, hosts, 'n1', VIP, 5_000);
    lab.exec('client', 'ip', ['neigh', 'flush', 'all']);
    lab.exec('client', 'ping', ['-c', '1', '-W', '2', VIP]);
  } finally {
    lab.exec('n2', 'nft', ['delete', 'table', 'inet', table], { allowFail: true });
    await stopNode(n1);
    await stopNode(n2);
  }
}));
