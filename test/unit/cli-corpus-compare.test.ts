// The rules that decide whether the config differential test passes: output cleaning, which lines each
// tool names, the EXPECTED-DIFFERENCES.md format, and the comparison itself. Pure logic; the integration
// test (test/integration/config-differential.test.ts) runs the real programs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cleanLines, collectRefs, compareVerdicts, formatRefs, readExpectedDifferences, REPO_ROOT, type CorpusEntry, type ExpectedDifferences, type Verdict,
} from '../../scripts/corpus-lib.js';

const entry: CorpusEntry = { id: 'invalid/x.conf', group: 'invalid', path: 'test/corpus/invalid/x.conf' };
const none: ExpectedDifferences = { exit: new Map(), lines: new Map() };

function kv(code: number, lines: string[]): Verdict {
  return { code, lines, refs: collectRefs(lines, 'keepalived', 'x.conf') };
}
function vv(code: number, lines: string[]): Verdict {
  return { code, lines, refs: collectRefs(lines, 'vipd', 'x.conf') };
}

test('cleanLines drops timestamps, empty lines and the repository prefix', () => {
  const text = `Thu Nov 26 09:12:40 2026: Starting Keepalived v2.2.7\n\n(${REPO_ROOT}/test/corpus/invalid/x.conf: Line 3) bad  \n`;
  assert.deepEqual(cleanLines(text), ['Starting Keepalived v2.2.7', '(test/corpus/invalid/x.conf: Line 3) bad']);
});

test('collectRefs: keepalived "(FILE: Line N)" and "(Line N)"; vipd "FILE:N:"', () => {
  const k = collectRefs(['(test/corpus/invalid/x.conf: Line 7) Unknown keyword', '(Line 2) routerid name missing', '(../include/a.inc: Line 3) x', 'There are 1 missing'], 'keepalived', 'x.conf');
  assert.equal(formatRefs(k), 'x.conf:7 :2 a.inc:3');
  const v = collectRefs(['test/corpus/invalid/x.conf:7: error: unknown keyword', '/abs/include/a.inc:3: warning: x', 'no reference here'], 'vipd', 'x.conf');
  assert.equal(formatRefs(v), 'x.conf:7 a.inc:3');
});

test('agreement: same exit code, every named line named', () => {
  const c = compareVerdicts(entry, kv(5, ['(x.conf: Line 7) Unknown keyword \'frobnicate\'']), vv(5, ['x.conf:7: error: unknown keyword frobnicate']), none);
  assert.deepEqual(c.problems, []);
});

test('an exit-code difference is a problem unless listed; a listed one must still be current', () => {
  const k = kv(139, ['(x.conf: Line 10) HTTP/SSL_GET checker has no urls specified - ignoring']);
  const v = vv(5, ['x.conf:10: error: HTTP_GET has no url']);
  assert.match(compareVerdicts(entry, k, v, none).problems.join(), /exit code: keepalived 139, vipd 5/);
  const listed: ExpectedDifferences = { exit: new Map([[entry.id, { keepalived: 139, vipd: 5, reason: 'keepalived crashes' }]]), lines: new Map() };
  assert.deepEqual(compareVerdicts(entry, k, v, listed).problems, []);
  assert.match(compareVerdicts(entry, k, vv(0, []), listed).problems.join(), /stale/);
  const noReason: ExpectedDifferences = { exit: new Map([[entry.id, { keepalived: 139, vipd: 5, reason: '' }]]), lines: new Map() };
  assert.match(compareVerdicts(entry, k, v, noReason).problems.join(), /no reason/);
});

test('a line keepalived names and vipd does not is a problem (file-less keepalived lines match any file)', () => {
  const k = kv(5, ['(x.conf: Line 7) bad', '(Line 2) bad global']);
  assert.match(compareVerdicts(entry, k, vv(5, ['x.conf:8: error: bad']), none).problems.join(), /x\.conf:7/);
  assert.deepEqual(compareVerdicts(entry, k, vv(5, ['x.conf:7: error: bad', 'other.inc:2: error: g']), none).problems, []);
  assert.match(compareVerdicts(entry, k, vv(5, ['x.conf:7: error: bad']), none).problems.join(), / :2/);
  // Same line number in another file does not count for a named file.
  assert.match(compareVerdicts(entry, kv(5, ['(x.conf: Line 7) bad']), vv(5, ['y.conf:7: error: bad']), none).problems.join(), /x\.conf:7/);
  const allowed: ExpectedDifferences = { exit: new Map(), lines: new Map([[entry.id, { refs: ['x.conf:7', ':2'], reason: 'r' }]]) };
  assert.deepEqual(compareVerdicts(entry, k, vv(5, []), allowed).problems, []);
});

test('readExpectedDifferences parses both tables and ignores prose', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-exp-'));
  try {
    const p = join(dir, 'E.md');
    writeFileSync(p, [
      '# title', 'prose with `invalid/not-a-row.conf`', '## Exit codes', '| file | k | v | reason |', '|---|---|---|---|',
      '| `invalid/a.conf` | 139 | 5 | keepalived crashes |', '## Line references', '| file | lines | reason |', '|---|---|---|',
      '| `seed/b.conf` | `b.conf:3`, `:4` | reported once only |', '',
    ].join('\n'));
    const e = readExpectedDifferences(p);
    assert.deepEqual([...e.exit.entries()], [['invalid/a.conf', { keepalived: 139, vipd: 5, reason: 'keepalived crashes' }]]);
    assert.deepEqual([...e.lines.entries()], [['seed/b.conf', { refs: ['b.conf:3', ':4'], reason: 'reported once only' }]]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the committed EXPECTED-DIFFERENCES.md parses and every entry has a reason', () => {
  const e = readExpectedDifferences();
  assert.ok(e.exit.size > 0);
  for (const [id, x] of e.exit) {
    assert.ok(x.reason.length > 10, id);
    assert.ok(Number.isInteger(x.keepalived) && Number.isInteger(x.vipd), id);
  }
});
