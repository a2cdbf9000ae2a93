// Unit tests of effective priority (trackers), address ordering, timer arithmetic and sync groups.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareAddresses, trackedPriority, type TrackerStatus } from '../../src/vrrp/priority.js';
import { masterDownMs, skewMs } from '../../src/vrrp/timers.js';
import { createInstance, instanceConfig, step, type InstanceState } from '../../src/vrrp/fsm.js';
import { createSyncGroup, observe } from '../../src/vrrp/sync.js';

const ud = (up: boolean, weight: number, reverse = false): TrackerStatus => ({ kind: 'updown', name: `t${weight}`, weight, reverse, up });

test('positive weight is added while up, negative weight subtracted while down', () => {
  assert.equal(trackedPriority(100, [ud(true, 20)]).priority, 120);
  assert.equal(trackedPriority(100, [ud(false, 20)]).priority, 100);
  assert.equal(trackedPriority(100, [ud(false, -30)]).priority, 70);
  assert.equal(trackedPriority(100, [ud(true, -30)]).priority, 100);
  assert.equal(trackedPriority(100, [ud(true, 20), ud(false, -30)]).priority, 90);
});

test('reverse flips the direction: decrease while up / increase while down', () => {
  assert.equal(trackedPriority(100, [ud(true, 20, true)]).priority, 80);
  assert.equal(trackedPriority(100, [ud(false, 20, true)]).priority, 100);
  assert.equal(trackedPriority(100, [ud(false, -30, true)]).priority, 130);
});

test('weight 0 means FAULT when down (reverse: when up)', () => {
  assert.deepEqual(trackedPriority(100, [ud(false, 0)]), { priority: 100, fault: true, faultBy: 't0' });
  assert.equal(trackedPriority(100, [ud(true, 0)]).fault, false);
  assert.equal(trackedPriority(100, [ud(true, 0, true)]).fault, true);
});

test('clamped to 1..254 for non-owners; the owner is never adjusted but can FAULT', () => {
  assert.equal(trackedPriority(250, [ud(true, 100)]).priority, 254);
  assert.equal(trackedPriority(10, [ud(false, -100)]).priority, 1);
  assert.equal(trackedPriority(255, [ud(false, -100)]).priority, 255);
  assert.equal(trackedPriority(255, [ud(false, 0)]).fault, true);
});

test('track_file: value × weight; weight 0 with non-zero value → FAULT; ≤ −254 → FAULT', () => {
  const f = (value: number, weight: number, reverse = false): TrackerStatus => ({ kind: 'value', name: 'file', weight, reverse, value });
  assert.equal(trackedPriority(100, [f(3, 10)]).priority, 130);
  assert.equal(trackedPriority(100, [f(3, 10, true)]).priority, 70);
  assert.equal(trackedPriority(100, [f(1, 0)]).fault, true);
  assert.equal(trackedPriority(100, [f(0, 0)]).fault, false);
  assert.equal(trackedPriority(100, [f(-254, 1)]).fault, true);
});

test('sync group without sync_group_tracking_weight ignores weights but keeps FAULT', () => {
  assert.equal(trackedPriority(100, [ud(false, -30)], true).priority, 100);
  assert.equal(trackedPriority(100, [ud(false, 0)], true).fault, true);
});

test('addresses compare numerically, IPv4 and IPv6', () => {
  assert.ok(compareAddresses('192.0.2.10', '192.0.2.9') > 0);
  assert.ok(compareAddresses('192.0.2.9', '192.0.2.10') < 0);
  assert.ok(compareAddresses('198.51.100.1', '192.0.2.255') > 0);
  assert.equal(compareAddresses('192.0.2.1', '192.0.2.1'), 0);
  assert.ok(compareAddresses('fd00::10', 'fd00::9') > 0);
  assert.ok(compareAddresses('fd00::1:0', 'fd00::ffff') > 0);
  assert.ok(compareAddresses('fe80::1%eth0', 'fe80::1') === 0);
  assert.ok(compareAddresses('::ffff:192.0.2.10', '::ffff:192.0.2.9') > 0);
  assert.ok(compareAddresses('fd00:0:0:0:0:0:0:2', 'fd00::1') > 0);
  assert.ok(compareAddresses('garbage', '192.0.2.1') < 0, 'malformed never wins');
  assert.ok(compareAddresses('192.0.2.300', '192.0.2.1') < 0);
  assert.ok(compareAddresses('fd00::g', 'fd00::1') < 0);
});

test('Skew_Time and Master_Down_Interval (RFC 3768 §6.1, RFC 5798 §6.1)', () => {
  assert.equal(skewMs(2, 100, 5000), (156 / 256) * 1000, 'v2 skew ignores the interval');
  assert.equal(skewMs(3, 100, 2000), (156 * 2000) / 256);
  assert.equal(masterDownMs(2, 255, 1000, 3), 3000 + 1000 / 256);
  assert.equal(masterDownMs(3, 1, 1000, 1), 1000 + (255 * 1000) / 256);
});

function member(name: string, addr: string): InstanceState {
  return step(createInstance(instanceConfig({ name, primaryAddress: addr, vips: ['192.0.2.254'] })), { type: 'start' }, 0).state;
}

test('sync group: MASTER pulls the others up, BACKUP pushes masters down', () => {
  let g = createSyncGroup('G', ['A', 'B', 'C']);
  const a = member('A', '192.0.2.1');
  const b = member('B', '192.0.2.1');
  g = observe(g, 'A', a).group;
  g = observe(g, 'B', b).group;
  g = observe(g, 'C', member('C', '192.0.2.1')).group;
  const am = step(a, { type: 'timer-fired', timer: 'master-down' }, a.timers['master-down']!).state;
  let r = observe(g, 'A', am);
  assert.deepEqual(r.directives, [{ member: 'B', directive: 'MASTER' }, { member: 'C', directive: 'MASTER' }]);
  g = r.group;
  const bm = step(b, { type: 'sync', directive: 'MASTER' }, 4000).state;
  r = observe(g, 'B', bm);
  assert.deepEqual(r.directives, [{ member: 'C', directive: 'MASTER' }], 'C has not been observed as MASTER yet');
  g = observe(r.group, 'C', step(member('C', '192.0.2.1'), { type: 'sync', directive: 'MASTER' }, 4000).state).group;
  const ab = step(am, { type: 'advert-received', advert: { version: 2, type: 1, vrid: 51, priority: 200, advertIntCs: 100, authType: 0, checksum: 0, family: 4, addrs: [] }, src: '192.0.2.50' }, 5000).state;
  assert.equal(ab.state, 'BACKUP');
  r = observe(g, 'A', ab);
  assert.deepEqual(r.directives, [{ member: 'B', directive: 'BACKUP' }, { member: 'C', directive: 'BACKUP' }]);
});

test('sync group: one member FAULT faults the others until no member has its own fault', () => {
  let g = createSyncGroup('G', ['A', 'B']);
  let a = member('A', '192.0.2.1');
  let b = member('B', '192.0.2.2');
  g = observe(observe(g, 'A', a).group, 'B', b).group;
  a = step(a, { type: 'interface', up: false }, 100).state;
  let r = observe(g, 'A', a);
  assert.deepEqual(r.directives, [{ member: 'B', directive: 'FAULT' }]);
  b = step(b, { type: 'sync', directive: 'FAULT' }, 100).state;
  assert.equal(b.state, 'FAULT');
  g = observe(r.group, 'B', b).group;
  // B now fails on its own too; A recovers first: nobody is released yet
  b = step(b, { type: 'tracker-changed', trackers: [{ kind: 'updown', name: 'x', weight: 0, up: false }] }, 200).state;
  r = observe(g, 'B', b);
  assert.deepEqual(r.directives, [{ member: 'A', directive: 'FAULT' }]);
  a = step(a, { type: 'sync', directive: 'FAULT' }, 200).state;
  g = observe(r.group, 'A', a).group;
  a = step(a, { type: 'interface', up: true }, 300).state;
  assert.equal(a.state, 'FAULT', 'A is held by B');
  r = observe(g, 'A', a);
  assert.deepEqual(r.directives, []);
  g = r.group;
  b = step(b, { type: 'tracker-changed', trackers: [] }, 400).state;
  assert.equal(b.state, 'FAULT', 'B is held by A until the coordinator clears');
  r = observe(g, 'B', b);
  assert.deepEqual(r.directives, [{ member: 'A', directive: 'CLEAR' }, { member: 'B', directive: 'CLEAR' }]);
  assert.equal(step(a, { type: 'sync', directive: 'CLEAR' }, 400).state.state, 'BACKUP');
  assert.equal(step(b, { type: 'sync', directive: 'CLEAR' }, 400).state.state, 'BACKUP');
});
