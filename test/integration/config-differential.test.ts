// Differential test: `vipd -t -f FILE` (through bin/vipd.js) against the real `keepalived -t -f FILE` on every
// corpus file (test/corpus/{valid,invalid,seed}), every upstream sample (/work/shared/reference/keepalived-samples),
// the generated script-security fixtures and a few option variants (-e, -i, missing/directory -f), both run
// inside one throwaway network namespace that has the interfaces the corpus uses (eth0, eth1). It fails on any
// exit-code difference not listed (with a reason) in test/corpus/EXPECTED-DIFFERENCES.md, on stale entries there,
// and when keepalived names a line that vipd does not. `node scripts/corpus-diff.mjs` writes the same comparison to test/corpus/DISAGREEMENTS.md.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { labUnavailable } from '../helpers/netns.js';
import {
  compareVerdicts, CorpusSandbox, createGeneratedFixtures, keepalivedAvailable, listCorpus, listOptionVariants, mapLimit, readExpectedDifferences,
  REPO_ROOT, type Comparison, type CorpusEntry, type GeneratedFixtures,
} from '../../scripts/corpus-lib.js';

function skipReason(): string | undefined {
  const lab = labUnavailable();
  if (lab) return lab;
  if (!keepalivedAvailable()) return 'keepalived is not installed (CI installs Debian\'s keepalived 2.2.7)';
  // Gate only while the model does not exist at all; once src/config/check.ts is there the test runs for real.
  if (!existsSync(join(REPO_ROOT, 'src', 'config', 'check.ts'))) return 'model not yet available (src/config/check.ts missing)';
  return undefined;
}

const reason = skipReason();

describe('config differential: vipd -t vs keepalived -t', { skip: reason }, () => {
  const sandbox = new CorpusSandbox();
  let fixtures: GeneratedFixtures | undefined;
  const entries: CorpusEntry[] = listCorpus();
  const results = new Map<string, Comparison>();

  before(async () => {
    sandbox.setup();
    fixtures = createGeneratedFixtures();
    entries.push(...fixtures.entries, ...listOptionVariants());
    const expected = readExpectedDifferences();
    // Run everything up front, four files at a time: ~250 files × (keepalived + a node start) stays well under a minute.
    const compared = await mapLimit(entries, 4, async (e) => compareVerdicts(e, await sandbox.keepalived(e.path, false, e.args), await sandbox.vipd(e.path, e.args), expected));
    for (const c of compared) results.set(c.entry.id, c);
  });

  after(async () => {
    fixtures?.cleanup();
    await sandbox.teardown();
  });

  test('the corpus is there: 100+ own files, the seed article, the upstream samples', () => {
    const groups = new Map<string, number>();
    for (const e of entries) groups.set(e.group, (groups.get(e.group) ?? 0) + 1);
    assert.ok((groups.get('valid') ?? 0) + (groups.get('invalid') ?? 0) >= 100, JSON.stringify([...groups]));
    assert.equal(groups.get('seed'), 7);
    if (existsSync('/work/shared/reference/keepalived-samples') || process.env.VIPD_KEEPALIVED_SAMPLES) assert.ok((groups.get('sample') ?? 0) >= 20);
  });

  test('every corpus file: same verdict as keepalived, and every line keepalived names is named', () => {
    const failures: string[] = [];
    for (const e of entries) {
      const c = results.get(e.id);
      if (!c) { failures.push(`${e.id}: not run`); continue; }
      for (const p of c.problems) {
        failures.push(`${e.id}: ${p}\n    keepalived: ${c.keepalived.lines.slice(0, 4).join(' | ')}\n    vipd: ${c.vipd.lines.slice(0, 4).join(' | ')}`);
      }
    }
    // The verdicts are those of Debian's 2.2.7; name the binary so that a different version is obvious.
    const version = execFileSync('sh', ['-c', 'keepalived -v 2>&1 | head -1'], { encoding: 'utf8' }).trim();
    assert.equal(failures.length, 0, `${failures.length} disagreement(s) with ${version} (see node scripts/corpus-diff.mjs):\n${failures.join('\n')}`);
  });

  test('every EXPECTED-DIFFERENCES.md entry names a corpus file', () => {
    const expected = readExpectedDifferences();
    const ids = new Set(entries.map((e) => e.id));
    for (const id of [...expected.exit.keys(), ...expected.lines.keys()]) assert.ok(ids.has(id), `unknown corpus file in EXPECTED-DIFFERENCES.md: ${id}`);
  });
});
