#!/usr/bin/env node
// Records what Debian's keepalived (2.2.7) says about every corpus file:
//   keepalived -t -l -D -f FILE   (inside a throwaway netns that has eth0 and eth1)
// and rewrites the generated part of test/corpus/KEEPALIVED-VERDICTS.md plus keepalived-verdicts.json.
// The hand-written summary above the GENERATED marker is kept. Needs root (netns) and `npx tsc -p .` first.
// Usage: node scripts/corpus-verdicts.mjs
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { CORPUS_DIR, CorpusSandbox, createGeneratedFixtures, formatRefs, keepalivedAvailable, listCorpus, listOptionVariants, mapLimit } from '../dist/scripts/corpus-lib.js';

const MARK = '<!-- GENERATED BELOW by scripts/corpus-verdicts.mjs: do not edit by hand -->';

if (!keepalivedAvailable()) {
  console.error('corpus-verdicts: keepalived is not installed');
  process.exit(2);
}
const version = execFileSync('keepalived', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]
  || execFileSync('sh', ['-c', 'keepalived -v 2>&1 | head -1'], { encoding: 'utf8' }).trim();

const sandbox = new CorpusSandbox();
// Script-security cases git cannot hold (ownership, modes): generated in a temp dir, shown as <tmp>.
const fixtures = createGeneratedFixtures();
try {
  sandbox.setup();
  const entries = [...listCorpus(), ...fixtures.entries, ...listOptionVariants()];
  const results = await mapLimit(entries, 4, async (e) => {
    const verbose = await sandbox.keepalived(e.path, true, e.args);
    const plain = await sandbox.keepalived(e.path, false, e.args);
    const lines = verbose.lines.map((l) => l.replaceAll(fixtures.dir, '<tmp>'));
    return { ...e, path: e.path.replace(fixtures.dir, '<tmp>'), code: verbose.code, plainCode: plain.code, lines, refs: formatRefs(plain.refs) };
  });

  const mdPath = join(CORPUS_DIR, 'KEEPALIVED-VERDICTS.md');
  const head = existsSync(mdPath) && readFileSync(mdPath, 'utf8').includes(MARK)
    ? readFileSync(mdPath, 'utf8').split(MARK)[0]
    : '# keepalived -t verdicts for the corpus\n\n';
  const byCode = new Map();
  for (const r of results) byCode.set(r.code, (byCode.get(r.code) ?? 0) + 1);
  let md = `${head}${MARK}\n\n`;
  md += `keepalived: \`${version.trim()}\`; command: \`ip netns exec NS keepalived -t -l -D -f FILE\` (cwd = repo root) in a namespace with eth0 (192.0.2.1/24, fd00::1/64) and eth1 (198.51.100.1/24).\n\n`;
  md += `Files: ${results.length}. Exit codes: ${[...byCode.entries()].sort((a, b) => a[0] - b[0]).map(([c, n]) => `${c} → ${n} files`).join(', ')}.\n`;
  const flagDiff = results.filter((r) => r.code !== r.plainCode);
  md += flagDiff.length === 0
    ? 'Exit code without `-l -D` is identical for every file.\n\n'
    : `Exit code differs without \`-l -D\` for: ${flagDiff.map((r) => r.id).join(', ')}\n\n`;
  for (const r of results) {
    md += `### ${r.id} → exit ${r.code}\n\n`;
    md += r.lines.length ? '```\n' + r.lines.join('\n') + '\n```\n\n' : '(no output)\n\n';
  }
  writeFileSync(mdPath, md);
  const json = results.map(({ id, path, group, code, lines, refs }) => ({ id, group, path, code, refs, lines }));
  writeFileSync(join(CORPUS_DIR, 'keepalived-verdicts.json'), JSON.stringify({ keepalived: version.trim(), results: json }, null, 1) + '\n');
  console.log(`corpus-verdicts: ${results.length} files; ${[...byCode.entries()].map(([c, n]) => `exit ${c}: ${n}`).join(', ')}`);
} finally {
  fixtures.cleanup();
  await sandbox.teardown();
}
