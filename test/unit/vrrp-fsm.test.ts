// Unit tests of the pure VRRP state machine: one test per rule, with the expected actions spelled out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createInstance, instanceConfig, masterDownIntervalMs, step,
  type Action, type FsmEvent, type InstanceConfig, type InstanceState,
} from '../../src/vrrp/fsm.js';
import type { Advert } from '../../src/vrrp/types.js';
import type { TrackerStatus } from '../../src/vrrp/priority.js';

const ME = '192.0.2.9';
const VIP = '192.0.2.254';

function cfg(p: Partial<InstanceConfig> = {}): InstanceConfig {
  return instanceConfig({ primaryAddress: ME, vips: [VIP], ...p });
}

function adv(priority: number, p: Partial<Advert> = {}): Advert {
  return { version: 2, type: 1, vrid: 51, priority, advertIntCs: 100, authType: 0, checksum: 0, family: 4, addrs: [VIP], ...p };
}

function rx(priority: number, src: string, p: Partial<Advert> = {}): FsmEvent {
  return { type: 'advert-received', advert: adv(priority, p), src };
}

/** Feed events in order; returns the final state and the actions of the LAST event. */
function run(s: InstanceState, events: Array<[FsmEvent, number]>): { s: InstanceState; acts: Action[] } {
  let acts: Action[] = [];
  for (const [ev, now] of events) {
    const r = step(s, ev, now);
    s = r.state;
    acts = r.actions;
  }
  return { s, acts };
}

const START: FsmEvent = { type: 'start' };
const fire = (timer: 'advert' | 'master-down' | 'garp-master-delay' | 'garp-refresh' | 'garp-lower-prio' | 'owner-conflict'): FsmEvent => ({ type: 'timer-fired', timer });
const types = (acts: Action[]) => acts.filter((a) => a.type !== 'log').map((a) => a.type);
const find = <T extends Action['type']>(acts: Action[], t: T) => acts.find((a) => a.type === t) as Extract<Action, { type: T }> | undefined;
const all = <T extends Action['type']>(acts: Action[], t: T) => acts.filter((a) => a.type === t) as Extract<Action, { type: T }>[];

/** A backup that became master at t=0 via its master-down timer. */
function masterAt(c: InstanceConfig): InstanceState {
  let s = step(createInstance(c), START, 0).state;
  s = step(s, fire('master-down'), s.timers['master-down']!).state;
  assert.equal(s.state, 'MASTER');
  return s;
}

test('non-owner starts in BACKUP with Master_Down_Interval = 3 × interval + (256 − prio)/256 s (v2)', () => {
  const r = step(createInstance(cfg({ priority: 100 })), START, 1000);
  assert.equal(r.state.state, 'BACKUP');
  assert.deepEqual(find(r.actions, 'notify'), { type: 'notify', from: 'INIT', to: 'BACKUP', priority: 100 });
  assert.deepEqual(find(r.actions, 'set-timer'), { type: 'set-timer', timer: 'master-down', due: 1000 + 3000 + (156 * 1000) / 256 });
  assert.equal(find(r.actions, 'send-advert'), undefined);
  assert.equal(find(r.actions, 'add-vips'), undefined);
});

test('v3 skew scales with the interval and down_timer_adverts replaces the factor 3', () => {
  const s = step(createInstance(cfg({ version: 3, priority: 200, advertIntCs: 50, downTimerAdverts: 5 })), START, 0).state;
  assert.equal(masterDownIntervalMs(s), 5 * 500 + (56 * 500) / 256);
  assert.equal(s.timers['master-down'], 5 * 500 + (56 * 500) / 256);
});

test('owner (255) becomes MASTER at once: advert 255, VIPs with accept, GARP burst, timers', () => {
  const r = step(createInstance(cfg({ priority: 255, accept: false })), START, 0);
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(types(r.actions), ['add-vips', 'send-advert', 'send-garp', 'set-timer', 'set-timer', 'notify']);
  assert.deepEqual(find(r.actions, 'send-advert'), { type: 'send-advert', priority: 255 });
  assert.equal(find(r.actions, 'add-vips')!.accept, true, 'the owner always accepts packets for its own addresses');
  assert.deepEqual(find(r.actions, 'notify'), { type: 'notify', from: 'INIT', to: 'MASTER', priority: 255 });
});

test('master-down timer fires → MASTER: VIPs, advert, GARP ×repeat, advert timer, second GARP burst timer', () => {
  const s0 = step(createInstance(cfg({ accept: false })), START, 0).state;
  const due = s0.timers['master-down']!;
  const r = step(s0, fire('master-down'), due);
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(find(r.actions, 'add-vips'), { type: 'add-vips', vips: [VIP], accept: false });
  assert.deepEqual(find(r.actions, 'send-garp'), { type: 'send-garp', vips: [VIP], count: 5, reason: 'master' });
  const timers = all(r.actions, 'set-timer');
  assert.deepEqual(timers.map((t) => [t.timer, t.due]), [['advert', due + 1000], ['garp-master-delay', due + 5000]]);
  // advert timer: periodic adverts at our priority
  const r2 = step(r.state, fire('advert'), due + 1000);
  assert.deepEqual(types(r2.actions), ['send-advert', 'set-timer']);
  assert.equal(find(r2.actions, 'set-timer')!.due, due + 2000);
  // second GARP burst
  const r3 = step(r2.state, fire('garp-master-delay'), due + 5000);
  assert.deepEqual(find(r3.actions, 'send-garp'), { type: 'send-garp', vips: [VIP], count: 5, reason: 'master-delay' });
});

test('garp_master_delay 0 → no second burst; garp_master_refresh re-arms itself', () => {
  const c = cfg({ garp: { masterDelayMs: 0, masterRepeat: 1, lowerPrioDelayMs: 0, lowerPrioRepeat: 0, masterRefreshMs: 60000, masterRefreshRepeat: 2 } });
  const s = masterAt(c);
  assert.equal(s.timers['garp-master-delay'], null);
  const t0 = s.timers['garp-refresh']!;
  const r = step(s, fire('garp-refresh'), t0);
  assert.deepEqual(find(r.actions, 'send-garp'), { type: 'send-garp', vips: [VIP], count: 2, reason: 'refresh' });
  assert.equal(r.state.timers['garp-refresh'], t0 + 60000);
});

test('a stale or unarmed timer event does nothing', () => {
  const s = step(createInstance(cfg()), START, 0).state;
  assert.deepEqual(step(s, fire('advert'), 10).actions, []);
  assert.deepEqual(step(s, fire('master-down'), 5).actions, [], 'fired before its due time (re-armed since)');
});

test('timer-fired with due: exactly the armed timer counts; without due a timer 1 ms early still fires', () => {
  const s = step(createInstance(cfg()), START, 0).state;
  const due = s.timers['master-down']!;
  assert.equal(step(s, { type: 'timer-fired', timer: 'master-down', due: due - 100 }, due + 50).state.state, 'BACKUP', 'stale: armed for another time');
  assert.equal(step(s, { type: 'timer-fired', timer: 'master-down', due }, due - 3).state.state, 'MASTER', 'the armed one, clock a bit behind');
  // Node's setTimeout truncates fractional delays: it may fire just under the due time.
  const early = step(s, fire('master-down'), due - 0.7);
  assert.equal(early.state.state, 'MASTER');
  assert.equal(early.state.timers.advert, due + 1000, 'cadence kept from the due time');
});

test('backup: advert with priority ≥ ours resets Master_Down_Timer; preempt ignores lower ones', () => {
  const s = step(createInstance(cfg({ priority: 100 })), START, 0).state;
  const mdi = masterDownIntervalMs(s);
  let r = step(s, rx(150, '192.0.2.1'), 500);
  assert.deepEqual(find(r.actions, 'set-timer'), { type: 'set-timer', timer: 'master-down', due: 500 + mdi });
  r = step(r.state, rx(100, '192.0.2.1'), 600);
  assert.equal(find(r.actions, 'set-timer')!.due, 600 + mdi, 'equal priority also counts as "master alive" (RFC §6.4.2)');
  r = step(r.state, rx(50, '192.0.2.1'), 700);
  assert.deepEqual(r.actions, [], 'lower priority: discarded, the timer runs out and we preempt');
  assert.equal(r.state.timers['master-down'], 600 + mdi);
});

test('nopreempt (with state BACKUP) keeps a lower-priority master; with state MASTER it is ignored', () => {
  const np = step(createInstance(cfg({ priority: 100, nopreempt: true })), START, 0).state;
  const r = step(np, rx(50, '192.0.2.1'), 700);
  assert.equal(find(r.actions, 'set-timer')!.due, 700 + masterDownIntervalMs(np));
  const npm = step(createInstance(cfg({ priority: 100, nopreempt: true, initialState: 'MASTER' })), START, 0).state;
  assert.deepEqual(step(npm, rx(50, '192.0.2.1'), 700).actions, []);
});

test('preempt_delay: a lower master is tolerated for the delay, then ignored so we take over', () => {
  const c = cfg({ priority: 100, preemptDelayMs: 10000 });
  const s0 = step(createInstance(c), START, 0).state;
  const mdi = masterDownIntervalMs(s0);
  assert.equal(s0.timers['master-down'], mdi + 10000, 'start-up: the first election is delayed too');
  // After start-up, a lower master appears: the delay window opens when we first see it.
  let s = step(s0, rx(150, '192.0.2.1'), 20000).state; // a better master first: window closed
  assert.equal(s.preemptAt, null);
  let r = step(s, rx(50, '192.0.2.1'), 30000);
  assert.equal(r.state.preemptAt, 40000);
  assert.equal(find(r.actions, 'set-timer')!.due, 30000 + mdi);
  s = r.state;
  r = step(s, rx(50, '192.0.2.1'), 39000);
  assert.equal(find(r.actions, 'set-timer')!.due, 39000 + mdi);
  r = step(r.state, rx(50, '192.0.2.1'), 40000);
  assert.deepEqual(r.actions, [], 'delay over: lower adverts no longer hold us back');
  r = step(r.state, fire('master-down'), 39000 + mdi);
  assert.equal(r.state.state, 'MASTER');
});

test('master: equal priority → the higher primary address wins, compared numerically (IPv4)', () => {
  const s = masterAt(cfg({ priority: 100 }));
  // 192.0.2.10 > 192.0.2.9 numerically although "192.0.2.10" < "192.0.2.9" as text
  const lose = step(s, rx(100, '192.0.2.10'), 10000);
  assert.equal(lose.state.state, 'BACKUP');
  assert.deepEqual(types(lose.actions).slice(0, 5), ['cancel-timer', 'cancel-timer', 'remove-vips', 'notify', 'set-timer']);
  const win = step(s, rx(100, '192.0.2.8'), 10000);
  assert.equal(win.state.state, 'MASTER');
  assert.deepEqual(find(win.actions, 'send-advert'), { type: 'send-advert', priority: 100 });
});

test('master: equal priority tie-break for IPv6 compares the 128-bit value', () => {
  const c = cfg({ version: 3, family: 6, primaryAddress: 'fd00::9', vips: ['fd00::fffe'] });
  const s = masterAt(c);
  assert.equal(step(s, rx(100, 'fd00::10', { version: 3, family: 6 }), 9000).state.state, 'BACKUP', 'fd00::10 (0x10) > fd00::9');
  assert.equal(step(s, rx(100, 'fd00::1:0', { version: 3, family: 6 }), 9000).state.state, 'BACKUP');
  assert.equal(step(s, rx(100, 'fd00::8', { version: 3, family: 6 }), 9000).state.state, 'MASTER');
});

test('master: higher priority → BACKUP; v3 learns the new master interval', () => {
  const s = masterAt(cfg({ version: 3, priority: 100 }));
  const r = step(s, rx(200, '192.0.2.1', { version: 3, advertIntCs: 300 }), 10000);
  assert.equal(r.state.state, 'BACKUP');
  assert.equal(r.state.masterAdverIntCs, 300);
  assert.equal(r.state.timers['master-down'], 10000 + 3 * 3000 + (156 * 3000) / 256);
  assert.equal(find(r.actions, 'send-advert'), undefined, 'no parting advert without higher_prio_send_advert');
  assert.deepEqual(find(r.actions, 'notify'), { type: 'notify', from: 'MASTER', to: 'BACKUP', priority: 100 });
});

test('backup v3 adopts Master_Adver_Interval from adverts (RFC 5798 §6.4.2); v2 keeps its own', () => {
  const s3 = step(createInstance(cfg({ version: 3, priority: 100 })), START, 0).state;
  const r3 = step(s3, rx(200, '192.0.2.1', { version: 3, advertIntCs: 25 }), 100);
  assert.equal(r3.state.masterAdverIntCs, 25);
  assert.equal(r3.state.timers['master-down'], 100 + 3 * 250 + (156 * 250) / 256);
  const r0 = step(r3.state, rx(200, '192.0.2.1', { version: 3, advertIntCs: 0 }), 200);
  assert.equal(r0.state.masterAdverIntCs, 25, 'a zero interval is not learned (it would zero Master_Down_Interval)');
  const s2 = step(createInstance(cfg({ version: 2, priority: 100 })), START, 0).state;
  assert.equal(step(s2, rx(200, '192.0.2.1', { advertIntCs: 200 }), 100).state.masterAdverIntCs, 100);
});

test('higher_prio_send_advert: a yielding master sends one advert at its own priority first', () => {
  const s = masterAt(cfg({ priority: 100, higherPrioSendAdvert: true }));
  const r = step(s, rx(200, '192.0.2.1'), 10000);
  assert.equal(r.state.state, 'BACKUP');
  assert.deepEqual(r.actions[0], { type: 'send-advert', priority: 100 });
});

test('master answers a lower-priority advert at once (RFC 9568), with lower-prio GARPs and notify', () => {
  const s = masterAt(cfg({ priority: 100 }));
  const r = step(s, rx(50, '192.0.2.200'), 10000);
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(types(r.actions), ['send-advert', 'notify-master-rx-lower-pri', 'send-garp', 'set-timer']);
  assert.deepEqual(find(r.actions, 'notify-master-rx-lower-pri'), { type: 'notify-master-rx-lower-pri', priority: 50, src: '192.0.2.200' });
  assert.deepEqual(find(r.actions, 'send-garp'), { type: 'send-garp', vips: [VIP], count: 5, reason: 'lower-prio' });
  assert.deepEqual(find(r.actions, 'set-timer'), { type: 'set-timer', timer: 'garp-lower-prio', due: 15000 });
  const r2 = step(r.state, fire('garp-lower-prio'), 15000);
  assert.deepEqual(find(r2.actions, 'send-garp'), { type: 'send-garp', vips: [VIP], count: 5, reason: 'lower-prio-delay' });
});

test('lower_prio_no_advert keeps quiet on a lower-priority advert', () => {
  const s = masterAt(cfg({ priority: 100, lowerPrioNoAdvert: true, garp: { masterDelayMs: 0, masterRepeat: 1, lowerPrioDelayMs: 0, lowerPrioRepeat: 0, masterRefreshMs: 0, masterRefreshRepeat: 1 } }));
  const r = step(s, rx(50, '192.0.2.200'), 10000);
  assert.deepEqual(types(r.actions), ['notify-master-rx-lower-pri']);
});

test('priority 0: a backup takes over after Skew_Time; a master advertises at once', () => {
  const b = step(createInstance(cfg({ priority: 100 })), START, 0).state;
  const r = step(b, rx(0, '192.0.2.1'), 2000);
  assert.deepEqual(find(r.actions, 'set-timer'), { type: 'set-timer', timer: 'master-down', due: 2000 + (156 * 1000) / 256 });
  const m = masterAt(cfg({ priority: 100 }));
  const r2 = step(m, rx(0, '192.0.2.1'), 10000);
  assert.deepEqual(types(r2.actions), ['send-advert', 'set-timer']);
  assert.equal(r2.state.state, 'MASTER');
});

test('shutdown: a master resigns with priority 0, removes VIPs, cancels every timer, notifies STOP', () => {
  const m = masterAt(cfg({ priority: 100 }));
  const r = step(m, { type: 'shutdown' }, 10000);
  assert.equal(r.state.state, 'STOP');
  assert.deepEqual(r.actions[0], { type: 'send-advert', priority: 0 });
  assert.ok(find(r.actions, 'remove-vips'));
  assert.deepEqual(find(r.actions, 'notify'), { type: 'notify', from: 'MASTER', to: 'STOP', priority: 100 });
  assert.ok(Object.values(r.state.timers).every((t) => t === null));
  const b = step(createInstance(cfg()), START, 0).state;
  const rb = step(b, { type: 'shutdown' }, 10);
  assert.equal(find(rb.actions, 'send-advert'), undefined, 'a backup has nothing to resign');
  assert.equal(step(rb.state, START, 20).state.state, 'BACKUP', 'restart after stop');
});

test('owner vs owner: the lower address yields and drops to 254 while the other lasts, then returns to 255', () => {
  const c = cfg({ priority: 255 });
  const s = step(createInstance(c), START, 0).state;
  assert.equal(s.state, 'MASTER');
  // the other owner has a higher address: we yield, then drop to 254
  const r = step(s, rx(255, '192.0.2.10'), 1000);
  assert.equal(r.state.state, 'BACKUP');
  assert.equal(r.state.priority, 254);
  assert.ok(find(r.actions, 'priority-changed'));
  // its adverts keep us at 254 (even when it advertises 255 we stay backup)
  const r2 = step(r.state, rx(255, '192.0.2.10'), 2000);
  assert.equal(r2.state.priority, 254);
  assert.equal(r2.state.state, 'BACKUP');
  // silence for a Master_Down_Interval: back to 255
  const until = r2.state.conflictUntil;
  const r3 = step(r2.state, fire('owner-conflict'), until);
  assert.equal(r3.state.priority, 255);
  // an owner with the higher address keeps 255 and stays master
  const w = step(createInstance(cfg({ priority: 255, primaryAddress: '192.0.2.10' })), START, 0).state;
  const rw = step(w, rx(255, '192.0.2.9'), 1000);
  assert.equal(rw.state.state, 'MASTER');
  assert.equal(rw.state.priority, 255);
});

test('owner_ignore_adverts: the owner discards adverts entirely (RFC behaviour)', () => {
  const s = step(createInstance(cfg({ priority: 255, ownerIgnoreAdverts: true })), START, 0).state;
  assert.deepEqual(step(s, rx(255, '192.0.2.10'), 1000).actions, []);
});

test('our own address as advert source is ignored (looped-back advert)', () => {
  const s = masterAt(cfg());
  const r = step(s, rx(200, ME), 10000);
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(types(r.actions), []);
});

const weighted = (up: boolean, weight: number, reverse = false): TrackerStatus => ({ kind: 'updown', name: 'chk', weight, reverse, up });

test('trackers: a master whose priority drops advertises the new priority at once', () => {
  const s = masterAt(cfg({ priority: 100 }));
  const r = step(s, { type: 'tracker-changed', trackers: [weighted(false, -30)] }, 10000);
  assert.equal(r.state.priority, 70);
  assert.deepEqual(types(r.actions), ['priority-changed', 'send-advert', 'set-timer']);
  assert.deepEqual(find(r.actions, 'send-advert'), { type: 'send-advert', priority: 70 });
});

test('weight-0 tracker down → FAULT: a master resigns (prio 0) and drops VIPs; recovery → BACKUP', () => {
  const s = masterAt(cfg({ priority: 100 }));
  const r = step(s, { type: 'tracker-changed', trackers: [weighted(false, 0)] }, 10000);
  assert.equal(r.state.state, 'FAULT');
  assert.deepEqual(r.actions[0], { type: 'send-advert', priority: 0 });
  assert.ok(find(r.actions, 'remove-vips'));
  assert.deepEqual(step(r.state, rx(200, '192.0.2.1'), 10100).actions, [], 'FAULT ignores adverts');
  const back = step(r.state, { type: 'tracker-changed', trackers: [weighted(true, 0)] }, 11000);
  assert.equal(back.state.state, 'BACKUP');
  assert.deepEqual(find(back.actions, 'notify'), { type: 'notify', from: 'FAULT', to: 'BACKUP', priority: 100 });
  assert.ok(back.state.timers['master-down']);
});

test('interface down → FAULT without an advert (cannot send); up → owner back to MASTER', () => {
  const s = step(createInstance(cfg({ priority: 255 })), START, 0).state;
  const r = step(s, { type: 'interface', up: false }, 1000);
  assert.equal(r.state.state, 'FAULT');
  assert.equal(find(r.actions, 'send-advert'), undefined);
  const r2 = step(r.state, { type: 'interface', up: true }, 2000);
  assert.equal(r2.state.state, 'MASTER');
  // started while the interface is down: FAULT straight from INIT
  const d = step(step(createInstance(cfg()), { type: 'interface', up: false }, 0).state, START, 0);
  assert.equal(d.state.state, 'FAULT');
});

test('reload keeps MASTER, advertises a changed priority and diffs the VIPs', () => {
  const s = masterAt(cfg({ priority: 100 }));
  const r = step(s, { type: 'reload', config: cfg({ priority: 90, vips: [VIP, '192.0.2.253'] }) }, 10000);
  assert.equal(r.state.state, 'MASTER');
  assert.deepEqual(find(r.actions, 'priority-changed'), { type: 'priority-changed', from: 100, to: 90 });
  assert.deepEqual(find(r.actions, 'send-advert'), { type: 'send-advert', priority: 90 });
  assert.deepEqual(find(r.actions, 'add-vips'), { type: 'add-vips', vips: ['192.0.2.253'], accept: true });
  assert.equal(find(r.actions, 'remove-vips'), undefined);
  const r2 = step(r.state, { type: 'reload', config: cfg({ priority: 90, vips: ['192.0.2.253'] }) }, 11000);
  assert.deepEqual(find(r2.actions, 'remove-vips'), { type: 'remove-vips', vips: [VIP] });
  // a backup reloaded into the owner takes over at once
  const b = step(createInstance(cfg()), START, 0).state;
  assert.equal(step(b, { type: 'reload', config: cfg({ priority: 255 }) }, 10).state.state, 'MASTER');
});

test('sync directives: MASTER/BACKUP follow the group, FAULT holds until CLEAR', () => {
  const b = step(createInstance(cfg()), START, 0).state;
  const m = step(b, { type: 'sync', directive: 'MASTER' }, 100);
  assert.equal(m.state.state, 'MASTER');
  const bb = step(m.state, { type: 'sync', directive: 'BACKUP' }, 200);
  assert.equal(bb.state.state, 'BACKUP');
  const f = step(bb.state, { type: 'sync', directive: 'FAULT' }, 300);
  assert.equal(f.state.state, 'FAULT');
  assert.equal(step(f.state, { type: 'tracker-changed', trackers: [] }, 400).state.state, 'FAULT', 'still held by the group');
  assert.equal(step(f.state, { type: 'sync', directive: 'CLEAR' }, 500).state.state, 'BACKUP');
});

test('notifications chain: every notify starts where the previous one ended', () => {
  let s = createInstance(cfg({ priority: 100 }));
  let last = 'INIT';
  const events: Array<[FsmEvent, number]> = [
    [START, 0], [fire('master-down'), 3610], [rx(200, '192.0.2.1'), 5000], [{ type: 'interface', up: false }, 6000],
    [{ type: 'interface', up: true }, 7000], [{ type: 'shutdown' }, 8000], [START, 9000],
  ];
  for (const [ev, now] of events) {
    const r = step(s, ev, now);
    for (const a of all(r.actions, 'notify')) {
      assert.equal(a.from, last);
      last = a.to;
    }
    s = r.state;
    assert.equal(s.state, last);
  }
});
