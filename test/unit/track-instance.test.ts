// InstanceTracking: recomputation and change events, driven by minimal in-memory tracker sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { InstanceTracking } from '../../src/track/instance.js';

class Binary extends EventEmitter {
  constructor(public up: boolean | undefined) { super(); }
  set(up: boolean | undefined): void { this.up = up; this.emit('change'); }
}
class Value extends EventEmitter {
  constructor(public value: number) { super(); }
  set(v: number): void { this.value = v; this.emit('change'); }
}

test('emits only when priority or FAULT changes, with before/after', () => {
  const chk = new Binary(undefined);
  const tf = new Value(0);
  const t = new InstanceTracking(100, [
    { kind: 'script', name: 'chk', source: chk, weight: -10 },
    { kind: 'file', name: 'tf', source: tf, weight: 1 },
    { kind: 'interface', name: 'eth1', up: true, weight: 0 },
  ]);
  const events: string[] = [];
  t.on('change', (now, before) => events.push(`${before.priority}${before.fault ? 'F' : ''}->${now.priority}${now.fault ? 'F' : ''}`));
  assert.deepEqual([t.current.priority, t.current.fault], [100, false]);
  chk.set(true); // up with a negative weight: no change, no event
  chk.set(false);
  tf.set(5);
  tf.set(5);
  t.setUp('interface', 'eth1', false);
  t.setUp('interface', 'eth1', true);
  t.setUp('interface', 'unknown-if', false); // not bound: ignored
  tf.set(-300);
  assert.deepEqual(events, ['100->90', '90->95', '95->95F', '95F->95', '95->90F']);
  assert.deepEqual(t.current.faultBy, ['file tf']);
  t.dispose();
  tf.set(0);
  assert.equal(events.length, 5, 'no events after dispose');
  assert.equal(tf.listenerCount('change'), 0);
});

test('one tracker shared by two instances with different weights', () => {
  const chk = new Binary(true);
  const a = new InstanceTracking(100, [{ kind: 'script', name: 'chk', source: chk, weight: 20 }]);
  const b = new InstanceTracking(150, [{ kind: 'script', name: 'chk', source: chk, weight: 0 }]);
  assert.deepEqual([a.current.priority, b.current.fault], [120, false]);
  chk.set(false);
  assert.deepEqual([a.current.priority, b.current.fault], [100, true]);
});

test('sync-group member without sync_group_tracking_weight ignores weighted trackers', () => {
  const chk = new Binary(false);
  const gate = new Binary(false);
  const t = new InstanceTracking(100, [
    { kind: 'script', name: 'chk', source: chk, weight: -50 },
    { kind: 'process', name: 'gate', source: gate, weight: 0 },
  ], { ignoreWeights: true });
  assert.deepEqual([t.current.priority, t.current.fault], [100, true]);
  gate.set(true);
  assert.deepEqual([t.current.priority, t.current.fault], [100, false]);
});

test('setBase recomputes; a custom combiner can be plugged in', () => {
  const t = new InstanceTracking(100, [], { combine: (base) => ({ priority: base * 2 > 254 ? 254 : base * 2, fault: false, faultBy: [], total: base * 2 }) });
  assert.equal(t.current.priority, 200);
  let seen = 0;
  t.on('change', (now) => { seen = now.priority; });
  t.setBase(120);
  assert.equal(seen, 240);
});
