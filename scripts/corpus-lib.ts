// Shared machinery for the configuration corpus: which files make up the corpus, a throwaway network
// namespace that has the interfaces the corpus names, and running `keepalived -t` / `vipd -t` on one file
// and reducing the output to a comparable verdict (exit code + the file:line references printed).
// Used by scripts/corpus-verdicts.mjs, scripts/corpus-diff.mjs and test/integration/config-differential.test.ts.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

export type CorpusGroup = 'valid' | 'invalid' | 'seed' | 'sample';

export interface CorpusEntry {
  /** Stable name used in the markdown tables: `valid/minimal-instance.conf`, `sample/keepalived.conf.vrrp`. */
  id: string;
  group: CorpusGroup;
  /** Path handed to -f: repo-relative for our corpus (so output is stable), absolute for samples. */
  path: string;
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
    const file = basename(m[1] ?? defaultFile);
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
  async keepalived(path: string, verbose = false): Promise<Verdict> {
    const args = ['netns', 'exec', this.ns, 'keepalived', '-t', ...(verbose ? ['-l', '-D'] : []), '-f', path];
    const r = await run('ip', args, 30_000);
    const lines = cleanLines(r.out);
    return { code: r.code, lines, refs: collectRefs(lines, 'keepalived', basename(path)) };
  }

  /** `vipd -t -f FILE` (through bin/vipd.js, as an operator would run it) inside the namespace. */
  async vipd(path: string): Promise<Verdict> {
    const r = await run('ip', ['netns', 'exec', this.ns, process.execPath, VIPD_BIN, '-t', '-f', path], 30_000);
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
