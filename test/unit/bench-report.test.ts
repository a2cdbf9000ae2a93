// The bench report: medians per daemon, ratio, verdict against the target, failed runs counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyResults, record, summarize, summaryTable, detailsTable, type RowSpec } from '../../bench/lib/report.js';

const specs: RowSpec[] = [
  { label: 'crash', scenario: 'crash', key: 'ms', unit: 'ms', digits: 1, target: '≤ 1.00×', meets: (v, k) => v <= k },
  { label: 'cpu', scenario: 'steady', key: 'cpu', unit: 's/min', digits: 2, target: 'report' },
  { label: 'absent', scenario: 'never-run', key: 'x', unit: '', digits: 0, target: '' },
];

test('summary: medians, ratio and verdict per row; rows of scenarios that did not run are left out', () => {
  const r = emptyResults();
  for (const ms of [3610, 3650, 3600]) record(r, 'crash', 'vipd', { ms });
  for (const ms of [3609, 3611]) record(r, 'crash', 'keepalived', { ms });
  record(r, 'crash', 'keepalived', new Error('pair did not settle\nlong log'));
  record(r, 'steady', 'vipd', { cpu: 0.6 });
  record(r, 'steady', 'keepalived', { cpu: 0.2 });
  const rows = summarize(r, specs);
  assert.equal(rows.length, 2);
  const crash = rows[0]!;
  assert.equal(crash.vipd, 3610);
  assert.equal(crash.keepalived, 3610);
  assert.equal(crash.ratio, 1);
  assert.equal(crash.verdict, 'yes');
  assert.equal(crash.runs, '3/2 (failed 0/1)');
  assert.equal(rows[1]!.verdict, '', 'a "report" row has no verdict');
  assert.ok(Math.abs(rows[1]!.ratio - 3) < 1e-9);
  assert.deepEqual(r.failures.get('crash')?.keepalived, ['pair did not settle'], 'only the first line of an error is kept');
});

test('summary: slower vipd fails a "not worse" target; a daemon without figures gives no verdict', () => {
  const r = emptyResults();
  record(r, 'crash', 'vipd', { ms: 3700 });
  record(r, 'crash', 'keepalived', { ms: 3609 });
  assert.equal(summarize(r, specs)[0]!.verdict, 'NO');
  const onlyVipd = emptyResults();
  record(onlyVipd, 'crash', 'vipd', { ms: 3600 });
  record(onlyVipd, 'crash', 'keepalived', new Error('keepalived missing'));
  const row = summarize(onlyVipd, specs)[0]!;
  assert.equal(row.verdict, '—');
  assert.ok(Number.isNaN(row.ratio));
});

test('tables render every row and every run', () => {
  const r = emptyResults();
  record(r, 'crash', 'vipd', { ms: 3612.25, extra: 1 });
  record(r, 'crash', 'keepalived', { ms: 3609.5 });
  const t = summaryTable(summarize(r, specs), specs);
  assert.match(t, /\| crash +\| 3612\.3 ms +\| 3609\.5 ms +\| 1\.001× +\| 1\/1 +\| ≤ 1\.00× +\| NO +\|/);
  const d = detailsTable(r);
  assert.match(d, /\| crash +\| ms +\| 3612\.250 +\| 3609\.500 +\|/);
  assert.match(d, /\| crash +\| extra +\| 1\.000 +\| — +\|/, 'a figure one run lacks shows as a dash');
});
