// Mutation robustness of the configuration front end: >= 10,000 seeded random mutations (byte
// flips, deletions, duplications, brace/quote insertions, lines spliced from other configurations)
// of valid configurations, each read in a worker. Asserts that nothing throws and nothing hangs
// (a generous no-progress watchdog, not a timing threshold), and prints what it saw. Each mutant's
// tree also goes through the model engineer's checkNodes (build + validate) or buildModel when present.
// Reproduce one run with VIPD_MUTATION_SEED=<seed>; change the amount with VIPD_MUTATIONS=<n>.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MutationJob, SeedConfig, WorkerMessage } from './config-mutation.worker.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..', '..'); // dist/test/unit -> repository root
const MUTATIONS = Number(process.env.VIPD_MUTATIONS ?? 10_000);
const SEED = Number(process.env.VIPD_MUTATION_SEED ?? 0x5eed);
/** A read that makes no progress for this long is a hang, whatever the machine's load. */
const WATCHDOG_MS = 120_000;

function listConfs(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listConfs(p));
    else if (name.endsWith('.conf') || name.startsWith('keepalived.conf')) out.push(p);
  }
  return out;
}

/** Our own fixtures, keepalived's upstream samples read in place from shared/ (not copied: GPL), the corpus. */
function seedConfigs(): SeedConfig[] {
  const files = listConfs(join(repoRoot, 'test', 'fixtures', 'lang'));
  const sampleDirs = [join(repoRoot, '..', 'shared', 'reference', 'keepalived-samples'), '/work/shared/reference/keepalived-samples'];
  const samples = sampleDirs.find((d) => existsSync(d));
  if (samples) files.push(...listConfs(samples));
  else console.log('mutation: keepalived samples not found; using the project fixtures only');
  // the differential corpus's valid configurations, when present, add variety
  const corpus = join(repoRoot, 'test', 'corpus', 'valid');
  if (existsSync(corpus)) files.push(...listConfs(corpus));
  return files.map((path) => ({ name: path.slice(path.lastIndexOf('/') + 1), path, text: readFileSync(path, 'utf8') }));
}

test(`${MUTATIONS} random mutations of valid configurations never throw or hang`, async () => {
  const seeds = seedConfigs();
  assert.ok(seeds.length >= 3, 'seed configurations found');
  const job: MutationJob = { seeds, count: MUTATIONS, seed: SEED, modelDir: join(repoRoot, 'dist', 'src', 'config') };
  const worker = new Worker(new URL('./config-mutation.worker.js', import.meta.url), { workerData: job });
  let lastIndex = -1;
  const done = await new Promise<Extract<WorkerMessage, { type: 'done' }>>((resolveDone, reject) => {
    let watchdog = setTimeout(onHang, WATCHDOG_MS);
    function onHang(): void {
      void worker.terminate();
      reject(new Error(`mutation ${lastIndex + 1} (seed ${SEED}) made no progress for ${WATCHDOG_MS / 1000} s: the reader hangs`));
    }
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') {
        lastIndex = m.index;
        clearTimeout(watchdog);
        watchdog = setTimeout(onHang, WATCHDOG_MS);
      } else {
        clearTimeout(watchdog);
        resolveDone(m);
      }
    });
    worker.on('error', (e) => { clearTimeout(watchdog); reject(e); });
    worker.on('exit', (code) => { clearTimeout(watchdog); if (code !== 0) reject(new Error(`mutation worker exited with ${code} at mutation ${lastIndex}`)); });
  });
  await worker.terminate();
  console.log(`mutation: seed ${SEED}, ${seeds.length} seed configs, ${done.mutations} mutations, ${done.diagnostics} diagnostics, ${done.nodes} nodes, ` +
    `max read ${done.maxReadMs.toFixed(1)} ms (mutation ${done.maxReadIndex}), model ${done.modelAvailable ? `${done.modelEntry} run ${done.modelRuns} times, max ${done.modelMaxMs.toFixed(1)} ms` : 'not available yet'}`);
  for (const f of done.failures) console.log(`mutation failure #${f.index} (${f.stage}, ${f.seedName}, ${f.ops.join(' ')}):\n${f.error}`);
  assert.equal(done.mutations, MUTATIONS);
  assert.ok(done.diagnostics > 0, 'mutations produced diagnostics');
  assert.equal(done.failureCount, 0, `${done.failureCount} mutations threw`);
  if (done.modelAvailable) assert.equal(done.modelRuns + done.failures.filter((f) => f.stage === 'model').length, MUTATIONS - done.failures.filter((f) => f.stage === 'read').length);
});
