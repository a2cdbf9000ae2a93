// The state machine's priority rules (src/vrrp/priority.ts) must agree with the keepalived-derived
// combiner in test/helpers/keepalived-priority.ts (whose rules were checked against keepalived 2.2.7 itself) on
// every combination of tracker kind, weight sign, reverse and state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trackedPriority, type TrackerStatus } from '../../src/vrrp/priority.js';
import { effectivePriority, type TrackerState } from '../helpers/keepalived-priority.js';

test('fsm priority rules equal keepalived\'s combiner over an exhaustive grid', () => {
  const weights = [-254, -253, -100, -20, -1, 0, 1, 20, 100, 253];
  let n = 0;
  for (const base of [1, 50, 100, 200, 254, 255]) {
    for (const weight of weights) {
      for (const reverse of [false, true]) {
        for (const up of [false, true]) {
          const a: TrackerStatus = { kind: 'updown', name: 's', weight, reverse, up };
          const b: TrackerState = { kind: 'script', name: 's', weight, reverse, up };
          const x = trackedPriority(base, [a]), y = effectivePriority(base, [b]);
          assert.equal(x.fault, y.fault, JSON.stringify({ base, weight, reverse, up }));
          if (!x.fault) assert.equal(x.priority, y.priority, JSON.stringify({ base, weight, reverse, up }));
          n++;
        }
        for (const value of [-300, -2, -1, 0, 1, 2, 5, 300]) {
          const a: TrackerStatus = { kind: 'value', name: 'f', weight, reverse, value };
          const b: TrackerState = { kind: 'file', name: 'f', weight, reverse, value };
          const x = trackedPriority(base, [a]), y = effectivePriority(base, [b]);
          assert.equal(x.fault, y.fault, JSON.stringify({ base, weight, reverse, value }));
          if (!x.fault) assert.equal(x.priority, y.priority, JSON.stringify({ base, weight, reverse, value }));
          n++;
        }
      }
    }
  }
  assert.ok(n > 1000);
});
