// Worker for config-mutation.test.ts: mutates valid configurations with a seeded PRNG and reads
// each mutant, reporting progress after every read so that the test can detect a hang, and every
// exception (which would be a defect: bad input must give diagnostics, never throw).
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { readConfigText } from '../../src/config/reader.js';
import { replayBlocks, type BlockKind } from '../../src/config/read-blocks.js';
import type { ConfigNode } from '../../src/config/tree.js';

export interface SeedConfig { name: string; path: string; text: string }
export interface MutationJob { seeds: SeedConfig[]; count: number; seed: number; /** dist/src/config */ modelDir: string }
export interface MutationFailure { index: number; stage: 'read' | 'model'; seedName: string; ops: string[]; error: string }
export type WorkerMessage =
  | { type: 'progress'; index: number }
  | { type: 'done'; mutations: number; diagnostics: number; nodes: number; maxReadMs: number; maxReadIndex: number; modelRuns: number; modelMaxMs: number; failures: MutationFailure[]; failureCount: number; modelAvailable: boolean; modelEntry: string };

/** mulberry32: small, fast, good enough to drive mutations reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Characters that matter to the language, favoured when inserting or flipping. */
const INTERESTING = ['{', '}', '"', "'", '#', '!', '$', '@', '@^', '~', '\\', '\n', '\0', ' ', '\t', '\r', '=', '(', ')', ',', '*', '[', ']', '${', '$_RANDOM', '~SEQ(i,1,3) ', '~LST(v,a,b) ', 'include ', '\ninclude sub/[', '\nincludea sub/{', '\u00ff', '\u4e2d'];

export function mutate(text: string, others: string[], rand: () => number): { text: string; ops: string[] } {
  const int = (n: number) => Math.floor(rand() * n);
  const ops: string[] = [];
  let t = text;
  const rounds = 1 + int(4);
  for (let r = 0; r < rounds; r++) {
    const at = int(t.length + 1);
    switch (int(8)) {
      case 0: { // flip a character to something random or interesting
        if (t.length === 0) break;
        const c = rand() < 0.5 ? INTERESTING[int(INTERESTING.length)]! : String.fromCharCode(int(256));
        t = t.slice(0, at) + c + t.slice(at + 1);
        ops.push(`flip@${at}=${JSON.stringify(c)}`);
        break;
      }
      case 1: { // delete a range
        const len = 1 + int(80);
        t = t.slice(0, at) + t.slice(at + len);
        ops.push(`delete@${at}+${len}`);
        break;
      }
      case 2: { // duplicate a range
        const len = 1 + int(200);
        t = t.slice(0, at + len) + t.slice(at, at + len) + t.slice(at + len);
        ops.push(`duplicate@${at}+${len}`);
        break;
      }
      case 3: { // insert braces or quotes
        const c = ['{', '}', '"', "'", '{ ', ' }', '}}}', '{{{', '"{', '}"'][int(10)]!;
        t = t.slice(0, at) + c + t.slice(at);
        ops.push(`insert@${at}=${JSON.stringify(c)}`);
        break;
      }
      case 4: { // splice a line from another configuration
        const other = others[int(others.length)] ?? '';
        const lines = other.split('\n');
        const line = lines[int(lines.length)] ?? '';
        const mine = t.split('\n');
        const pos = int(mine.length + 1);
        mine.splice(pos, 0, line);
        t = mine.join('\n');
        ops.push(`splice-line@${pos}=${JSON.stringify(line.slice(0, 40))}`);
        break;
      }
      case 5: { // swap two lines
        const mine = t.split('\n');
        const a = int(mine.length);
        const b = int(mine.length);
        [mine[a], mine[b]] = [mine[b]!, mine[a]!];
        t = mine.join('\n');
        ops.push(`swap-lines@${a},${b}`);
        break;
      }
      case 6: { // truncate
        t = t.slice(0, at);
        ops.push(`truncate@${at}`);
        break;
      }
      default: { // insert an interesting token
        const c = INTERESTING[int(INTERESTING.length)]!;
        t = t.slice(0, at) + c + t.slice(at);
        ops.push(`insert@${at}=${JSON.stringify(c)}`);
      }
    }
  }
  return { text: t, ops };
}

function keywordKind(keyword: string): BlockKind {
  let h = 0;
  for (let i = 0; i < keyword.length; i++) h = (h * 31 + keyword.charCodeAt(i)) >>> 0;
  return (['block', 'values', 'leaf', 'leaf'] as const)[h % 4]!;
}

function countNodes(nodes: ConfigNode[]): number {
  let n = 0;
  const stack = [...nodes];
  while (stack.length > 0) {
    const node = stack.pop()!;
    n++;
    if (node.children) stack.push(...node.children);
  }
  return n;
}

async function run(job: MutationJob): Promise<void> {
  // The model engineer's code, if it exists yet: every mutant's tree is built and validated too
  // (check.js checkNodes = build + validate; else build.js / model.js buildModel).
  let buildModel: ((nodes: ConfigNode[], files: string[]) => unknown) | undefined;
  let modelEntry = '';
  for (const [file, name] of [['check.js', 'checkNodes'], ['build.js', 'buildModel'], ['model.js', 'buildModel']] as const) {
    try {
      const mod = (await import(join(job.modelDir, file))) as Record<string, unknown>;
      if (typeof mod[name] === 'function') {
        buildModel = mod[name] as (nodes: ConfigNode[], files: string[]) => unknown;
        modelEntry = `${file} ${name}`;
        break;
      }
    } catch {
      // not written yet
    }
  }
  const rand = prng(job.seed);
  const texts = job.seeds.map((s) => s.text);
  const failures: MutationFailure[] = [];
  let diagnostics = 0;
  let nodes = 0;
  let maxReadMs = 0;
  let maxReadIndex = -1;
  let modelRuns = 0;
  let modelMaxMs = 0;
  for (let i = 0; i < job.count; i++) {
    const seedConfig = job.seeds[Math.floor(rand() * job.seeds.length)]!;
    const { text, ops } = mutate(seedConfig.text, texts, rand);
    parentPort!.postMessage({ type: 'progress', index: i } satisfies WorkerMessage);
    const t0 = performance.now();
    let tree: ConfigNode[] | undefined;
    let files: string[] = [];
    try {
      const r = readConfigText(text, seedConfig.path, { configId: 'lab1', randomSeed: i, maxGeneratedLines: 100_000, keepLines: true });
      diagnostics += r.diagnostics.length;
      // the reader turns an unexpected exception into an "internal error" diagnostic: still a defect
      const internal = r.diagnostics.find((d) => d.message.startsWith('internal error'));
      if (internal) failures.push({ index: i, stage: 'read', seedName: seedConfig.name, ops, error: internal.message });
      // keepalived's keyword-aware block rules, with an arbitrary but fixed idea of which keywords open blocks
      diagnostics += replayBlocks(r.lines ?? [], keywordKind).diagnostics.length;
      nodes += countNodes(r.nodes);
      tree = r.nodes;
      files = r.files;
    } catch (e) {
      failures.push({ index: i, stage: 'read', seedName: seedConfig.name, ops, error: (e as Error).stack ?? String(e) });
    }
    const ms = performance.now() - t0;
    if (ms > maxReadMs) { maxReadMs = ms; maxReadIndex = i; }
    if (tree && buildModel) {
      const m0 = performance.now();
      try {
        buildModel(tree, files);
        modelRuns++;
      } catch (e) {
        failures.push({ index: i, stage: 'model', seedName: seedConfig.name, ops, error: (e as Error).stack ?? String(e) });
      }
      modelMaxMs = Math.max(modelMaxMs, performance.now() - m0);
    }
  }
  parentPort!.postMessage({ type: 'done', mutations: job.count, diagnostics, nodes, maxReadMs, maxReadIndex, modelRuns, modelMaxMs, failures: failures.slice(0, 20), failureCount: failures.length, modelAvailable: buildModel !== undefined, modelEntry } satisfies WorkerMessage);
}

if (parentPort && workerData) {
  void run(workerData as MutationJob);
}
