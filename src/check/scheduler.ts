// The checker scheduler: one timer-driven loop per checker of every real server, keepalived's
// timing rules (delay_loop, connect_timeout, retry, delay_before_retry, warmup, alpha), and the
// state that follows from them: real server up/down (all its checkers must pass), effective
// weights (misc_dynamic, FILE_CHECK), virtual-server quorum with hysteresis, sorry server.
// Loops never await each other: a check that hangs until its timeout delays only itself.
// One setTimeout per checker was measured against thousands of servers (bench/checker-scale.ts);
// Node keeps timers of equal duration in one list, so this costs O(1) per (re)arm.
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { isIPv6 } from 'node:net';
import { runCheck } from './index.js';
import { NotifyFifo, rsFifoLine, runScript, vsFifoLine } from './notify.js';
import { formatEndpoint, vsName, type CheckResult, type CheckerSpec, type RealServerSpec, type Runnable, type VirtualServerSpec } from './types.js';
import type { ServiceState } from '../lb/types.js';

// ---- pure rules (unit-tested) ----

export interface Timing { delayLoopMs: number; timeoutMs: number; retry: number; delayBeforeRetryMs: number; warmupMs: number; alpha: boolean }

const s2ms = (s: number): number => Math.max(0, Math.round(s * 1000));
/** Never re-arm faster than this: a delay_loop or delay_before_retry of 0 must not spin the loop. */
export const MIN_INTERVAL_MS = 10;
const interval = (s: number): number => Math.max(MIN_INTERVAL_MS, s2ms(s));

/** Resolve a checker's timing from checker → real server → virtual server → keepalived defaults. */
export function resolveTiming(c: CheckerSpec, rs: RealServerSpec, vs: VirtualServerSpec): Timing {
  const delayLoop = c.delayLoop ?? rs.delayLoop ?? vs.delayLoop ?? 60;
  const kindRetry = c.kind === 'DNS_CHECK' ? 3 : c.kind === 'MISC_CHECK' ? 0 : 1;
  const kindDbr = c.kind === 'HTTP_GET' || c.kind === 'SSL_GET' ? 3 : c.kind === 'DNS_CHECK' ? delayLoop : 1;
  const connectTimeout = c.connectTimeout ?? rs.connectTimeout ?? vs.connectTimeout ?? 5;
  const timeout = c.kind === 'MISC_CHECK' ? (c.miscTimeout ?? delayLoop) : connectTimeout;
  return {
    delayLoopMs: interval(delayLoop),
    timeoutMs: Math.max(1, s2ms(timeout)),
    retry: c.retry ?? rs.retry ?? vs.retry ?? kindRetry,
    delayBeforeRetryMs: interval(c.delayBeforeRetry ?? rs.delayBeforeRetry ?? vs.delayBeforeRetry ?? kindDbr),
    warmupMs: s2ms(c.warmup ?? rs.warmup ?? vs.warmup ?? delayLoop),
    alpha: c.alpha ?? rs.alpha ?? vs.alpha ?? false,
  };
}

export interface CheckerState { up: boolean; failures: number }

/**
 * Apply one result to a checker: returns the new state and the delay before the next attempt.
 * A failure of an UP checker is retried `retry` times, `delay_before_retry` apart, before the
 * checker goes DOWN; a DOWN checker comes UP on its first success.
 */
export function nextCheckerState(s: CheckerState, success: boolean, t: Timing): { state: CheckerState; delayMs: number } {
  if (success) return { state: { up: true, failures: 0 }, delayMs: t.delayLoopMs };
  if (s.up && s.failures < t.retry) return { state: { up: true, failures: s.failures + 1 }, delayMs: t.delayBeforeRetryMs };
  return { state: { up: false, failures: 0 }, delayMs: t.delayLoopMs };
}

/** Quorum with hysteresis: lose it below quorum − hysteresis, regain it at quorum + hysteresis. */
export function nextQuorum(wasUp: boolean, aliveWeight: number, quorum: number, hysteresis: number): boolean {
  return wasUp ? aliveWeight >= quorum - hysteresis : aliveWeight >= quorum + hysteresis;
}

/** Effective weight: misc_dynamic replaces, FILE_CHECK deltas add; never below 0. */
export function effectiveWeight(configured: number, results: Array<CheckResult | undefined>): number {
  let w = configured;
  for (const r of results) if (r?.ok && r.weight !== undefined) w = r.weight;
  for (const r of results) if (r?.ok && r.weightDelta !== undefined) w += r.weightDelta;
  return Math.max(0, w);
}

// ---- runtime ----

interface CheckerRun {
  spec: Runnable;
  timing: Timing;
  state: CheckerState;
  last?: CheckResult;
  timer?: NodeJS.Timeout;
  abort?: AbortController;
  watcher?: FSWatcher; // FILE_CHECK: re-check as soon as the file changes, as keepalived's inotify does
}

export interface RealServerRuntime {
  spec: RealServerSpec;
  up: boolean;
  weight: number;
  checkers: CheckerRun[];
}

export interface VirtualServerRuntime {
  spec: VirtualServerSpec;
  name: string;
  endpoint: string; // keepalived notation for FIFO lines
  quorumUp: boolean;
  servers: RealServerRuntime[];
}

export interface RealServerEvent { vs: string; ip: string; port: number; up: boolean; detail: string }
export interface QuorumEvent { vs: string; up: boolean; aliveWeight: number }

export interface SchedulerOptions {
  notifyFifo?: string | string[]; // lvs_notify_fifo (and the global notify_fifo, which gets every event)
  random?: () => number; // for warmup; d: Math.random
  runScripts?: boolean; // d: true
  /** On reload: checker states (up/down, retry count, last result) carried over from the previous
   *  scheduler for checkers that still exist (same VS, real server, position and kind), so that a
   *  reload neither resurrects a dead server nor drops a healthy one until its next check. */
  previous?: CheckerScheduler;
}

/**
 * Events: 'rs' (RealServerEvent), 'quorum' (QuorumEvent), 'change' (data plane must be updated),
 * 'check' (one finished attempt: {vs, ip, port, kind, result}).
 */
export class CheckerScheduler extends EventEmitter {
  readonly services: VirtualServerRuntime[];
  private readonly fifos: NotifyFifo[];
  private running = false;
  checksRun = 0;
  checkMsTotal = 0; // summed duration of finished checks (for stats: mean check time)

  constructor(specs: VirtualServerSpec[], private readonly opts: SchedulerOptions = {}) {
    super();
    this.fifos = [opts.notifyFifo ?? []].flat().filter(Boolean).map((p) => new NotifyFifo(p));
    const inherited = opts.previous?.checkerStates() ?? new Map<string, { state: CheckerState; last?: CheckResult }>();
    this.services = specs.map((vs) => {
      const proto = (vs.protocol ?? 'TCP').toLowerCase();
      const endpoint = vs.matches?.length ? vsName(vs) : vs.fwmark !== undefined ? `FWM ${vs.fwmark}` : formatEndpoint(vs.vip ?? '', proto, vs.port ?? 0);
      const servers = vs.realServers.map((rs) => {
        const checkers = rs.checkers.map((c, idx): CheckerRun => {
          const timing = resolveTiming(c, rs, vs);
          const spec = { ...c, target: {
            ip: c.connectIp ?? rs.ip, port: c.connectPort ?? rs.port, timeoutMs: timing.timeoutMs,
            bindto: c.bindto, bindPort: c.bindPort,
          } } as Runnable;
          if (spec.kind === 'HTTP_GET' || spec.kind === 'SSL_GET') spec.virtualhost ??= rs.virtualhost ?? vs.virtualhost;
          const old = inherited.get(checkerKey(endpoint, rs, idx, c.kind));
          return { spec, timing, state: old ? { ...old.state } : { up: !timing.alpha, failures: 0 }, last: old?.last };
        });
        const r: RealServerRuntime = { spec: rs, up: false, weight: rs.weight ?? 1, checkers };
        r.up = checkers.every((c) => c.state.up);
        r.weight = effectiveWeight(rs.weight ?? 1, checkers.map((c) => c.last));
        return r;
      });
      const v: VirtualServerRuntime = { spec: vs, name: vsName(vs), servers, quorumUp: false, endpoint };
      v.quorumUp = this.aliveWeight(v) >= (vs.quorum ?? 1); // initial state: no notification, as keepalived
      return v;
    });
  }

  /** Checker states by identity, for a successor scheduler after reload. */
  checkerStates(): Map<string, { state: CheckerState; last?: CheckResult }> {
    const m = new Map<string, { state: CheckerState; last?: CheckResult }>();
    for (const v of this.services) for (const r of v.servers) {
      r.checkers.forEach((c, idx) => m.set(checkerKey(v.endpoint, r.spec, idx, c.spec.kind), { state: { ...c.state }, last: c.last }));
    }
    return m;
  }

  aliveWeight(v: VirtualServerRuntime): number {
    return v.servers.reduce((sum, r) => sum + (r.up ? r.weight : 0), 0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const rnd = this.opts.random ?? Math.random;
    for (const v of this.services) for (const r of v.servers) for (const c of r.checkers) {
      this.arm(v, r, c, Math.floor(rnd() * c.timing.warmupMs));
      if (c.spec.kind === 'FILE_CHECK') this.watchFile(v, r, c, c.spec.trackFile);
    }
  }

  /** Watch the directory (the file may be replaced by rename) and re-check on changes to it. */
  private watchFile(v: VirtualServerRuntime, r: RealServerRuntime, c: CheckerRun, path: string): void {
    const name = basename(path);
    try {
      c.watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
        if (!this.running || c.abort || (file !== null && file.toString() !== name)) return;
        clearTimeout(c.timer);
        void this.runOnce(v, r, c);
      });
      c.watcher.on('error', () => { c.watcher?.close(); c.watcher = undefined; }); // polling continues
    } catch { /* directory missing: the periodic check reports the failure */ }
  }

  /** Stop all loops; on a final stop (not a reload), `omega` runs notify_down / quorum_down for what was up. */
  async stop(final = true): Promise<void> {
    this.running = false;
    for (const v of this.services) for (const r of v.servers) for (const c of r.checkers) {
      clearTimeout(c.timer); c.abort?.abort();
      c.watcher?.close(); c.watcher = undefined;
    }
    const scripts: Promise<unknown>[] = [];
    for (const v of this.services) {
      if (!final || !v.spec.omega) continue;
      for (const r of v.servers) if (r.up && r.spec.notifyDown) scripts.push(this.script(r.spec.notifyDown));
      if (v.quorumUp && v.spec.quorumDown) scripts.push(this.script(v.spec.quorumDown));
    }
    await Promise.all(scripts);
    for (const f of this.fifos) f.close();
  }

  private arm(v: VirtualServerRuntime, r: RealServerRuntime, c: CheckerRun, delayMs: number): void {
    if (!this.running) return;
    c.timer = setTimeout(() => { void this.runOnce(v, r, c); }, delayMs);
  }

  private async runOnce(v: VirtualServerRuntime, r: RealServerRuntime, c: CheckerRun): Promise<void> {
    c.abort = new AbortController();
    const started = Date.now();
    let result: CheckResult;
    try {
      result = await runCheck(c.spec, c.abort.signal);
    } catch (e) {
      result = { ok: false, detail: `checker crashed: ${String(e)}` }; // defensive: checkers should not throw
    }
    c.abort = undefined;
    if (!this.running) return;
    this.checksRun++;
    this.checkMsTotal += Date.now() - started;
    c.last = result;
    this.emit('check', { vs: v.name, ip: r.spec.ip, port: r.spec.port, kind: c.spec.kind, result });
    const { state, delayMs } = nextCheckerState(c.state, result.ok, c.timing);
    c.state = state;
    this.update(v, r, result.detail);
    this.arm(v, r, c, delayMs);
  }

  /** Recompute one real server and its virtual server after a checker result. */
  private update(v: VirtualServerRuntime, r: RealServerRuntime, detail: string): void {
    const up = r.checkers.every((c) => c.state.up);
    const weight = effectiveWeight(r.spec.weight ?? 1, r.checkers.map((c) => c.last));
    if (up === r.up && weight === r.weight) return;
    const changedUp = up !== r.up;
    r.up = up; r.weight = weight;
    if (changedUp) {
      const proto = (v.spec.protocol ?? 'TCP').toLowerCase();
      const line = rsFifoLine(r.spec.ip, proto, r.spec.port, v.endpoint, up);
      for (const f of this.fifos) f.write(line);
      const cmd = up ? r.spec.notifyUp : r.spec.notifyDown;
      if (cmd) void this.script(cmd);
      this.emit('rs', { vs: v.name, ip: r.spec.ip, port: r.spec.port, up, detail } satisfies RealServerEvent);
    }
    const alive = this.aliveWeight(v);
    const q = nextQuorum(v.quorumUp, alive, v.spec.quorum ?? 1, v.spec.hysteresis ?? 0);
    if (q !== v.quorumUp) {
      v.quorumUp = q;
      const line = vsFifoLine(v.endpoint, q);
      for (const f of this.fifos) f.write(line);
      const cmd = q ? v.spec.quorumUp : v.spec.quorumDown;
      if (cmd) void this.script(cmd);
      this.emit('quorum', { vs: v.name, up: q, aliveWeight: alive } satisfies QuorumEvent);
    }
    this.emit('change');
  }

  private script(cmd: string): Promise<unknown> {
    return this.opts.runScripts === false ? Promise.resolve() : runScript(cmd);
  }

  /** The data plane's view: healthy backends, inhibited ones at weight 0, sorry server on quorum loss. */
  snapshot(): ServiceState[] {
    return this.services.map((v) => serviceState(v));
  }
}

function checkerKey(vsEndpoint: string, rs: RealServerSpec, idx: number, kind: string): string {
  return `${vsEndpoint}|${rs.ip}:${rs.port}|${idx}:${kind}`;
}

export function serviceState(v: VirtualServerRuntime): ServiceState {
  const vs = v.spec;
  const backends = [];
  for (const r of v.servers) {
    const inhibit = r.spec.inhibitOnFailure ?? vs.inhibitOnFailure ?? false;
    if (r.up) backends.push({ ip: r.spec.ip, port: r.spec.port, weight: r.weight });
    else if (inhibit) backends.push({ ip: r.spec.ip, port: r.spec.port, weight: 0 });
  }
  const sorry = !v.quorumUp && vs.sorryServer !== undefined;
  return {
    name: v.name,
    vip: vs.vip, port: vs.port, fwmark: vs.fwmark, matches: vs.matches,
    family: vs.family ?? (vs.vip && isIPv6(vs.vip) ? 'inet6' : 'inet'),
    protocol: vs.protocol ?? 'TCP',
    lbAlgo: vs.lbAlgo ?? 'wlc',
    lbKind: vs.lbKind ?? 'NAT',
    persistenceTimeout: vs.persistenceTimeout,
    backends: sorry ? [{ ip: vs.sorryServer!.ip, port: vs.sorryServer!.port ?? vs.port ?? 0, weight: 1 }] : backends,
    usingSorryServer: sorry,
  };
}
