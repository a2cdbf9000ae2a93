// The parent process, as in keepalived: a small supervisor. It validates the configuration, starts the
// VRRP child and the checker child (separate processes, so a slow check, a script or the HTTP API can
// never delay an advertisement), respawns a child that dies unless -R, fans signals out, owns the pid
// files and serves the status API from the children's snapshots.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { Logger } from './log.js';
import { claimPidFile, releasePidFile } from './pidfile.js';
import { onRawSignal, closeRawSignals, forwardSignal, setForwardPids, SIGFUNC } from './signals.js';
import { DEFAULT_API_LISTEN, DEFAULT_PID_FILES, EXIT, type ChildMsg, type DaemonOptions, type ParentMsg } from './options.js';
import { startApi, parseListen, type Api } from '../api/server.js';
import { createMetrics } from '../api/metrics.js';
import type { DaemonStatus } from '../api/status.js';
import { VERSION } from '../version.js';

type Kind = 'vrrp' | 'checker';

interface ChildSlot {
  kind: Kind;
  entry: string;
  pidFile: string;
  proc?: ChildProcess;
  restarts: number;
  lastStart: number;
  respawnTimer?: NodeJS.Timeout;
}

/** Permanent child exit codes: respawning cannot help (bad config, missing permission). */
const PERMANENT = new Set<number>([EXIT.CONFIG, EXIT.MISSING_PERMISSION]);

export interface ParentHandle { done: Promise<number> }

export async function runParent(opts: DaemonOptions, log: Logger, want: { vrrp: boolean; checker: boolean }): Promise<number> {
  const pidFile = opts.pidFile ?? DEFAULT_PID_FILES.parent;
  const err = claimPidFile(pidFile);
  if (err) { log.error(err); return EXIT.FATAL; }
  log.info(`Starting vipd v${VERSION}`, { config: opts.configFile });

  const status: DaemonStatus = { version: VERSION, pid: process.pid, startedAtMs: Date.now(), configFile: opts.configFile };
  let api: Api | undefined;
  const here = fileURLToPath(new URL('.', import.meta.url));
  const slots: ChildSlot[] = [];
  if (want.vrrp) slots.push({ kind: 'vrrp', entry: `${here}vrrp-main.js`, pidFile: opts.vrrpPidFile ?? DEFAULT_PID_FILES.vrrp, restarts: 0, lastStart: 0 });
  if (want.checker) {
    const entry = fileURLToPath(new URL('../check/process.js', import.meta.url));
    if (existsSync(entry)) slots.push({ kind: 'checker', entry, pidFile: opts.checkersPidFile ?? DEFAULT_PID_FILES.checkers, restarts: 0, lastStart: 0 });
    else log.warn('virtual_server blocks present, but this build has no checker process; health checking is not running');
  }

  let stopping = false;
  let exitCode: number = EXIT.OK;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => { resolveDone = r; });

  function send(slot: ChildSlot, msg: ParentMsg): void {
    if (slot.proc?.connected) slot.proc.send(msg);
  }

  // Status is pulled, not pushed on a timer: an idle daemon nobody watches does no status work.
  const waiting = new Map<ChildSlot, Array<() => void>>();
  function refresh(): Promise<void> {
    return Promise.all(slots.filter((s) => s.proc?.connected).map((s) => new Promise<void>((resolve) => {
      const list = waiting.get(s) ?? [];
      list.push(resolve);
      waiting.set(s, list);
      if (list.length === 1) send(s, { t: 'status' });
      setTimeout(resolve, 300).unref(); // a busy or dying child: answer with what we have
    }))).then(() => undefined);
  }

  function start(slot: ChildSlot): void {
    slot.lastStart = Date.now();
    // Small young generation: the VRRP child keeps little garbage, so GC pauses stay short.
    const execArgv = slot.kind === 'vrrp' ? ['--max-semi-space-size=2', '--max-old-space-size=96'] : [];
    const p = fork(slot.entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, VIPD_CHILD: slot.kind } });
    slot.proc = p;
    forwardTo();
    log.info(`Starting ${slot.kind} child process, pid=${p.pid}`);
    if (p.pid) claimPidFile(slot.pidFile, p.pid);
    p.on('message', (m: ChildMsg) => {
      if (m.t === 'status') {
        if (slot.kind === 'vrrp') status.vrrp = m.status as DaemonStatus['vrrp'];
        else status.checker = m.status as DaemonStatus['checker'];
        for (const r of waiting.get(slot) ?? []) r();
        waiting.delete(slot);
        api?.publish();
      } else if (m.t === 'fatal') {
        log.error(`${slot.kind} child: ${m.message}`);
        exitCode = m.code;
      } else if (m.t === 'reloaded') {
        if (m.ok) log.info(`${slot.kind} child reloaded its configuration`);
        else log.error(`${slot.kind} child refused the new configuration: ${m.message}`);
      }
    });
    p.on('exit', (code, signal) => {
      if (p.pid) releasePidFile(slot.pidFile, p.pid);
      slot.proc = undefined;
      forwardTo();
      if (slot.kind === 'vrrp') delete status.vrrp; else delete status.checker;
      api?.publish();
      if (stopping) { maybeFinish(); return; }
      log.error(`${slot.kind} child process(${p.pid}) died: ${signal ? `signal ${signal}` : `exit ${code}`}`);
      if (code !== null && PERMANENT.has(code)) { exitCode = code; log.error('permanent error: stopping'); shutdown(); return; }
      if (opts.dontRespawn) { exitCode = EXIT.FATAL; shutdown(); return; }
      // Back off when a child keeps dying right after start; a long-lived child restarts at once.
      slot.restarts = Date.now() - slot.lastStart > 30_000 ? 0 : slot.restarts + 1;
      const delay = Math.min(30_000, slot.restarts === 0 ? 0 : 500 * 2 ** (slot.restarts - 1));
      log.info(`respawning ${slot.kind} child in ${delay} ms`);
      slot.respawnTimer = setTimeout(() => { slot.respawnTimer = undefined; if (!stopping) start(slot); }, delay);
    });
    send(slot, { t: 'init', opts });
  }

  /** Our live children: where the signal handler passes SIGTERM/SIGINT on (as SIGTERM). */
  function forwardTo(): void {
    setForwardPids(slots.flatMap((s) => (s.proc?.pid && s.proc.exitCode === null ? [s.proc.pid] : [])));
  }

  function maybeFinish(): void {
    if (slots.some((s) => s.proc)) return;
    finish();
  }

  let finished = false;
  function finish(): void {
    if (finished) return;
    finished = true;
    releasePidFile(pidFile);
    closeRawSignals();
    const closing = api?.close() ?? Promise.resolve();
    closing.finally(() => { log.info('Stopped vipd'); resolveDone(exitCode); });
  }

  function shutdown(): void {
    if (stopping) return;
    stopping = true;
    log.info('Stopping');
    for (const s of slots) {
      if (s.respawnTimer) clearTimeout(s.respawnTimer);
      // The signal first: it reaches the child faster than a message through the IPC pipe.
      if (s.proc) { s.proc.kill('SIGTERM'); send(s, { t: 'stop' }); }
    }
    // keepalived's child_wait_time (5 s): then children are killed.
    setTimeout(() => { for (const s of slots) s.proc?.kill('SIGKILL'); }, 5000).unref();
    maybeFinish();
  }

  // Handled natively, not with process.on: the handler forwards SIGTERM to the children before this
  // event loop even wakes (a takeover by the backups starts at the child's priority-0 advert).
  for (const sig of [SIGFUNC.STOP!, 2]) { forwardSignal(sig); onRawSignal(sig, shutdown); }
  process.on('SIGHUP', () => { log.info('Reloading'); for (const s of slots) send(s, { t: 'reload' }); });
  process.on('SIGUSR1', () => { for (const s of slots) send(s, { t: 'dump', kind: 'data' }); });
  process.on('SIGUSR2', () => { for (const s of slots) send(s, { t: 'dump', kind: 'stats' }); });
  onRawSignal(SIGFUNC.JSON!, () => { for (const s of slots) send(s, { t: 'dump', kind: 'json' }); });
  onRawSignal(SIGFUNC.STATS_CLEAR!, () => { for (const s of slots) send(s, { t: 'dump', kind: 'stats_clear' }); });

  const listen = opts.apiListen === undefined ? DEFAULT_API_LISTEN : opts.apiListen;
  if (listen) {
    try {
      api = await startApi(parseListen(listen), () => status, createMetrics(() => status), refresh);
      log.info(`status API on http://${listen}/`);
    } catch (e) {
      log.warn(`status API not started on ${listen}: ${(e as Error).message}`);
    }
  }

  for (const s of slots) start(s);
  if (slots.length === 0) { log.warn('nothing to run: no vrrp_instance and no virtual_server'); }
  return done;
}
