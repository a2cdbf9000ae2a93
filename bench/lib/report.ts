// Turning per-run figures into the report's summary table (pure: unit-tested in test/unit/bench-report.test.ts).
import { median, ratio, fmt, fmtRatio } from './stats.js';
import { markdownTable } from './table.js';

export type Daemon = 'vipd' | 'keepalived';
export type RunFigures = Record<string, number>;

/** scenario → daemon → one figures record per successful run (failed runs are counted apart). */
export interface Results {
  runs: Map<string, Record<Daemon, RunFigures[]>>;
  failures: Map<string, Record<Daemon, string[]>>;
}

export function emptyResults(): Results { return { runs: new Map(), failures: new Map() }; }

export function record(r: Results, scenario: string, kind: Daemon, fig: RunFigures | Error): void {
  if (fig instanceof Error) {
    const f = r.failures.get(scenario) ?? { vipd: [], keepalived: [] };
    f[kind].push(fig.message.split('\n')[0]!);
    r.failures.set(scenario, f);
    return;
  }
  const s = r.runs.get(scenario) ?? { vipd: [], keepalived: [] };
  s[kind].push(fig);
  r.runs.set(scenario, s);
}

export interface RowSpec {
  label: string;
  scenario: string;
  key: string;
  unit: string;
  digits: number;
  target: string;
  /** Whether vipd's median meets the target, given both medians; absent = nothing to judge. */
  meets?: (vipd: number, keepalived: number) => boolean;
}

export function values(r: Results, scenario: string, kind: Daemon, key: string): number[] {
  return (r.runs.get(scenario)?.[kind] ?? []).map((f) => f[key]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
}

export interface Summary { label: string; vipd: number; keepalived: number; ratio: number; runs: string; target: string; verdict: string }

export function summarize(r: Results, specs: readonly RowSpec[]): Summary[] {
  return specs.filter((s) => r.runs.has(s.scenario) || r.failures.has(s.scenario)).map((s) => {
    const v = median(values(r, s.scenario, 'vipd', s.key));
    const k = median(values(r, s.scenario, 'keepalived', s.key));
    const failed = r.failures.get(s.scenario);
    const n = (kind: Daemon) => values(r, s.scenario, kind, s.key).length;
    const fails = failed ? ` (failed ${failed.vipd.length}/${failed.keepalived.length})` : '';
    let verdict = '';
    if (s.meets) verdict = Number.isFinite(v) && Number.isFinite(k) ? (s.meets(v, k) ? 'yes' : 'NO') : '—';
    return { label: s.label, vipd: v, keepalived: k, ratio: ratio(v, k), runs: `${n('vipd')}/${n('keepalived')}${fails}`, target: s.target, verdict };
  });
}

export function summaryTable(rows: readonly Summary[], specs: readonly RowSpec[]): string {
  const digits = new Map(specs.map((s) => [s.label, s] as const));
  return markdownTable(
    ['scenario', 'vipd median', 'keepalived median', 'ratio vipd/keepalived', 'runs vipd/keepalived', 'target', 'vipd meets target'],
    rows.map((r) => {
      const s = digits.get(r.label)!;
      const u = s.unit ? ` ${s.unit}` : '';
      return [r.label, `${fmt(r.vipd, s.digits)}${u}`, `${fmt(r.keepalived, s.digits)}${u}`, fmtRatio(r.ratio), r.runs, r.target, r.verdict];
    }),
  );
}

/** Every figure of every run, for the details section: scenario, figure, then per-run values per daemon. */
export function detailsTable(r: Results): string {
  const rows: string[][] = [];
  for (const [scenario, byKind] of r.runs) {
    const keys = new Set([...byKind.vipd, ...byKind.keepalived].flatMap((f) => Object.keys(f)));
    for (const key of keys) {
      const show = (kind: Daemon) => byKind[kind].map((f) => fmt(f[key] ?? NaN, 3)).join(', ');
      rows.push([scenario, key, show('vipd'), show('keepalived')]);
    }
  }
  return markdownTable(['scenario', 'figure', 'vipd runs', 'keepalived runs'], rows);
}
