// The checker child process (keepalived's -C child). The daemon forks this module with an IPC
// channel and sends it the virtual servers; it runs the scheduler and the data plane and reports
// state changes back, so that slow checks or a slow `nft` never delay the VRRP process.
//
// IPC protocol (parent → child):
//   { type: 'config', services: VirtualServerSpec[], dataPlane?: DataPlaneConfig, notifyFifo?: string | string[] }
//   { type: 'snapshot' }          → child answers { type: 'snapshot', services: ServiceState[] }
//   { type: 'stop' }              → child stops loops, removes the table (unless keep), exits 0
// child → parent:
//   { type: 'ready' } once at start; { type: 'rs', ...RealServerEvent }; { type: 'quorum', ...QuorumEvent };
//   { type: 'applied', services: ServiceState[] }; { type: 'error', message: string; diagnostics? }
//
// Without an IPC channel it is also a standalone tool:
//   node dist/src/check/process.js --spec FILE.json   run, printing the same messages as JSON lines
//   node dist/src/check/process.js --check-once FILE.json   run each Runnable check once, print results
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CheckerScheduler } from './scheduler.js';
import { runCheck } from './index.js';
import { closePingSockets } from './ping.js';
import { NftDataPlane } from '../lb/nft.js';
import { validateForBackend } from '../lb/validate.js';
import type { Runnable, VirtualServerSpec } from './types.js';
import type { DataPlane } from '../lb/types.js';
import type { VirtualServerStatus } from '../api/status.js';

export type DataPlaneConfig =
  | { kind: 'nftables'; table?: string; keepOnRemove?: boolean; command?: string[] }
  | { kind: 'none' };

export interface CheckerConfigMessage {
  type: 'config';
  services: VirtualServerSpec[];
  dataPlane?: DataPlaneConfig;
  notifyFifo?: string | string[];
  /** report { type: 'stats', checksRun, checksPerSec, rssBytes, cpuUserMs, cpuSystemMs } this often */
  statsIntervalMs?: number;
}

type Out = (msg: Record<string, unknown>) => void;

const KINDS = new Set(['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'SMTP_CHECK', 'DNS_CHECK', 'UDP_CHECK', 'PING_CHECK', 'MISC_CHECK', 'FILE_CHECK']);

/** The message comes from another process: check its shape before anything dereferences it. */
export function configShapeProblem(msg: unknown): string | undefined {
  const m = msg as Partial<CheckerConfigMessage> | null;
  if (!m || typeof m !== 'object') return 'not an object';
  if (!Array.isArray(m.services)) return 'services is not an array';
  for (const [i, vs] of m.services.entries()) {
    if (!vs || typeof vs !== 'object') return `services[${i}] is not an object`;
    if (!Array.isArray(vs.realServers)) return `services[${i}].realServers is not an array`;
    for (const [j, rs] of vs.realServers.entries()) {
      if (!rs || typeof rs !== 'object' || typeof rs.ip !== 'string' || typeof rs.port !== 'number') return `services[${i}].realServers[${j}] needs ip and port`;
      if (!Array.isArray(rs.checkers)) return `services[${i}].realServers[${j}].checkers is not an array`;
      for (const [k, c] of rs.checkers.entries()) {
        if (!c || !KINDS.has((c as { kind?: string }).kind ?? '')) return `services[${i}].realServers[${j}].checkers[${k}] has an unknown kind`;
        if ((c.kind === 'HTTP_GET' || c.kind === 'SSL_GET') && !Array.isArray(c.urls)) return `services[${i}].realServers[${j}].checkers[${k}].urls is not an array`;
        if (c.kind === 'MISC_CHECK' && typeof c.miscPath !== 'string') return `services[${i}].realServers[${j}].checkers[${k}] needs miscPath`;
        if (c.kind === 'FILE_CHECK' && typeof c.trackFile !== 'string') return `services[${i}].realServers[${j}].checkers[${k}] needs trackFile`;
      }
    }
  }
  return undefined;
}

/**
 * Runs one configuration: scheduler + data plane. Data-plane updates are serialised and coalesced:
 * bursts of state changes become one `nft` transaction, and a change arriving while nft runs is
 * applied right after it.
 */
export class CheckerService {
  private scheduler?: CheckerScheduler;
  private plane?: DataPlane;
  private applying = false;
  private dirty = false;
  private stopped = false;
  private statsTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;

  constructor(private readonly out: Out) {}

  async configure(msg: CheckerConfigMessage): Promise<boolean> {
    const shape = configShapeProblem(msg);
    if (shape) { this.out({ type: 'error', message: `bad configuration message: ${shape}` }); return false; }
    const dp = msg.dataPlane ?? { kind: 'nftables' };
    if (dp.kind === 'nftables') {
      // validate before touching the running configuration: a bad reload keeps the old one
      const diagnostics = msg.services.flatMap((s) => validateForBackend(s, 'nftables'));
      if (diagnostics.some((d) => d.severity === 'error')) {
        this.out({ type: 'error', message: diagnostics.map((d) => `${d.service}: ${d.message}`).join('; '), diagnostics });
        return false;
      }
    }
    const previous = this.scheduler; // reload: carry checker states over
    await this.shutdown(true);
    this.stopped = false;
    if (dp.kind === 'nftables') this.plane = new NftDataPlane({ table: dp.table, keepOnRemove: dp.keepOnRemove, command: dp.command });
    const s = new CheckerScheduler(msg.services, { notifyFifo: msg.notifyFifo, previous });
    this.scheduler = s;
    s.on('rs', (e) => this.out({ type: 'rs', ...e }));
    s.on('quorum', (e) => this.out({ type: 'quorum', ...e }));
    s.on('change', () => this.schedule());
    s.start();
    this.schedule(); // initial programming (alpha servers start down, others up)
    if (msg.statsIntervalMs) {
      let last = { at: Date.now(), checks: 0, ms: 0 };
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      this.statsTimer = setInterval(() => {
        const now = Date.now(); const cpu = process.cpuUsage();
        const n = s.checksRun - last.checks;
        const rate = (n * 1000) / Math.max(1, now - last.at);
        const meanCheckMs = n ? (s.checkMsTotal - last.ms) / n : 0;
        last = { at: now, checks: s.checksRun, ms: s.checkMsTotal };
        this.out({ type: 'stats', checksRun: s.checksRun, checksPerSec: Math.round(rate), meanCheckMs: Math.round(meanCheckMs),
          loopDelayP99Ms: Math.round(lag.percentile(99) / 1e6), rssBytes: process.memoryUsage().rss,
          cpuUserMs: Math.round(cpu.user / 1000), cpuSystemMs: Math.round(cpu.system / 1000) });
        lag.reset();
      }, msg.statsIntervalMs);
    }
    return true;
  }

  snapshot(): unknown[] { return this.scheduler?.snapshot() ?? []; }

  /** Per virtual server health, in the API's status shape. */
  status(): VirtualServerStatus[] {
    return (this.scheduler?.services ?? []).map((v) => ({
      name: v.name, quorumUp: v.quorumUp,
      realServers: v.servers.map((r) => ({
        addr: r.spec.ip, port: r.spec.port || undefined, up: r.up, weight: r.up ? r.weight : 0,
        detail: r.checkers.find((c) => c.last && !c.last.ok)?.last?.detail,
      })),
    }));
  }

  private schedule(): void {
    this.dirty = true;
    if (!this.applying) setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    if (this.applying || !this.dirty || this.stopped || !this.scheduler) return;
    this.applying = true;
    while (this.dirty && !this.stopped && this.scheduler) {
      this.dirty = false;
      const services = this.scheduler.snapshot();
      try {
        await this.plane?.apply(services);
        this.out({ type: 'applied', services });
      } catch (e) {
        this.out({ type: 'error', message: (e as Error).message });
        // the kernel still holds the previous ruleset: try again shortly rather than wait for
        // the next state change, which may never come
        this.retryTimer ??= setTimeout(() => { this.retryTimer = undefined; this.schedule(); }, 1000);
      }
    }
    this.applying = false;
  }

  /** Stop checking; remove the data plane unless `keepPlane` (reload keeps it until replaced). */
  async shutdown(keepPlane = false): Promise<void> {
    this.stopped = true;
    clearInterval(this.statsTimer);
    clearTimeout(this.retryTimer); this.retryTimer = undefined;
    await this.scheduler?.stop(!keepPlane);
    this.scheduler = undefined;
    while (this.applying) await new Promise((r) => setTimeout(r, 10));
    if (!keepPlane) {
      try { await this.plane?.remove(); } catch (e) { this.out({ type: 'error', message: (e as Error).message }); }
    }
    this.plane = undefined;
    closePingSockets();
  }
}

async function main(argv: string[]): Promise<void> {
  const send: Out = process.send
    ? (m) => { if (process.connected) process.send!(m); }
    : (m) => { process.stdout.write(`${JSON.stringify(m)}\n`); };
  const onceIdx = argv.indexOf('--check-once');
  if (onceIdx >= 0) {
    const specs = JSON.parse(readFileSync(argv[onceIdx + 1]!, 'utf8')) as Runnable[];
    const results = await Promise.all(specs.map(async (s) => {
      const t0 = Date.now();
      const r = await runCheck(s);
      return { ...r, ms: Date.now() - t0 };
    }));
    closePingSockets();
    send({ type: 'results', results });
    return;
  }
  if (process.send && process.env.VIPD_CHILD === 'checker') {
    // forked by the daemon's parent: its protocol, its configuration loading, its signal handling
    const { runAsDaemonChild } = await import('./daemon-child.js');
    runAsDaemonChild((out) => new CheckerService(out));
    return;
  }
  const svc = new CheckerService(send);
  let exiting = false;
  const exit = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    await svc.shutdown();
    send({ type: 'stopped' });
    process.exit(0);
  };
  process.on('SIGTERM', () => void exit());
  process.on('SIGINT', () => void exit());
  const specIdx = argv.indexOf('--spec');
  if (specIdx >= 0) {
    const msg = JSON.parse(readFileSync(argv[specIdx + 1]!, 'utf8')) as CheckerConfigMessage;
    if (!(await svc.configure({ ...msg, type: 'config' }))) process.exit(3);
    send({ type: 'ready' });
    return;
  }
  if (!process.send) {
    process.stderr.write('usage: process.js --spec FILE.json | --check-once FILE.json (or fork with IPC)\n');
    process.exit(2);
  }

  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'config') void svc.configure(m as CheckerConfigMessage);
    else if (m?.type === 'snapshot') send({ type: 'snapshot', services: svc.snapshot() });
    else if (m?.type === 'stop') void exit();
  });
  process.on('disconnect', () => void exit()); // parent died: never run orphaned
  send({ type: 'ready' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((e) => { process.stderr.write(`checker: ${(e as Error).stack}\n`); process.exit(1); });
}
