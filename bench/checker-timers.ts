// Timer strategy for the checker scheduler: one setTimeout per checker (what scheduler.ts does)
// versus a hand-rolled timer wheel (one 10 ms tick, buckets of due checkers). N periodic no-op
// "checks" at a 1 s period for S seconds; reports CPU share and firing lateness.
//
//   node dist/bench/checker-timers.js [N ...] [--seconds S]     (default: 1000 10000 50000, 10 s)
import { performance } from 'node:perf_hooks';

interface Result { strategy: string; timers: number; firesPerSec: number; cpuPercent: number; meanLateMs: number; p99LateMs: number }

function summarize(strategy: string, n: number, late: number[], wallMs: number, cpuMs: number): Result {
  late.sort((a, b) => a - b);
  return {
    strategy, timers: n,
    firesPerSec: Math.round((late.length * 1000) / wallMs),
    cpuPercent: Math.round((cpuMs / wallMs) * 1000) / 10,
    meanLateMs: Math.round((late.reduce((a, b) => a + b, 0) / Math.max(1, late.length)) * 10) / 10,
    p99LateMs: Math.round((late[Math.floor(late.length * 0.99)] ?? 0) * 10) / 10,
  };
}

function perTimeout(n: number, periodMs: number, seconds: number): Promise<Result> {
  return new Promise((resolve) => {
    const late: number[] = [];
    const timers: NodeJS.Timeout[] = [];
    let running = true;
    const arm = (i: number, due: number): void => {
      timers[i] = setTimeout(() => {
        if (!running) return;
        late.push(performance.now() - due);
        arm(i, performance.now() + periodMs);
      }, Math.max(0, due - performance.now()));
    };
    const t0 = performance.now(); const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) arm(i, t0 + (i / n) * periodMs);
    setTimeout(() => {
      running = false; timers.forEach((t) => clearTimeout(t));
      const cpu = process.cpuUsage(c0);
      resolve(summarize('setTimeout per checker', n, late, performance.now() - t0, (cpu.user + cpu.system) / 1000));
    }, seconds * 1000);
  });
}

function wheel(n: number, periodMs: number, seconds: number): Promise<Result> {
  return new Promise((resolve) => {
    const tick = 10; const slots = Math.ceil(periodMs / tick) * 2;
    const buckets: number[][] = Array.from({ length: slots }, () => []);
    const due = new Float64Array(n);
    const late: number[] = [];
    const t0 = performance.now(); const c0 = process.cpuUsage();
    const slotOf = (t: number): number => Math.floor((t - t0) / tick) % slots;
    for (let i = 0; i < n; i++) { due[i] = t0 + (i / n) * periodMs; buckets[slotOf(due[i]!)]!.push(i); }
    let cursor = 0;
    const iv = setInterval(() => {
      const now = performance.now();
      const target = Math.floor((now - t0) / tick);
      for (; cursor <= target; cursor++) {
        const b = buckets[cursor % slots]!;
        buckets[cursor % slots] = [];
        for (const i of b) {
          if (due[i]! > now) { buckets[(cursor + 1) % slots]!.push(i); continue; } // due later in this tick: look again next tick
          late.push(now - due[i]!);
          due[i] = now + periodMs;
          buckets[slotOf(due[i]!)]!.push(i);
        }
      }
    }, tick);
    setTimeout(() => {
      clearInterval(iv);
      const cpu = process.cpuUsage(c0);
      resolve(summarize('timer wheel (10 ms tick)', n, late, performance.now() - t0, (cpu.user + cpu.system) / 1000));
    }, seconds * 1000);
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const si = args.indexOf('--seconds');
  const seconds = si >= 0 ? Number(args.splice(si, 2)[1]) : 10;
  const sizes = args.length ? args.map(Number) : [1000, 10000, 50000];
  const rows: Result[] = [];
  for (const n of sizes) {
    rows.push(await perTimeout(n, 1000, seconds));
    rows.push(await wheel(n, 1000, seconds));
  }
  console.table(rows);
  console.log(JSON.stringify(rows));
}

main().catch((e) => { console.error(e); process.exit(1); });
