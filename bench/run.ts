// `npm run bench`: vipd against Debian's keepalived, side by side, in the same run and on the same
// namespace topology (bench/lib/vrrp-lab.ts), then the checker scale bench (bench/checker-scale.ts).
//
//   sudo npm run bench [-- --quick] [--runs N] [--seconds S] [--only crash,crash-v3,sigterm,script,partition,steady]
//                         [--no-checker] [--out FILE]
//
// --quick: one run of each scenario (default 3; the report shows medians). --seconds: steady-state window
// (default 20). --only also takes steady-1 and steady-100; it skips the checker bench. The summary table
// is printed and written to bench/results/latest.md (or --out). Needs root, keepalived and tcpdump; a
// full run takes about 11 minutes (10 for the VRRP part), --quick about 4.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpus, loadavg, release } from 'node:os';
import { dirname } from 'node:path';
import { labUnavailable } from '../src/lab/netns.js';
import { VrrpLab, DAEMONS, type Daemon } from './lib/vrrp-lab.js';
import { crashRun, sigtermRun, scriptRun, partitionRun, partitionSplitMs, masterDownMs, skewMs, type RunFigures } from './vrrp-failover.js';
import { steadyRun } from './vrrp-steady.js';
import { emptyResults, record, summarize, summaryTable, detailsTable, type RowSpec, type Results } from './lib/report.js';

interface Options { runs: number; seconds: number; only?: Set<string>; checker: boolean; out: string; quick: boolean }

function parseArgs(argv: string[]): Options {
  const o: Options = { runs: 3, seconds: 20, checker: true, out: 'bench/results/latest.md', quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => { const v = argv[++i]; if (v === undefined) throw new Error(`${a} needs a value`); return v; };
    if (a === '--quick') { o.quick = true; o.runs = 1; }
    else if (a === '--runs') o.runs = Math.max(1, Number(val()) || 1);
    else if (a === '--seconds') o.seconds = Math.max(2, Number(val()) || 20);
    else if (a === '--only') o.only = new Set(val().split(','));
    else if (a === '--no-checker') o.checker = false;
    else if (a === '--out') o.out = val();
    else throw new Error(`unknown option ${a} (see the header of bench/run.ts)`);
  }
  return o;
}

const MD_V2 = masterDownMs(1);
const MD_V3 = masterDownMs(0.1);
const SKEW = skewMs(1);
const notWorse = (v: number, k: number) => v <= k;
const within = (expect: number, tol: number) => (v: number) => Math.abs(v - expect) <= tol;

/** The report's rows: what is compared, and the target from issue 4 it is judged against. */
export const ROWS: RowSpec[] = [
  { label: 'kill -9 → VIP on backup (v2, advert 1 s)', scenario: 'crash', key: 'killToVip', unit: 'ms', digits: 1, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: '  last master advert → VIP (master-down timer)', scenario: 'crash', key: 'lastAdvertToVip', unit: 'ms', digits: 1, target: `${MD_V2.toFixed(0)} ± 10 ms`, meets: within(MD_V2, 10) },
  { label: '  kill -9 → backup\'s first advert', scenario: 'crash', key: 'killToFirstAdvert', unit: 'ms', digits: 1, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'kill -9 → VIP on backup (v3, advert 0.1 s)', scenario: 'crash-v3', key: 'killToVip', unit: 'ms', digits: 1, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: '  last master advert → VIP (master-down timer)', scenario: 'crash-v3', key: 'lastAdvertToVip', unit: 'ms', digits: 1, target: `${MD_V3.toFixed(0)} ± 10 ms`, meets: within(MD_V3, 10) },
  { label: 'SIGTERM → VIP on backup (priority 0, v2 1 s)', scenario: 'sigterm', key: 'termToVip', unit: 'ms', digits: 1, target: `≈ skew ${SKEW.toFixed(0)} ms (± 10), ≤ 1.00×`, meets: (v, k) => v <= k && within(SKEW, 10)(v) },
  { label: '  SIGTERM → priority-0 advert', scenario: 'sigterm', key: 'termToPrioZero', unit: 'ms', digits: 1, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'tracked script fails → VIP on backup', scenario: 'script', key: 'failToVip', unit: 'ms', digits: 1, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: '  script fails → master advertises priority 90', scenario: 'script', key: 'failToLowPrioAdvert', unit: 'ms', digits: 1, target: '≤ 1000 ms (interval 1)', meets: (v) => v <= 1000 },
  { label: 'partition heal → exactly one VIP holder', scenario: 'partition', key: 'healToOneHolder', unit: 'ms', digits: 1, target: '≤ 1000 ms (advert 1 s)', meets: (v) => v <= 1000 },
  { label: 'CPU, 1 instance, master, first window (stat ticks)', scenario: 'steady-1', key: 'masterCpuSecPerMin', unit: 's/min', digits: 3, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'CPU, 1 instance, master, first window (sched ns)', scenario: 'steady-1', key: 'masterSchedSecPerMin', unit: 's/min', digits: 4, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'CPU, 1 instance, master, warm (sched ns)', scenario: 'steady-1', key: 'warmMasterSchedSecPerMin', unit: 's/min', digits: 4, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'CPU, 1 instance, backup, warm (sched ns)', scenario: 'steady-1', key: 'warmBackupSchedSecPerMin', unit: 's/min', digits: 4, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'CPU, 100 instances, master, first window', scenario: 'steady-100', key: 'masterCpuSecPerMin', unit: 's/min', digits: 3, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'CPU, 100 instances, master, warm', scenario: 'steady-100', key: 'warmMasterCpuSecPerMin', unit: 's/min', digits: 3, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'CPU, 100 instances, master, warm, per instance', scenario: 'steady-100', key: 'warmMasterCpuSecPerMinPerInstance', unit: 's/min', digits: 4, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'CPU, 100 instances, backup, first window (sched ns)', scenario: 'steady-100', key: 'backupSchedSecPerMin', unit: 's/min', digits: 3, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'CPU, 100 instances, backup, warm (sched ns)', scenario: 'steady-100', key: 'warmBackupSchedSecPerMin', unit: 's/min', digits: 3, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'CPU, 100 instances, backup, warm, per instance (sched ns)', scenario: 'steady-100', key: 'warmBackupSchedSecPerMinPerInstance', unit: 's/min', digits: 4, target: '≤ 1.00× keepalived', meets: notWorse },
  { label: 'RSS, 1 instance, master (all processes)', scenario: 'steady-1', key: 'masterRssMiB', unit: 'MiB', digits: 1, target: 'report' },
  { label: 'RSS, 100 instances, master (all processes)', scenario: 'steady-100', key: 'masterRssMiB', unit: 'MiB', digits: 1, target: 'report' },
  { label: 'RSS, 100 instances, master per instance', scenario: 'steady-100', key: 'masterRssMiBPerInstance', unit: 'MiB', digits: 2, target: 'report' },
  { label: 'advert jitter p50, 1 instance', scenario: 'steady-1', key: 'jitterP50', unit: 'ms', digits: 2, target: 'report' },
  { label: 'advert jitter p99, 1 instance', scenario: 'steady-1', key: 'jitterP99', unit: 'ms', digits: 2, target: 'report' },
  { label: 'advert jitter max, 1 instance', scenario: 'steady-1', key: 'jitterMax', unit: 'ms', digits: 2, target: 'report' },
  { label: 'advert jitter p50, 100 instances', scenario: 'steady-100', key: 'jitterP50', unit: 'ms', digits: 2, target: 'report' },
  { label: 'advert jitter p99, 100 instances', scenario: 'steady-100', key: 'jitterP99', unit: 'ms', digits: 2, target: 'report' },
  { label: 'advert jitter max, 100 instances', scenario: 'steady-100', key: 'jitterMax', unit: 'ms', digits: 2, target: 'report' },
  { label: 'adverts missing (interval > 1.5 s), 100 instances', scenario: 'steady-100', key: 'advertGaps', unit: '', digits: 0, target: '0', meets: (v) => v === 0 },
];

interface Scenario {
  name: string;
  run: (v: VrrpLab, kind: Daemon, i: number) => Promise<RunFigures>;
  /**
   * Run vipd and keepalived at the same time, each in its own lab. Only for the steady-state runs: they
   * cost each daemon about 1 % of a CPU, so they barely disturb each other, and running them side by
   * side halves the longest part of the bench.
   */
  concurrent?: boolean;
}

function scenarios(o: Options): Scenario[] {
  const all = [
    { name: 'crash', run: (v: VrrpLab, k: Daemon) => crashRun(v, k, 2, 1) },
    { name: 'crash-v3', run: (v: VrrpLab, k: Daemon) => crashRun(v, k, 3, 0.1) },
    { name: 'sigterm', run: sigtermRun },
    { name: 'script', run: scriptRun },
    { name: 'partition', run: (v: VrrpLab, k: Daemon, i: number) => partitionRun(v, k, partitionSplitMs(i, o.runs)) },
    { name: 'steady-1', run: (v: VrrpLab, k: Daemon) => steadyRun(v, k, 1, { seconds: o.seconds }), concurrent: true },
    { name: 'steady-100', run: (v: VrrpLab, k: Daemon) => steadyRun(v, k, 100, { seconds: o.seconds }), concurrent: true },
  ];
  return all.filter((s) => !o.only || o.only.has(s.name) || (o.only.has('steady') && s.name.startsWith('steady')));
}

function sh(cmd: string, args: string[]): string {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim(); } catch { return '?'; }
}

/** keepalived -v prints its version on stderr. */
function keepalivedVersion(): string | undefined {
  const r = spawnSync('keepalived', ['-v'], { encoding: 'utf8' });
  if (r.error) return undefined;
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.startsWith('Keepalived')) ?? 'keepalived (version unknown)';
}

function environment(startLoad: number[]): string {
  const ka = keepalivedVersion();
  // a bench run from an exported snapshot (no .git) names its commit through VIPD_BENCH_COMMIT
  const inGit = sh('git', ['rev-parse', '--short', 'HEAD']);
  const commit = inGit !== '?' ? inGit : `${process.env.VIPD_BENCH_COMMIT ?? '?'} (snapshot)`;
  const dirty = inGit !== '?' && sh('git', ['status', '--porcelain', '--untracked-files=no']) ? ' (with uncommitted changes)' : '';
  return [
    `- date: ${new Date().toISOString()}`,
    `- vipd commit: ${commit}${dirty}; node ${process.version}; ${ka}`,
    `- kernel ${release()}; ${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    `- load average at start ${startLoad.map((x) => x.toFixed(1)).join(' ')}, at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`,
  ].join('\n');
}

async function runVrrp(o: Options, results: Results, log: (s: string) => void): Promise<string[]> {
  const v = new VrrpLab();
  let second: VrrpLab | undefined; // for the concurrent scenarios
  const bail = () => { void Promise.all([v.teardown(), second?.teardown()]).finally(() => process.exit(130)); };
  process.once('SIGINT', bail);
  process.once('SIGTERM', bail);
  const one = async (s: Scenario, lab: VrrpLab, kind: Daemon, i: number) => {
    const t0 = Date.now();
    try {
      const fig = await s.run(lab, kind, i);
      record(results, s.name, kind, fig);
      log(`${s.name} run ${i + 1}/${o.runs} ${kind}: ${Object.entries(fig).map(([k, x]) => `${k}=${Number.isFinite(x) ? +x.toFixed(3) : x}`).join(' ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      record(results, s.name, kind, e as Error);
      log(`${s.name} run ${i + 1}/${o.runs} ${kind}: FAILED ${(e as Error).message}`);
    }
  };
  try {
    await v.setup();
    for (const s of scenarios(o)) {
      for (let i = 0; i < o.runs; i++) {
        // alternate which daemon goes first (or which lab it gets), so that neither is favoured by a
        // drift in machine load
        const order: Daemon[] = i % 2 ? [...DAEMONS].reverse() : [...DAEMONS];
        if (s.concurrent) {
          if (!second) { second = new VrrpLab(); await second.setup(); }
          const labs = [v, second];
          await Promise.all(order.map((kind, j) => one(s, labs[j]!, kind, i)));
        } else {
          for (const kind of order) await one(s, v, kind, i);
        }
      }
    }
  } finally {
    process.off('SIGINT', bail);
    process.off('SIGTERM', bail);
    await v.teardown();
    await second?.teardown();
  }
  return [v, second].filter((l): l is VrrpLab => !!l).map((l, i) => `observer ${i + 1} (tcpdump): ${l.observerSummary.join('; ') || 'no summary'}`);
}

/** bench/checker-scale.ts runs as its own program (it has no exported entry point and exits when done). */
function runChecker(o: Options): Promise<{ code: number | null; output: string }> {
  const args = o.quick ? ['1000', '--seconds', '10'] : [];
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['dist/bench/checker-scale.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; process.stdout.write(d); });
    p.stderr.on('data', (d) => { out += d; process.stderr.write(d); });
    p.on('close', (code) => resolve({ code, output: out }));
  });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const skip = labUnavailable();
  if (skip) { console.error(`bench: ${skip}`); process.exit(2); }
  if (!existsSync('bin/vipd.js') || !existsSync('dist/src/cli.js')) { console.error('bench: run from the repository root after `tsc -p .` (npm run bench)'); process.exit(2); }
  if (!keepalivedVersion()) { console.error('bench: Debian\'s keepalived is not installed (apt-get install keepalived)'); process.exit(2); }
  const startLoad = loadavg();
  const t0 = Date.now();
  const results = emptyResults();
  const observers = await runVrrp(o, results, (s) => console.log(`# ${s}`));
  const rows = summarize(results, ROWS);
  const failures = [...results.failures].flatMap(([s, f]) => DAEMONS.flatMap((k) => f[k].map((m) => `- ${s} / ${k}: ${m}`)));
  let md = `# vipd vs keepalived: VRRP bench\n\n${environment(startLoad)}\n- runs per scenario: ${o.runs}; steady-state windows ${o.seconds} s; VRRP part took ${((Date.now() - t0) / 1000).toFixed(0)} s\n`
    + `- command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`\n`
    + observers.map((l) => `- ${l}\n`).join('') + '\n'
    + `${summaryTable(rows, ROWS)}\n\n`
    + `Medians over the runs. Failover times are taken at the source: the kill/signal/file removal by the bench's clock, VIP changes by \`ip -ts monitor address\` in the node's namespace, adverts by tcpdump's kernel timestamps on an observer host on the same bridge. The crash runs kill the master right after one of its adverts, so "kill → VIP" is the master-down interval minus the bench's reaction (a fraction of a ms). CPU: utime+stime (incl. reaped children) of every process of the daemon from /proc/PID/stat (10 ms ticks; "sched ns" = per-thread /proc/PID/task/*/schedstat for finer resolution). "first window" = the 20 s (--seconds) right after the pair settled (about 5–25 s after start), "warm" = a second window after a 5 s gap (about 30–50 s after start), when Node's compiler and heap have settled; vipd and keepalived steady-state runs go side by side, each in its own lab. RSS: VmRSS summed over the processes, in the warm window. Jitter: |interval − advert_int| between consecutive adverts of each VRID of the master, over both windows.\n`
    + (failures.length ? `\n## Failed runs\n\n${failures.join('\n')}\n` : '')
    + `\n## Every run\n\n${detailsTable(results)}\n`;
  if (o.checker && existsSync('dist/bench/checker-scale.js') && !o.only) {
    console.log('# checker scale bench (bench/checker-scale.ts)');
    const c = await runChecker(o);
    md += `\n## Checker scale bench (\`node dist/bench/checker-scale.js${o.quick ? ' 1000 --seconds 10' : ''}\`, exit ${c.code})\n\n\`\`\`\n${c.output.trim()}\n\`\`\`\n`;
  }
  console.log(`\n${md}`);
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, md);
  console.log(`# written to ${o.out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
