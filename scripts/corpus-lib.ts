// Shared machinery for the configuration corpus: which files make up the corpus, a throwaway network
// namespace that has the interfaces the corpus names, and running `keepalived -t` / `vipd -t` on one file
// and reducing the output to a comparable verdict (exit code + the file:line references printed).
// Used by scripts/corpus-verdicts.mjs, scripts/corpus-diff.mjs and test/integration/config-differential.test.ts.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { constants as osConstants } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab } from '../test/helpers/netns.js';

/** Repository root, found from this module's compiled location (dist/scripts/corpus-lib.js). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS_DIR = join(REPO_ROOT, 'test', 'corpus');
/** Upstream sample configs (read in place, never copied). Overridable for other machines. */
export const SAMPLES_DIR = process.env.VIPD_KEEPALIVED_SAMPLES ?? '/work/shared/reference/keepalived-samples';
export const VIPD_BIN = join(REPO_ROOT, 'bin', 'vipd.js');

export type CorpusGroup = 'valid' | 'invalid' | 'seed' | 'sample' | 'generated' | 'options';

export interface CorpusEntry {
  /** Stable name used in the markdown tables: `valid/minimal-instance.conf`, `sample/keepalived.conf.vrrp`. */
  id: string;
  group: CorpusGroup;
  /** Path handed to -f: repo-relative for our corpus (so output is stable), absolute for samples. */
  path: string;
  /** Extra command-line options for both programs (the `options` group: -e, -i …). */
  args?: string[];
}

/** Every corpus file, sorted: our own valid/invalid/seed configs plus the shared upstream samples. */
export function listCorpus(): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  for (const group of ['valid', 'invalid', 'seed'] as const) {
    const dir = join(CORPUS_DIR, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!name.endsWith('.conf')) continue;
      out.push({ id: `${group}/${name}`, group, path: relative(REPO_ROOT, join(dir, name)) });
    }
  }
  if (existsSync(SAMPLES_DIR)) {
    for (const name of readdirSync(SAMPLES_DIR).sort()) {
      const p = join(SAMPLES_DIR, name);
      if (!name.startsWith('keepalived.conf') || !statSync(p).isFile()) continue;
      out.push({ id: `sample/${name}`, group: 'sample', path: p });
    }
  }
  return out;
}

/**
 * Command-line options that change the verdict (-e, -i) and odd -f targets (missing file, directory), run on
 * both programs with the same arguments. Ids look like `options/include-missing-plain.conf -e`.
 */
export function listOptionVariants(): CorpusEntry[] {
  const v = (file: string, args: string[]): CorpusEntry => ({
    id: `options/${file.slice(file.lastIndexOf('/') + 1) || file} ${args.join(' ')}`.trimEnd(),
    group: 'options',
    path: relative(REPO_ROOT, join(CORPUS_DIR, file)) || '.',
    args,
  });
  return [
    v('valid/include-missing-plain.conf', ['-e']),
    v('valid/include-missing-includer.conf', ['-e']),
    v('valid/include-relative.conf', ['-e']),
    v('valid/include-glob.conf', ['-e']),
    v('invalid/include-nested-bad.conf', ['-e']),
    v('valid/conditional-config-id.conf', ['-i', 'lb01']),
    v('valid/conditional-config-id.conf', ['-i', 'other']),
    v('does-not-exist.conf', []),
    v('does-not-exist.conf', ['-e']),
    v('valid', []),
    v('valid', ['-e']),
  ];
}

export function keepalivedAvailable(): boolean {
  try {
    execFileSync('keepalived', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** What one validator said about one file. */
export interface Verdict {
  code: number;
  /** Output lines (stdout then stderr), timestamps removed, repo path prefix removed. */
  lines: string[];
  /** Line numbers the output attributes a problem to, per file basename, e.g. {'x.conf': [3, 7]}. */
  refs: Map<string, Set<number>>;
}

const TIMESTAMP = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}: /;

/** Clean keepalived/vipd output for stable documentation: no timestamps, no machine-specific paths. */
export function cleanLines(text: string): string[] {
  const root = REPO_ROOT + '/';
  return text
    .split('\n')
    .map((l) => l.replace(TIMESTAMP, '').replaceAll(root, '').trimEnd())
    .filter((l) => l.length > 0);
}

// keepalived names lines as "(FILE: Line N) msg" or, for some include-time errors, "(Line N) msg".
const KEEPALIVED_REF = /^\((?:(.+?): )?Line (\d+)\)/;
// vipd names lines as "FILE:N: msg" (tree.ts formatDiagnostic).
const VIPD_REF = /^(.+?):(\d+):/;

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function collectRefs(lines: string[], style: 'keepalived' | 'vipd', defaultFile: string): Map<string, Set<number>> {
  const refs = new Map<string, Set<number>>();
  for (const l of lines) {
    const m = (style === 'keepalived' ? KEEPALIVED_REF : VIPD_REF).exec(l);
    if (!m) continue;
    // keepalived's "(Line N)" names no file (first parsing pass, global_defs): keep that as '' so the
    // comparison can accept the line in any file; vipd always names one (defaultFile is a fallback only).
    const file = m[1] !== undefined ? basename(m[1]) : style === 'keepalived' ? '' : defaultFile;
    const n = Number(m[2]);
    if (!refs.has(file)) refs.set(file, new Set());
    refs.get(file)!.add(n);
  }
  return refs;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; out: string }> {
  return new Promise((resolveRun) => {
    execFile(cmd, args, { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 4 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      let code = 0;
      if (err) {
        const e = err as { code?: number | string | null; killed?: boolean; signal?: NodeJS.Signals | null };
        // Report like a shell does: a crash (keepalived 2.2.7 segfaults on some configs) is 128+signal;
        // our own timeout is 124 (timeout(1)'s code), so it always shows up as a difference.
        if (typeof e.code === 'number') code = e.code;
        else if (e.killed) code = 124;
        else if (e.signal) code = 128 + (osConstants.signals[e.signal] ?? 0);
        else code = 125;
      }
      resolveRun({ code, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * A throwaway namespace with the interfaces the corpus names: eth0 (veth to a bridge, 192.0.2.1/24,
 * fd00::1/64) and eth1 (veth, 198.51.100.1/24). Anything else (eth9, ens33 …) deliberately does not exist.
 */
export class CorpusSandbox {
  readonly lab = new Lab('vc');
  private ns = '';

  setup(): void {
    const h = this.lab.addHost('cfg', '192.0.2.1/24', 'fd00::1/64');
    this.ns = h.ns;
    // A veth pair rather than a dummy: the dummy module is not available on every kernel (nor here).
    this.lab.exec('cfg', 'ip', ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1peer']);
    this.lab.exec('cfg', 'ip', ['addr', 'add', '198.51.100.1/24', 'dev', 'eth1']);
    this.lab.exec('cfg', 'ip', ['link', 'set', 'eth1peer', 'up']);
    this.lab.exec('cfg', 'ip', ['link', 'set', 'eth1', 'up']);
  }

  async teardown(): Promise<void> {
    await this.lab.teardown();
  }

  /** `keepalived -t [-l -D] -f FILE` inside the namespace. */
  async keepalived(path: string, verbose = false, extra: string[] = []): Promise<Verdict> {
    const args = ['netns', 'exec', this.ns, 'keepalived', '-t', ...(verbose ? ['-l', '-D'] : []), ...extra, '-f', path];
    const r = await run('ip', args, 30_000);
    const lines = cleanLines(r.out);
    return { code: r.code, lines, refs: collectRefs(lines, 'keepalived', basename(path)) };
  }

  /** `vipd -t -f FILE` (through bin/vipd.js, as an operator would run it) inside the namespace. */
  async vipd(path: string, extra: string[] = []): Promise<Verdict> {
    const r = await run('ip', ['netns', 'exec', this.ns, process.execPath, VIPD_BIN, '-t', ...extra, '-f', path], 30_000);
    const lines = cleanLines(r.out);
    return { code: r.code, lines, refs: collectRefs(lines, 'vipd', basename(path)) };
  }
}

/** Run `fn` over `items` with at most `limit` in flight; results keep input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Render refs as `x.conf:3,7` for tables. */
export function formatRefs(refs: Map<string, Set<number>>): string {
  return [...refs.entries()]
    .map(([f, ns]) => `${f}:${[...ns].sort((a, b) => a - b).join(',')}`)
    .join(' ');
}

// ---------------------------------------------------------------------------------------------------------
// Generated fixtures: script-security cases git cannot represent (ownership, world-writable modes). Created
// at run time in a fresh directory under the system tmpdir (root-owned, sticky: itself acceptable to
// keepalived), deleted by cleanup(). Needs root for chown.

const SCRIPT_CONF = (script: string): string => `global_defs {
    script_user root
    enable_script_security
}
vrrp_script chk {
    script "${script}"
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        192.0.2.100/24
    }
    track_script {
        chk
    }
}
`;

/** uid/gid that owns nothing on the machine: "a non-root user could write this". */
const NOBODY_ID = 54321;

export interface GeneratedFixtures {
  dir: string;
  entries: CorpusEntry[];
  cleanup(): void;
}

export function createGeneratedFixtures(): GeneratedFixtures {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-corpus-'));
  chmodSync(dir, 0o755);
  const entries: CorpusEntry[] = [];
  const cases: { name: string; dirMode: number; fileMode: number; dirOwner?: number; fileOwner?: number; fileGroup?: number }[] = [
    { name: 'script-secure', dirMode: 0o755, fileMode: 0o755 },
    { name: 'script-world-writable-file', dirMode: 0o755, fileMode: 0o777 },
    { name: 'script-world-writable-dir', dirMode: 0o777, fileMode: 0o755 },
    { name: 'script-dir-owned-by-non-root', dirMode: 0o755, fileMode: 0o755, dirOwner: NOBODY_ID },
    { name: 'script-file-owned-by-non-root', dirMode: 0o755, fileMode: 0o755, fileOwner: NOBODY_ID },
    { name: 'script-group-writable-non-root-group', dirMode: 0o755, fileMode: 0o775, fileGroup: NOBODY_ID },
  ];
  for (const c of cases) {
    const sub = join(dir, c.name);
    mkdirSync(sub);
    const script = join(sub, 'check.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, c.fileMode);
    chmodSync(sub, c.dirMode); // after writing: mkdir/umask must not mask the mode under test
    if (c.fileOwner !== undefined || c.fileGroup !== undefined) chownSync(script, c.fileOwner ?? 0, c.fileGroup ?? 0);
    if (c.dirOwner !== undefined) chownSync(sub, c.dirOwner, 0);
    const conf = join(dir, `${c.name}.conf`);
    writeFileSync(conf, SCRIPT_CONF(script));
    entries.push({ id: `generated/${c.name}.conf`, group: 'generated', path: conf });
  }
  return { dir, entries, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------------------
// Expected differences (test/corpus/EXPECTED-DIFFERENCES.md): markdown tables whose first cell is a
// back-quoted corpus id.
//   ## Exit codes      | `id` | keepalived exit | vipd exit | reason |
//   ## Line references | `id` | lines keepalived names that vipd need not name (e.g. `x.conf:3`) | reason |

export interface ExpectedExit { keepalived: number; vipd: number; reason: string }
export interface ExpectedDifferences {
  exit: Map<string, ExpectedExit>;
  lines: Map<string, { refs: string[]; reason: string }>;
}

export function readExpectedDifferences(path = join(CORPUS_DIR, 'EXPECTED-DIFFERENCES.md')): ExpectedDifferences {
  const out: ExpectedDifferences = { exit: new Map(), lines: new Map() };
  if (!existsSync(path)) return out;
  let section = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('## ')) section = line.slice(3).toLowerCase();
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const cells = m[2]!.split('|').map((c) => c.trim());
    if (section.startsWith('exit')) {
      const [k, v, reason] = cells;
      out.exit.set(m[1]!, { keepalived: Number(k), vipd: Number(v), reason: reason ?? '' });
    } else if (section.startsWith('line')) {
      const [refs, reason] = cells;
      out.lines.set(m[1]!, { refs: (refs ?? '').replace(/`/g, '').split(/[\s,]+/).filter(Boolean), reason: reason ?? '' });
    }
  }
  return out;
}

/** Outcome of comparing vipd with keepalived on one file. */
export interface Comparison {
  entry: CorpusEntry;
  keepalived: Verdict;
  vipd: Verdict;
  /** Lines keepalived names (`file:line`, or `:line` when it gives no file) that vipd does not name. */
  missingRefs: string[];
  exitDiffers: boolean;
  /** Expected-differences entry covering the exit code, if any. */
  expectedExit?: ExpectedExit;
  /** Problems that make the differential test fail (empty = agreement or an expected, still-current difference). */
  problems: string[];
}

export function compareVerdicts(entry: CorpusEntry, k: Verdict, v: Verdict, expected: ExpectedDifferences): Comparison {
  const problems: string[] = [];
  const exitDiffers = k.code !== v.code;
  const ex = expected.exit.get(entry.id);
  if (ex) {
    if (!ex.reason) problems.push('EXPECTED-DIFFERENCES.md entry has no reason');
    if (ex.keepalived !== k.code || ex.vipd !== v.code) {
      problems.push(`expected difference is stale: listed keepalived ${ex.keepalived} / vipd ${ex.vipd}, got keepalived ${k.code} / vipd ${v.code}`);
    }
  } else if (exitDiffers) {
    problems.push(`exit code: keepalived ${k.code}, vipd ${v.code}`);
  }

  // Every line keepalived names must be named by vipd as well (same file basename; any file when keepalived
  // gives none, which it does for messages from its first parsing pass and for global_defs).
  const vipdAny = new Set<number>();
  for (const ns of v.refs.values()) for (const n of ns) vipdAny.add(n);
  const missing: string[] = [];
  for (const [file, ns] of k.refs) {
    for (const n of ns) {
      const named = file === '' ? vipdAny.has(n) : v.refs.get(file)?.has(n) === true;
      if (!named) missing.push(`${file}:${n}`);
    }
  }
  missing.sort();
  const allowed = new Set(expected.lines.get(entry.id)?.refs ?? []);
  const unexplained = missing.filter((r) => !allowed.has(r));
  if (unexplained.length > 0) problems.push(`vipd does not name line(s) keepalived names: ${unexplained.join(' ')}`);
  return { entry, keepalived: k, vipd: v, missingRefs: missing, exitDiffers, expectedExit: ex, problems };
}
