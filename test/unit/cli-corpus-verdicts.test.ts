// The committed corpus and its recorded keepalived verdicts must agree: every corpus file has a verdict in
// test/corpus/keepalived-verdicts.json (regenerate with scripts/corpus-verdicts.mjs after adding files), and a
// file's folder states that verdict (valid/ = keepalived -t exit 0, invalid/ = non-zero).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS_DIR, listCorpus } from '../../scripts/corpus-lib.js';

interface Recorded { id: string; code: number; lines: string[] }
const recorded = (JSON.parse(readFileSync(join(CORPUS_DIR, 'keepalived-verdicts.json'), 'utf8')) as { results: Recorded[] }).results;
const byId = new Map(recorded.map((r) => [r.id, r]));

test('every own corpus file has a recorded keepalived verdict', () => {
  const own = listCorpus().filter((e) => e.group !== 'sample');
  assert.ok(own.length >= 270, `only ${own.length} corpus files`);
  const missing = own.filter((e) => !byId.has(e.id)).map((e) => e.id);
  assert.deepEqual(missing, [], 'run node scripts/corpus-verdicts.mjs');
});

test('valid/ files are accepted by keepalived 2.2.7 and invalid/ files rejected', () => {
  const wrong = recorded
    .filter((r) => (r.id.startsWith('valid/') && r.code !== 0) || (r.id.startsWith('invalid/') && r.code === 0))
    .map((r) => `${r.id} → ${r.code}`);
  assert.deepEqual(wrong, []);
});

test('the seed article configurations are all there, with their defects', () => {
  const seeds = recorded.filter((r) => r.id.startsWith('seed/'));
  assert.equal(seeds.length, 7);
  const article4 = byId.get('seed/article-4-master-duplicate-script-missing-brace.conf');
  assert.ok(article4 && article4.code === 5 && article4.lines.some((l) => l.includes("missing '}'")));
  const text = readFileSync(join(CORPUS_DIR, 'seed', 'article-4-master-duplicate-script-missing-brace.conf'), 'utf8');
  assert.equal(text.match(/^vrrp_script chk_nginx \{/gm)?.length, 2, 'duplicated vrrp_script kept as printed');
});
