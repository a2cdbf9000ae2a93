// The scheduler with real timers, real files (FILE_CHECK) and real scripts (MISC_CHECK, notify):
// retry counting, alpha, quorum with hysteresis in order, misc_dynamic weights, inhibit_on_failure,
// omega at shutdown, and a hanging checker not delaying the others.
// No network is used, so no namespace is needed; deadlines are generous.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckerScheduler, type RealServerEvent, type QuorumEvent } from '../../src/check/scheduler.js';
import type { RealServerSpec, VirtualServerSpec, CheckResult } from '../../src/check/types.js';
import { waitFor } from '../helpers/netns.js';

const dir = mkdtempSync(join(tmpdir(), 'vipd-sched-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fast = { delayLoop: 0.05, delayBeforeRetry: 0.02, connectTimeout: 1, warmup: 0 };

function fileRs(n: number, extra: Partial<RealServerSpec> = {}): RealServerSpec {
  const f = join(dir, `state${n}`);
  if (!existsSync(f)) writeFileSync(f, '0');
  return { ip: `198.51.100.${10 + n}`, port: 80, weight: 1, checkers: [{ kind: 'FILE_CHECK', trackFile: f, weight: 0 }], ...extra };
}
const setState = (n: number, v: string): void => writeFileSync(join(dir, `state${n}`), v);

interface Recorded { rs: RealServerEvent[]; quorum: QuorumEvent[]; checks: Array<{ ip: string; result: CheckResult }> }
function record(s: CheckerScheduler): Recorded {
  const r: Recorded = { rs: [], quorum: [], checks: [] };
  s.on('rs', (e: RealServerEvent) => r.rs.push(e));
  s.on('quorum', (e: QuorumEvent) => r.quorum.push(e));
  s.on('check', (e: { ip: string; result: CheckResult }) => r.checks.push(e));
  return r;
}

test('a server goes down after exactly retry + 1 failed checks, and up on the first success', { timeout: 20_000 }, async () => {
  const vs: VirtualServerSpec = { vip: '203.0.113.10', port: 80, lbAlgo: 'rr', retry: 2, ...fast, realServers: [fileRs(1)] };
  const s = new CheckerScheduler([vs], { runScripts: false });
  const rec = record(s);
  s.start();
  try {
    await waitFor(() => rec.checks.length >= 2, 5000);
    const mark = rec.checks.length;
    setState(1, '1');
    await waitFor(() => rec.rs.find((e) => !e.up), 5000);
    const failedBeforeDown = rec.checks.slice(mark).filter((c) => !c.result.ok).length;
    assert.equal(failedBeforeDown, 3, 'retry 2 → 3 failed attempts');
    assert.deepEqual(s.snapshot()[0]!.backends, []);
    setState(1, '0');
    await waitFor(() => rec.rs.find((e) => e.up), 5000);
    assert.equal(s.snapshot()[0]!.backends.length, 1);
  } finally { await s.stop(); }
});

test('alpha starts a server down until its first success', { timeout: 20_000 }, async () => {
  const vs: VirtualServerSpec = { vip: '203.0.113.10', port: 80, lbAlgo: 'rr', alpha: true, ...fast, realServers: [fileRs(2)] };
  const s = new CheckerScheduler([vs], { runScripts: false });
  const rec = record(s);
  assert.deepEqual(s.snapshot()[0]!.backends, [], 'not in the pool before any check');
  s.start();
  try {
    await waitFor(() => rec.rs.find((e) => e.up), 5000);
    assert.equal(s.snapshot()[0]!.backends.length, 1);
  } finally { await s.stop(); }
});

test('quorum with hysteresis: events in order with alive weights', { timeout: 30_000 }, async () => {
  const vs: VirtualServerSpec = { vip: '203.0.113.10', port: 80, lbAlgo: 'rr', retry: 0, quorum: 2, hysteresis: 1, ...fast,
    sorryServer: { ip: '198.51.100.99', port: 8080 }, realServers: [fileRs(3), fileRs(4), fileRs(5)] };
  const s = new CheckerScheduler([vs], { runScripts: false, notifyFifo: [join(dir, 'fifo.txt'), join(dir, 'fifo2.txt')] });
  const rec = record(s);
  s.start();
  const downCount = (): number => rec.rs.filter((e) => !e.up).length;
  try {
    setState(3, '1'); await waitFor(() => downCount() === 1, 5000);
    setState(4, '1'); await waitFor(() => downCount() === 2, 5000);
    assert.equal(rec.quorum.length, 0, 'alive 1 ≥ quorum − hysteresis keeps quorum');
    setState(5, '1'); await waitFor(() => rec.quorum.length === 1, 5000);
    assert.deepEqual(s.snapshot()[0]!.backends, [{ ip: '198.51.100.99', port: 8080, weight: 1 }]);
    setState(3, '0'); setState(4, '0');
    await waitFor(() => rec.rs.filter((e) => e.up).length === 2, 5000);
    assert.equal(rec.quorum.length, 1, 'alive 2 < quorum + hysteresis: still down');
    setState(5, '0'); await waitFor(() => rec.quorum.length === 2, 5000);
    assert.deepEqual(rec.quorum.map((q) => [q.up, q.aliveWeight]), [[false, 0], [true, 3]]);
    assert.equal(s.snapshot()[0]!.usingSorryServer, false);
  } finally { await s.stop(); }
  const fifo = readFileSync(join(dir, 'fifo.txt'), 'utf8').trim().split('\n');
  assert.deepEqual(fifo.filter((l) => l.startsWith('VS')), ['VS [203.0.113.10]:tcp:80 DOWN', 'VS [203.0.113.10]:tcp:80 UP']);
  assert.equal(fifo.filter((l) => l.startsWith('RS')).length, 6);
  assert.deepEqual(readFileSync(join(dir, 'fifo2.txt'), 'utf8').trim().split('\n'), fifo, 'every FIFO gets the same lines');
});

test('misc_dynamic sets the weight, inhibit_on_failure keeps a down server at weight 0', { timeout: 20_000 }, async () => {
  const vs: VirtualServerSpec = { vip: '203.0.113.10', port: 80, lbAlgo: 'wrr', ...fast, realServers: [
    { ip: '198.51.100.21', port: 80, weight: 1, checkers: [{ kind: 'MISC_CHECK', miscPath: 'exit 9', miscDynamic: true }] },
    { ip: '198.51.100.22', port: 80, weight: 4, inhibitOnFailure: true, retry: 0, checkers: [{ kind: 'MISC_CHECK', miscPath: 'exit 1' }] },
  ] };
  const s = new CheckerScheduler([vs], { runScripts: false });
  const rec = record(s);
  s.start();
  try {
    await waitFor(() => rec.rs.find((e) => !e.up) && s.snapshot()[0]!.backends.find((b) => b.weight === 7), 5000);
    assert.deepEqual(s.snapshot()[0]!.backends, [{ ip: '198.51.100.21', port: 80, weight: 7 }, { ip: '198.51.100.22', port: 80, weight: 0 }]);
  } finally { await s.stop(); }
});

test('omega runs notify_down and quorum_down at shutdown; notify_up runs on recovery', { timeout: 20_000 }, async () => {
  const log = join(dir, 'omega.log');
  const vs: VirtualServerSpec = { vip: '203.0.113.10', port: 80, lbAlgo: 'rr', omega: true, alpha: true, ...fast,
    quorumDown: `echo QDOWN >> ${log}`, quorumUp: `echo QUP >> ${log}`,
    realServers: [fileRs(6, { notifyUp: `echo UP6 >> ${log}`, notifyDown: `echo DOWN6 >> ${log}` })] };
  const s = new CheckerScheduler([vs]);
  s.start();
  await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('UP6') && readFileSync(log, 'utf8').includes('QUP'), 5000);
  await s.stop();
  const lines = readFileSync(log, 'utf8').trim().split('\n').sort();
  assert.deepEqual(lines, ['DOWN6', 'QDOWN', 'QUP', 'UP6']);
});

test('a hanging checker does not delay other servers', { timeout: 20_000 }, async () => {
  const vs: VirtualServerSpec = { vip: '203.0.113.10', port: 80, lbAlgo: 'rr', ...fast, realServers: [
    { ip: '198.51.100.31', port: 80, checkers: [{ kind: 'MISC_CHECK', miscPath: 'sleep 30', miscTimeout: 3 }] },
    fileRs(7),
  ] };
  const s = new CheckerScheduler([vs], { runScripts: false });
  const rec = record(s);
  s.start();
  try {
    await waitFor(() => rec.checks.filter((c) => c.ip === '198.51.100.17').length >= 10, 2500);
    assert.equal(rec.checks.filter((c) => c.ip === '198.51.100.31').length, 0, 'the hanging script is still running');
  } finally { await s.stop(); }
});

test('reload carries checker state over: a dead server stays out, omega does not fire', { timeout: 20_000 }, async () => {
  const log = join(dir, 'reload.log');
  const mk = (): VirtualServerSpec => ({ vip: '203.0.113.10', port: 80, lbAlgo: 'rr', retry: 0, omega: true, ...fast,
    quorumDown: `echo QDOWN >> ${log}`, realServers: [fileRs(8, { notifyDown: `echo DOWN8 >> ${log}` }), fileRs(9)] });
  setState(8, '1');
  const a = new CheckerScheduler([mk()], { runScripts: false });
  const rec = record(a);
  a.start();
  await waitFor(() => rec.rs.find((e) => !e.up && e.ip === '198.51.100.18'), 5000);
  await a.stop(false);
  const b = new CheckerScheduler([mk()], { previous: a });
  try {
    assert.deepEqual(b.snapshot()[0]!.backends.map((x) => x.ip), ['198.51.100.19'], 'known-dead server not resurrected by reload');
    const fresh = new CheckerScheduler([mk()], { runScripts: false });
    assert.equal(fresh.snapshot()[0]!.backends.length, 2, 'without previous state both start up');
  } finally { await b.stop(false); }
  assert.equal(existsSync(log), false, 'no omega scripts on reload');
});

test('FILE_CHECK reacts to a file change at once, not at the next delay_loop', { timeout: 20_000 }, async () => {
  const vs: VirtualServerSpec = { vip: '203.0.113.10', port: 80, lbAlgo: 'rr', retry: 0, delayLoop: 3600, warmup: 0, realServers: [fileRs(10)] };
  const s = new CheckerScheduler([vs], { runScripts: false });
  const rec = record(s);
  s.start();
  try {
    await waitFor(() => rec.checks.length >= 1, 5000);
    setState(10, '1');
    await waitFor(() => rec.rs.find((e) => !e.up), 5000); // delay_loop is an hour: only the watch can do this
    setState(10, '0');
    await waitFor(() => rec.rs.find((e) => e.up), 5000);
  } finally { await s.stop(); }
});
