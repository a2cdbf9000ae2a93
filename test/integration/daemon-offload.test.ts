// The offload thread carries VRRP's steady state: a master's periodic adverts and a backup's absorbing
// of the same advert again run without a single state-machine step in JavaScript, the counters still
// move, and a crash of the master still ends in a takeover (the thread's hold fires into the fsm).
// SIGTERM: the parent's signal handler passes it on and the child's offload thread sends the
// priority-0 advert itself; on the wire there must be exactly one, and nothing from the master after it.
// The control (VIPD_OFFLOAD=0) shows the same scenario stepping the fsm for every advert, so the
// assertion on fsmSteps can fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable, sleep, waitFor } from '../helpers/netns.js';
import { startNode, ready, waitForHolder, crash, vrrpConf, jsonDump, tempDir, type NodeProc } from '../helpers/vipd-node.js';
import { AdvertWatch, AddrWatch, nowMs } from '../../bench/lib/observe.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const skip = labUnavailable();
let lab: Lab;
const started: NodeProc[] = [];
const API = '127.0.0.1:9651';

before(() => {
  if (skip) return;
  lab = new Lab('vf');
  lab.addHost('n1', '192.0.2.1/24', 'fd00:0:0:7::1/64');
  lab.addHost('n2', '192.0.2.2/24', 'fd00:0:0:7::2/64');
});
after(async () => {
  for (const n of started) await lab.stop(n.proc, 'SIGTERM', 8000).catch(() => undefined);
  if (lab) await lab.teardown();
});

interface Stats { advertsRx: number; advertsTx: number; fsmSteps: number; offload: string; drops?: Record<string, number> }
interface Inst { name: string; state: string; effectivePriority: number; stats: Stats }

function status(host: string): Inst {
  const out = lab.exec(host, 'curl', ['-s', '--max-time', '3', `http://${API}/api/status`], { allowFail: true });
  try {
    const s = JSON.parse(out) as { vrrp?: { instances: Inst[] } };
    const i = s.vrrp?.instances[0];
    if (i) return i;
  } catch { /* not up yet */ }
  return { name: '', state: 'UNKNOWN', effectivePriority: 0, stats: { advertsRx: 0, advertsTx: 0, fsmSteps: 0, offload: 'none' } };
}

async function pair(confs: [string, string], env: Record<string, string> = {}): Promise<[NodeProc, NodeProc]> {
  const saved = { ...process.env };
  Object.assign(process.env, env); // startNode passes process.env to the daemon
  try {
    const n1 = startNode(lab, 'n1', 'vipd', confs[0], undefined, [`--api-listen=${API}`]);
    const n2 = startNode(lab, 'n2', 'vipd', confs[1], undefined, [`--api-listen=${API}`]);
    started.push(n1, n2);
    await Promise.all([ready(n1), ready(n2)]);
    return [n1, n2];
  } finally {
    for (const k of Object.keys(env)) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; }
  }
}

/** Counter changes over a quiet window, after the 5 s GARP repeat of the new master has passed. */
async function quietWindow(ms: number): Promise<{ m: Stats; b: Stats }> {
  await sleep(6000);
  const m0 = status('n1').stats, b0 = status('n2').stats;
  await sleep(ms);
  const m1 = status('n1').stats, b1 = status('n2').stats;
  const d = (x: Stats, y: Stats): Stats => ({ advertsRx: y.advertsRx - x.advertsRx, advertsTx: y.advertsTx - x.advertsTx, fsmSteps: y.fsmSteps - x.fsmSteps, offload: y.offload });
  return { m: d(m0, m1), b: d(b0, b1) };
}

async function stopAll(ns: NodeProc[]): Promise<void> {
  for (const n of ns) await lab.stop(n.proc, 'SIGTERM', 8000);
}

const v2 = (state: 'MASTER' | 'BACKUP', prio: number) => vrrpConf({ state, prio, vrid: 61, vip: '192.0.2.161/24' });
const v3v6 = (state: 'MASTER' | 'BACKUP', prio: number, me: string, peer: string) =>
  vrrpConf({ state, prio, vrid: 62, version: 3, vip: 'fd00:0:0:7::62/64', unicastSrc: me, peers: [peer] });

for (const c of [
  { name: 'v2 IPv4 multicast', confs: [v2('MASTER', 150), v2('BACKUP', 100)] as [string, string], vip: '192.0.2.161' },
  { name: 'v3 IPv6 unicast', confs: [v3v6('MASTER', 150, 'fd00:0:0:7::1', 'fd00:0:0:7::2'), v3v6('BACKUP', 100, 'fd00:0:0:7::2', 'fd00:0:0:7::1')] as [string, string], vip: 'fd00:0:0:7::62' },
]) {
  test(`${c.name}: steady state runs in the offload thread; a crash still hands over`, { skip }, async () => {
    const [n1, n2] = await pair(c.confs);
    await waitForHolder(lab, ['n1', 'n2'], 'n1', c.vip, 15_000);
    await waitFor(() => status('n1').stats.offload === 'adverts' && status('n2').stats.offload === 'hold', 10_000);
    const w = await quietWindow(3500);
    assert.ok(w.m.advertsTx >= 2, `master sent ${w.m.advertsTx} adverts in 3.5 s`);
    assert.ok(w.b.advertsRx >= 2, `backup received ${w.b.advertsRx} adverts in 3.5 s`);
    assert.equal(w.m.fsmSteps, 0, 'no fsm step on the master in steady state');
    assert.equal(w.b.fsmSteps, 0, 'no fsm step on the backup in steady state');
    const metrics = lab.exec('n2', 'curl', ['-s', '--max-time', '3', `http://${API}/metrics`]);
    const absorbed = Number(/^vipd_vrrp_offload_absorbed_total (\d+)$/m.exec(metrics)?.[1] ?? -1);
    assert.ok(absorbed >= w.b.advertsRx, `the thread counts what it absorbed (${absorbed})`);
    assert.match(metrics, /^vipd_vrrp_offload_queue_drops_total 0$/m);
    const before = status('n2').stats.fsmSteps;
    crash(n1);
    await waitForHolder(lab, ['n2'], 'n2', c.vip, 10_000);
    const after = status('n2');
    assert.equal(after.state, 'MASTER');
    assert.ok(after.stats.fsmSteps > before, 'the takeover ran through the fsm');
    await waitFor(() => status('n2').stats.offload === 'adverts', 5000);
    await stopAll([n1, n2]);
  });
}

test('control, VIPD_OFFLOAD=0: every advert is an fsm step on both sides', { skip }, async () => {
  const [n1, n2] = await pair([v2('MASTER', 150), v2('BACKUP', 100)], { VIPD_OFFLOAD: '0' });
  await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.161', 15_000);
  const w = await quietWindow(3500);
  assert.ok(w.m.fsmSteps >= 2 && w.m.advertsTx >= 2, `master: ${JSON.stringify(w.m)}`);
  assert.ok(w.b.fsmSteps >= 2 && w.b.advertsRx >= 2, `backup: ${JSON.stringify(w.b)}`);
  assert.equal(w.m.offload, 'none');
  assert.equal(w.b.offload, 'none');
  await stopAll([n1, n2]);
});

for (const offloaded of [true, false]) {
  test(`SIGTERM${offloaded ? '' : ' (control, VIPD_OFFLOAD=0)'}: one priority-0 advert, nothing after it, the backup takes over`, { skip }, async () => {
    const [n1, n2] = await pair([v2('MASTER', 150), v2('BACKUP', 100)], offloaded ? {} : { VIPD_OFFLOAD: '0' });
    const watch = new AdvertWatch(lab, 'n2');
    try {
      await watch.ready();
      await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.161', 15_000);
      if (offloaded) await waitFor(() => status('n1').stats.offload === 'adverts', 10_000);
      await watch.next((e) => e.src === '192.0.2.1' && e.prio === 150 && e.t > nowMs() - 50, 3000, 'a fresh advert of the master');
      const t0 = nowMs();
      n1.proc.kill('SIGTERM');
      const resign = await watch.next((e) => e.src === '192.0.2.1' && e.prio === 0, 3000, 'the priority-0 advert');
      console.log(`# ${offloaded ? 'offload' : 'JavaScript'}: priority-0 advert ${(resign.t - t0).toFixed(2)} ms after SIGTERM to the parent`);
      await waitForHolder(lab, ['n1', 'n2'], 'n2', '192.0.2.161', 5000);
      await sleep(1500);
      const fromN1 = watch.log.events.filter((e) => e.src === '192.0.2.1' && e.t >= t0);
      assert.deepEqual(fromN1.map((e) => e.prio), [0], 'exactly one advert from the stopping master, at priority 0');
      assert.equal((await jsonDump(n2))[0]!.stats.pri_zero_rcvd, 1);
    } finally {
      await watch.close(lab);
      await stopAll([n1, n2]);
    }
  });
}

test('a held advert follows our own priority: after a tracker lowers it, a crash is taken over after the new master-down interval', { skip }, async () => {
  // n2 at priority 100 would take over 3 s + (256-100)/256 s = 3609 ms after the last advert; a
  // track_file (weight 1) at -80 brings it to 20: 3 s + 236/256 s = 3922 ms. The fsm does not restart
  // master-down on a tracker change, so the thread's hold must learn the new duration by itself.
  const file = join(tempDir('vf-tf-'), 'tf');
  writeFileSync(file, '0\n');
  const top = `track_file tf {\n  file "${file}"\n  weight 1\n}\n`;
  const [n1, n2] = await pair([v2('MASTER', 150), vrrpConf({ state: 'BACKUP', prio: 100, vrid: 61, vip: '192.0.2.161/24', top, extra: '  track_file {\n    tf\n  }' })]);
  const adverts = new AdvertWatch(lab, 'n2');
  const addrs = new AddrWatch(lab, 'n2');
  try {
    await Promise.all([adverts.ready(), addrs.ready()]);
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.161', 15_000);
    await waitFor(() => status('n2').stats.offload === 'hold', 10_000);
    writeFileSync(file, '-80\n');
    await waitFor(() => status('n2').effectivePriority === 20, 10_000);
    const last = await adverts.next((e) => e.src === '192.0.2.1' && e.t > nowMs() - 50, 3000, 'a fresh advert of the master');
    crash(n1);
    const vip = await addrs.next('192.0.2.161', false, last.t, 10_000);
    const ms = vip.t - last.t;
    console.log(`# takeover ${ms.toFixed(1)} ms after the last advert (expected 3922 at priority 20, 3609 at 100)`);
    assert.ok(ms > 3922 - 50 && ms < 3922 + 150, `takeover after ${ms.toFixed(1)} ms`);
  } finally {
    await adverts.close(lab);
    await stopAll([n1, n2]);
  }
});

test('adverts for a VRID nobody here runs are counted per socket in /metrics (never a drop of ours, never silent)', { skip }, async () => {
  // n1 runs VRID 61, n2 VRID 62, on the same segment: each hears the other's adverts for a VRID it does not run.
  const [n1, n2] = await pair([v2('MASTER', 150), vrrpConf({ state: 'MASTER', prio: 150, vrid: 62, vip: '192.0.2.162/24' })]);
  try {
    await waitForHolder(lab, ['n2'], 'n2', '192.0.2.162', 15_000);
    const unknown = () => {
      const m = lab.exec('n2', 'curl', ['-s', '--max-time', '3', `http://${API}/metrics`]);
      return Number(/^vipd_vrrp_unknown_vrid_total\{interface="eth0",family="ipv4",group="224\.0\.0\.18",src="192\.0\.2\.2"\} (\d+)$/m.exec(m)?.[1] ?? 0);
    };
    await waitFor(() => unknown() >= 3, 10_000);
    assert.equal(status('n2').stats.drops?.['vrid-unknown'] ?? 0, 0, 'not counted against our instance');
  } finally {
    await stopAll([n1, n2]);
  }
});
