import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RiseFallCounter } from '../../src/track/rise-fall.js';

function feed(c: RiseFallCounter, outcomes: string): Array<string | undefined> {
  return [...outcomes].map((o) => c.record(o === '1'));
}

test('initial state is unknown and the first result decides either way', () => {
  const a = new RiseFallCounter(3, 3);
  assert.equal(a.state, 'unknown');
  assert.equal(a.record(true), 'up');
  const b = new RiseFallCounter(3, 3);
  assert.equal(b.record(false), 'down');
});

test('init_fail starts down and needs `rise` successes', () => {
  const c = new RiseFallCounter(2, 2, true);
  assert.equal(c.state, 'down');
  assert.deepEqual(feed(c, '11'), [undefined, 'up']);
});

test('`fall` consecutive failures take it down, `rise` successes bring it back (keepalived rise 2 fall 2)', () => {
  const c = new RiseFallCounter(2, 2);
  assert.deepEqual(feed(c, '1'), ['up']);
  assert.deepEqual(feed(c, '00'), [undefined, 'down']);
  assert.deepEqual(feed(c, '11'), [undefined, 'up']);
});

test('an interrupted streak starts over', () => {
  const c = new RiseFallCounter(3, 3);
  c.record(true); // up
  assert.deepEqual(feed(c, '001001'), [undefined, undefined, undefined, undefined, undefined, undefined]);
  assert.equal(c.state, 'up');
  assert.deepEqual(feed(c, '000'), [undefined, undefined, 'down']);
  assert.deepEqual(feed(c, '110111'), [undefined, undefined, undefined, undefined, undefined, 'up']);
});

test('rise 1 fall 1 follows every result', () => {
  const c = new RiseFallCounter();
  assert.deepEqual(feed(c, '10011'), ['up', 'down', undefined, 'up', undefined]);
});

test('invalid rise/fall are rejected', () => {
  assert.throws(() => new RiseFallCounter(0, 1), RangeError);
  assert.throws(() => new RiseFallCounter(1, 0), RangeError);
});
