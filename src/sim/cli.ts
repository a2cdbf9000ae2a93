#!/usr/bin/env node
// npm run sim -- --seeds N [--nodes K] [--seconds S] [--seed X] [--sync-groups auto|on|off]
// Runs the deterministic simulator over seeds X, X+1, … X+N−1 (default X = 1) with mixed faults and
// prints every violation with the seed and step that reproduce it and a short trace tail. The last line
// is always `sim: N seeds, V violations`; the exit status is 1 when V > 0.
import { Command, InvalidArgumentError } from 'commander';
import { runSimulation } from './world.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError('expected an integer 0..4294967295');
  return n;
}

const program = new Command()
  .name('sim')
  .description('deterministic multi-node VRRP simulation with fault injection and invariant checks')
  .option('--seeds <n>', 'number of seeds to run', positiveInt, 100)
  .option('--seed <x>', 'first seed (a single seed reproduces a reported violation)', nonNegativeInt, 1)
  .option('--nodes <k>', 'nodes per scenario (default: 3..5 chosen by the seed)', positiveInt)
  .option('--seconds <s>', 'virtual seconds per scenario', positiveInt, 120)
  .option('--sync-groups <mode>', 'second synced instance per host: auto (25% of seeds), on, off', (v: string) => {
    if (v !== 'auto' && v !== 'on' && v !== 'off') throw new InvalidArgumentError('expected auto, on or off');
    return v;
  }, 'auto')
  .option('--trace <lines>', 'trace lines shown per violation', positiveInt, 20)
  .option('-v, --verbose', 'print one line per seed');
program.parse();
const o = program.opts<{ seeds: number; seed: number; nodes?: number; seconds: number; syncGroups: string; trace: number; verbose?: boolean }>();
const syncGroups = o.syncGroups === 'auto' ? undefined : o.syncGroups === 'on';

const t0 = process.hrtime.bigint();
let violations = 0;
let steps = 0;
for (let i = 0; i < o.seeds; i++) {
  const seed = (o.seed + i) >>> 0;
  const r = runSimulation({ seed, nodes: o.nodes, seconds: o.seconds, syncGroups, traceTail: o.trace });
  steps += r.steps;
  if (o.verbose) console.log(`seed ${seed}: ${r.summary} steps=${r.steps} transitions=${r.transitions} hash=${r.traceHash.toString(16)} violations=${r.violations.length}`);
  for (const v of r.violations) {
    violations++;
    console.log(`VIOLATION ${v.invariant} seed=${v.seed} step=${v.step} t=${(v.t / 1000).toFixed(4)}s: ${v.message}`);
    console.log(`  scenario: ${r.summary}`);
    console.log(`  reproduce: npm run sim -- --seeds 1 --seed ${v.seed}${o.nodes ? ` --nodes ${o.nodes}` : ''} --seconds ${o.seconds}${syncGroups === undefined ? '' : ` --sync-groups ${o.syncGroups}`}`);
    for (const line of v.trace) console.log(`    ${line}`);
  }
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`(${steps} steps in ${secs.toFixed(1)} s)`);
console.log(`sim: ${o.seeds} seeds, ${violations} violations`);
process.exitCode = violations > 0 ? 1 : 0;
