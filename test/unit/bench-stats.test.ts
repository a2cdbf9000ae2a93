// Pure helpers of the bench: statistics, formatting and the markdown table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile, ratio, intervals, advertJitter, fmt, fmtRatio } from '../../bench/lib/stats.js';
import { markdownTable } from '../../bench/lib/table.js';

test('median: odd and even counts, unsorted input, non-finite values ignored, empty is NaN', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5, NaN, 1, Infinity, 3]), 3);
  assert.ok(Number.isNaN(median([])));
  const input = [3, 1, 2];
  median(input);
  assert.deepEqual(input, [3, 1, 2], 'the caller\'s array is not sorted in place');
});

test('percentile interpolates between ranks; p0/p100 are min/max', () => {
  const v = [10, 20, 30, 40, 50];
  assert.equal(percentile(v, 0), 10);
  assert.equal(percentile(v, 100), 50);
  assert.equal(percentile(v, 50), 30);
  assert.equal(percentile(v, 25), 20);
  assert.equal(percentile(v, 90), 46);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('ratio refuses to divide by zero or by a missing figure', () => {
  assert.equal(ratio(3, 4), 0.75);
  assert.ok(Number.isNaN(ratio(1, 0)));
  assert.ok(Number.isNaN(ratio(NaN, 2)));
  assert.ok(Number.isNaN(ratio(2, NaN)));
});

test('advert jitter: absolute deviation from the interval per VRID, gaps counted apart', () => {
  assert.deepEqual(intervals([0, 1000, 2003]), [1000, 1003]);
  // VRID a: intervals 1000, 1002 (dev 0, 2); VRID b: 998, then a 2000 ms gap (a missing advert), then 1010
  const j = advertJitter([[0, 1000, 2002], [5, 1003, 3003, 4013]], 1000);
  assert.equal(j.samples, 4);
  assert.equal(j.gaps, 1);
  assert.equal(j.max, 10);
  assert.equal(j.p50, 2); // deviations 0, 2, 2, 10
  const none = advertJitter([[1], []], 1000);
  assert.equal(none.samples, 0);
  assert.ok(Number.isNaN(none.p99) && Number.isNaN(none.max));
});

test('formatting: fixed digits, dash for missing figures, ratio with three digits', () => {
  assert.equal(fmt(3.14159, 2), '3.14');
  assert.equal(fmt(NaN), '—');
  assert.equal(fmtRatio(1.0012), '1.001×');
  assert.equal(fmtRatio(Infinity), '—');
});

test('markdown table: padded columns, escaped pipes, short rows filled, long rows rejected', () => {
  const t = markdownTable(['a', 'bb'], [['x|y', '1'], ['z']]);
  assert.equal(t, [
    '| a    | bb  |',
    '|------|-----|',
    '| x\\|y | 1   |',
    '| z    |     |',
  ].join('\n'));
  assert.throws(() => markdownTable(['a'], [['1', '2']]), /row has 2 cells/);
});
