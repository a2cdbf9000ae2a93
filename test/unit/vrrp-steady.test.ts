// Unit tests of the steady-state probes (src/vrrp/steady.ts): which steps the offload thread may repeat.
// Each case also replays the step the probe allowed and checks that doing it by hand gives what the
// probe promised, so a probe that says yes too easily fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createInstance, instanceConfig, masterDownIntervalMs, step, type FsmEvent, type InstanceConfig, type InstanceState } from '../../src/vrrp/fsm.js';
import { periodicAdvert, repeatedAdvertHold } from '../../src/vrrp/steady.js';
import type { Advert } from '../../src/vrrp/types.js';

const ME = '192.0.2.9';
const PEER = '192.0.2.20';
const VIP = '192.0.2.254';

const cfg = (p: Partial<InstanceConfig> = {}): InstanceConfig => instanceConfig({ primaryAddress: ME, vips: [VIP], ...p });
const adv = (priority: number, p: Partial<Advert> = {}): Advert =>
  ({ version: 2, type: 1, vrid: 51, priority, advertIntCs: 100, authType: 0, checksum: 0, family: 4, addrs: [VIP], ...p });
const rx = (priority: number, p: Partial<Advert> = {}): FsmEvent & { type: 'advert-received' } => ({ type: 'advert-received', advert: adv(priority, p), src: PEER });

function backup(c: InstanceConfig): InstanceState {
  return step(createInstance(c), { type: 'start' }, 0).state;
}

function master(c: InstanceConfig): InstanceState {
  const s = backup(c);
  return step(s, { type: 'timer-fired', timer: 'master-down' }, s.timers['master-down']!).state;
}

test('a master with nothing else going on repeats its advert every interval at its priority', () => {
  const s = master(cfg({ priority: 150 }));
  const plan = periodicAdvert(s);
  assert.deepEqual(plan, { due: s.timers.advert, intervalMs: 1000, priority: 150 });
  // and that is what the fsm does, three times over
  let cur = s, at = plan!.due;
  for (let i = 0; i < 3; i++) {
    const r = step(cur, { type: 'timer-fired', timer: 'advert', due: at }, at);
    assert.deepEqual(r.actions, [{ type: 'send-advert', priority: 150 }, { type: 'set-timer', timer: 'advert', due: at + 1000 }]);
    cur = r.state;
    at += 1000;
  }
});

test('v3 at 0.1 s: the cadence is the configured interval in ms', () => {
  const s = master(cfg({ version: 3, advertIntCs: 10 }));
  assert.equal(periodicAdvert(s)?.intervalMs, 100);
});

test('no periodic advert to offload for a backup, a faulted or a stopped instance', () => {
  assert.equal(periodicAdvert(backup(cfg())), undefined);
  const m = master(cfg());
  assert.equal(periodicAdvert(step(m, { type: 'interface', up: false }, 10).state), undefined);
  assert.equal(periodicAdvert(step(m, { type: 'shutdown' }, 10).state), undefined);
});

test('a backup hearing a higher-priority master may let the same advert restart master-down', () => {
  const s0 = backup(cfg({ priority: 100 }));
  const ev = rx(150);
  const s = step(s0, ev, 500).state;
  const d = repeatedAdvertHold(s, ev, 500);
  assert.equal(d, masterDownIntervalMs(s));
  const r = step(s, ev, 1700);
  assert.deepEqual(r.actions, [{ type: 'set-timer', timer: 'master-down', due: 1700 + d! }]);
});

test('v3: the hold uses the interval learned from the master', () => {
  const c = cfg({ version: 3, advertIntCs: 100 });
  const ev = rx(200, { version: 3, advertIntCs: 10 });
  const s = step(backup(c), ev, 100).state;
  assert.equal(s.masterAdverIntCs, 10);
  assert.equal(repeatedAdvertHold(s, ev, 100), masterDownIntervalMs(s));
  assert.ok(masterDownIntervalMs(s) < 400);
});

test('a lower-priority master that a preempting backup ignores: nothing to hold', () => {
  const s = backup(cfg({ priority: 100 }));
  assert.equal(repeatedAdvertHold(s, rx(50), 10), undefined);
});

test('nopreempt: the lower-priority master is accepted, and the same advert may be held', () => {
  const c = cfg({ priority: 100, nopreempt: true });
  const s = step(backup(c), rx(50), 10).state;
  assert.equal(repeatedAdvertHold(s, rx(50), 10), masterDownIntervalMs(s));
});

test('preempt_delay: tolerating a lower master ends when the delay runs out, so it is never held', () => {
  const c = cfg({ priority: 100, preemptDelayMs: 30_000 });
  const ev = rx(50);
  const s = step(backup(c), ev, 10).state;
  // within the window the fsm does restart master-down…
  assert.equal(step(s, ev, 20).actions.filter((a) => a.type === 'set-timer').length, 1);
  // …but not after it, which the probe must see
  assert.equal(step(s, ev, 40_000).actions.filter((a) => a.type === 'set-timer').length, 0);
  assert.equal(repeatedAdvertHold(s, ev, 20), undefined);
});

test('the same advert in MASTER state (an equal, lower-address peer) is not a hold', () => {
  const m = master(cfg({ priority: 100 }));
  assert.equal(repeatedAdvertHold(m, rx(100), 10), undefined);
});

test('an address owner hearing another owner changes state (conflict window): not a hold', () => {
  const s = master(cfg({ priority: 255 }));
  assert.equal(repeatedAdvertHold(s, { type: 'advert-received', advert: adv(255), src: '192.0.2.200' }, 10), undefined);
});
