import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectivePriority, binaryContribution, fileContribution, type TrackerState } from '../helpers/keepalived-priority.js';

const iface = (up: boolean | undefined, weight: number, reverse = false): TrackerState => ({ kind: 'interface', name: 'eth1', up, weight, reverse });
const script = (up: boolean | undefined, weight: number, reverse = false): TrackerState => ({ kind: 'script', name: 'chk', up, weight, reverse });
const file = (value: number, weight: number, reverse = false): TrackerState => ({ kind: 'file', name: 'tf', value, weight, reverse });

test('no trackers: base priority, no fault', () => {
  assert.deepEqual(effectivePriority(100, []), { priority: 100, fault: false, faultBy: [], total: 100 });
});

test('weight 0: FAULT while down, nothing while up; reverse swaps', () => {
  assert.equal(effectivePriority(100, [iface(false, 0)]).fault, true);
  assert.deepEqual(effectivePriority(100, [iface(false, 0)]).faultBy, ['interface eth1']);
  assert.equal(effectivePriority(100, [iface(true, 0)]).fault, false);
  assert.equal(effectivePriority(100, [iface(true, 0, true)]).fault, true);
  assert.equal(effectivePriority(100, [iface(false, 0, true)]).fault, false);
});

test('positive weight is added while up only; reverse subtracts it while up', () => {
  assert.equal(effectivePriority(100, [script(true, 10)]).priority, 110);
  assert.equal(effectivePriority(100, [script(false, 10)]).priority, 100);
  assert.equal(effectivePriority(100, [script(true, 10, true)]).priority, 90);
  assert.equal(effectivePriority(100, [script(false, 10, true)]).priority, 100);
});

test('negative weight is subtracted while down only; reverse adds it while down', () => {
  assert.equal(effectivePriority(100, [script(false, -10)]).priority, 90);
  assert.equal(effectivePriority(100, [script(true, -10)]).priority, 100);
  assert.equal(effectivePriority(100, [script(false, -10, true)]).priority, 110);
  assert.equal(effectivePriority(100, [script(true, -10, true)]).priority, 100);
});

test('a script with no result yet has no effect, not even with weight 0', () => {
  assert.deepEqual(effectivePriority(100, [script(undefined, 0), script(undefined, -50)]), { priority: 100, fault: false, faultBy: [], total: 100 });
  assert.equal(binaryContribution({ kind: 'script', up: undefined, weight: 20 }), 0);
});

test('contributions add up and the result is clamped to 1..254', () => {
  assert.equal(effectivePriority(100, [script(true, 10), iface(false, -30), file(5, 2)]).priority, 90);
  const high = effectivePriority(250, [script(true, 50)]);
  assert.deepEqual([high.priority, high.total], [254, 300]);
  const low = effectivePriority(10, [script(false, -100)]);
  assert.deepEqual([low.priority, low.total], [1, -90]);
});

test('address owner (255) keeps 255 whatever the weights, but still faults', () => {
  assert.equal(effectivePriority(255, [script(false, -100), file(7, 3)]).priority, 255);
  assert.equal(effectivePriority(255, [script(true, 10)]).priority, 255);
  const f = effectivePriority(255, [iface(false, 0)]);
  assert.deepEqual([f.priority, f.fault], [255, true]);
});

test('track_file: value x weight, reverse negates', () => {
  assert.equal(effectivePriority(100, [file(5, 1)]).priority, 105);
  assert.equal(effectivePriority(100, [file(-20, 1)]).priority, 80);
  assert.equal(effectivePriority(100, [file(5, 3, true)]).priority, 85);
  assert.equal(effectivePriority(100, [file(0, 10)]).priority, 100);
});

test('track_file weight 0: non-zero value = FAULT, zero = OK; reverse swaps', () => {
  assert.equal(effectivePriority(100, [file(1, 0)]).fault, true);
  assert.equal(effectivePriority(100, [file(-3, 0)]).fault, true);
  assert.equal(effectivePriority(100, [file(0, 0)]).fault, false);
  assert.equal(effectivePriority(100, [file(0, 0, true)]).fault, true);
  assert.equal(effectivePriority(100, [file(2, 0, true)]).fault, false);
});

test('track_file below -253 means FAULT; above 253 is limited to 253', () => {
  // The case recorded from keepalived 2.2.7: file value -300 with weight 1 -> FAULT.
  assert.equal(effectivePriority(100, [file(-300, 1)]).fault, true);
  assert.equal(effectivePriority(100, [file(-253, 1)]).fault, false);
  assert.equal(effectivePriority(100, [file(-253, 1)]).priority, 1);
  assert.equal(fileContribution({ kind: 'file', value: 1000, weight: 1 }), 253);
  assert.equal(effectivePriority(1, [file(1000, 1)]).priority, 254);
});
