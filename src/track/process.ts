// vrrp_track_process tracker: counts running processes that match, compares with a quorum.
//
// keepalived semantics kept:
//   - exact match, never a regex: `process nginx` matches a process whose name (/proc/PID/comm, the
//     "Name:" of /proc/PID/status, at most 15 characters) is exactly "nginx"; `ssh` does not match sshd;
//   - with parameters, `param_match` or `full_command`, /proc/PID/cmdline is used instead: argv[0]
//     must equal the configured process string, and the parameters must match:
//       default / `param_match` alone   exactly the configured parameters, no more, no fewer
//                                       (so `param_match` without parameters = "no parameters");
//       param_match partial             the configured parameters are the first n, more may follow;
//       param_match initial             as partial, but the last configured one may be a prefix;
//     `full_command` alone compares argv[0] only;
//   - zombies are not counted (pgrep would count them; keepalived does not);
//   - status is OK when quorum <= count <= quorum_max;
//   - after the status would change, `fork_delay` (gaining quorum) / `terminate_delay` (losing it)
//     must elapse with the new status still true before it is reported, to ride out restarts.
// Like keepalived, changes are learnt from the kernel proc connector (proc-events.ts: fork, exec,
// comm and exit events, each re-reading only the process concerned) after one initial /proc scan,
// with a slow reconciliation rescan as a safety net. Where the connector is unavailable (no
// CAP_NET_ADMIN, or running inside a non-initial network namespace) /proc is rescanned every
// `pollIntervalMs` (default 1 s) instead, asynchronously.
import { EventEmitter } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { silentLogger, type Logger } from '../notify/log.js';
import { acquireProcConnector, releaseProcConnector, PROC_EVENT, type ProcConnector, type ProcEvent } from './proc-events.js';

export type ParamMatch = 'exact' | 'partial' | 'initial';

export interface TrackProcessConfig {
  name: string;
  /** `process CMD [params...]`: the command (name or path) */
  process: string;
  params?: string[];
  /** `param_match initial|partial`; giving it (even 'exact') with no params means "no parameters". */
  paramMatch?: ParamMatch;
  fullCommand?: boolean;
  quorum?: number;
  quorumMax?: number;
  forkDelayMs?: number;
  terminateDelayMs?: number;
  weight?: number;
  reverse?: boolean;
  /** 'auto' (default): kernel process events when available, else polling; 'poll': always poll. */
  events?: 'auto' | 'poll';
  /** Polling period without process events (default 1000 ms). */
  pollIntervalMs?: number;
  /** Safety rescan period with process events (default 30 s). */
  reconcileMs?: number;
  /** For tests: an alternative /proc (implies polling). */
  procRoot?: string;
  log?: Logger;
}

export interface ProcessInfo {
  pid: number;
  comm: string;
  argv: string[];
  zombie: boolean;
}

function usesCmdline(c: TrackProcessConfig): boolean {
  return !!c.fullCommand || (c.params !== undefined && c.params.length > 0) || c.paramMatch !== undefined;
}

/** Does one process match the configuration? Pure; keepalived's track_process.c rules. */
export function processMatches(c: TrackProcessConfig, p: ProcessInfo): boolean {
  if (p.zombie) return false;
  // The kernel name is compared exactly: a name longer than 15 characters can never match it
  // (keepalived behaves the same); use full_command for those.
  if (!usesCmdline(c)) return p.comm === c.process;
  if (p.argv.length === 0 || p.argv[0] !== c.process) return false;
  const want = c.params ?? [];
  const got = p.argv.slice(1);
  // full_command alone: argv[0] decides, parameters are not looked at.
  const mode = c.paramMatch ?? (want.length > 0 ? 'exact' : undefined);
  if (mode === undefined) return true;
  if (mode === 'exact') return got.length === want.length && want.every((w, i) => got[i] === w);
  // partial/initial: the configured parameters start the real ones, more may follow.
  if (got.length < want.length) return false;
  const last = want.length - 1;
  return want.every((w, i) => (mode === 'initial' && i === last ? (got[i] as string).startsWith(w) : got[i] === w));
}

export function quorumMet(count: number, quorum = 1, quorumMax = Infinity): boolean {
  return count >= quorum && count <= quorumMax;
}

export async function readProc(root: string, pid: number, needCmdline: boolean): Promise<ProcessInfo | undefined> {
  try {
    const stat = await readFile(`${root}/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": comm may contain spaces and parentheses, the state follows the last ')'.
    const close = stat.lastIndexOf(')');
    const open = stat.indexOf('(');
    const comm = stat.slice(open + 1, close);
    const state = stat.slice(close + 2, close + 3);
    let argv: string[] = [];
    if (needCmdline) {
      const raw = await readFile(`${root}/${pid}/cmdline`, 'utf8');
      argv = raw.split('\0');
      if (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
    }
    return { pid, comm, argv, zombie: state === 'Z' || state === 'X' };
  } catch {
    return undefined; // exited while we looked
  }
}

/** Scan /proc once and return the matching pids. */
export async function findMatchingProcesses(c: TrackProcessConfig): Promise<number[]> {
  const root = c.procRoot ?? '/proc';
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const need = usesCmdline(c);
  const out: number[] = [];
  for (const n of names) {
    if (!/^[1-9][0-9]*$/.test(n)) continue;
    const info = await readProc(root, Number(n), need);
    if (info && processMatches(c, info)) out.push(info.pid);
  }
  return out;
}

export interface TrackProcessEvents {
  change: [up: boolean, count: number];
}

export class ProcessTracker extends EventEmitter<TrackProcessEvents> {
  private status: boolean | undefined;
  private pendingUntil?: { up: boolean; timer: NodeJS.Timeout };
  private timer?: NodeJS.Timeout;
  private scanning = false;
  private running = false;
  private readonly matched = new Set<number>();
  /** Per-pid event generation: a /proc read started for an older event must not overwrite a newer one. */
  private readonly gen = new Map<number, number>();
  private buffered: ProcEvent[] = [];
  private conn?: ProcConnector;
  private readonly connListeners = {
    event: (ev: ProcEvent): void => this.onEvent(ev),
    overflow: (): void => { void this.scan(); },
    dead: (): void => this.dropConnector(),
  };
  private readonly log: Logger;

  constructor(readonly config: TrackProcessConfig) {
    super();
    this.log = config.log ?? silentLogger;
  }

  /** Quorum state; undefined before the first scan. */
  get up(): boolean | undefined {
    return this.status;
  }

  get count(): number {
    return this.matched.size;
  }

  /** 'events' when fed by the kernel proc connector, 'poll' when rescanning /proc periodically. */
  get mode(): 'events' | 'poll' {
    return this.conn ? 'events' : 'poll';
  }

  /** First scan sets the state directly (no delays), then events/polling start. Resolves the initial state. */
  async start(): Promise<boolean> {
    this.running = true;
    if ((this.config.events ?? 'auto') === 'auto' && this.config.procRoot === undefined) {
      this.conn = acquireProcConnector();
      if (this.conn) {
        // Subscribe before the first scan: events that race with it are buffered and replayed.
        this.conn.on('event', this.connListeners.event);
        this.conn.on('overflow', this.connListeners.overflow);
        this.conn.on('dead', this.connListeners.dead);
      }
    }
    await this.fullScan();
    this.status = quorumMet(this.matched.size, this.config.quorum, this.config.quorumMax);
    this.schedule();
    return this.status;
  }

  private dropConnector(): void {
    if (!this.conn) return;
    this.conn.off('event', this.connListeners.event);
    this.conn.off('overflow', this.connListeners.overflow);
    this.conn.off('dead', this.connListeners.dead);
    this.conn = undefined;
    releaseProcConnector();
    this.log.warn(`track process ${this.config.name}: process events unavailable, polling /proc`);
    clearTimeout(this.timer);
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    // With events, a slow reconciliation rescan only guards against anything missed.
    const every = this.conn ? this.config.reconcileMs ?? 30_000 : this.config.pollIntervalMs ?? 1000;
    this.timer = setTimeout(() => void this.scan(), every);
  }

  private async fullScan(): Promise<void> {
    this.scanning = true;
    this.buffered = [];
    try {
      const pids = await findMatchingProcesses(this.config);
      this.matched.clear();
      for (const p of pids) this.matched.add(p);
    } finally {
      this.scanning = false;
    }
    const replay = this.buffered;
    this.buffered = [];
    for (const ev of replay) this.onEvent(ev);
  }

  /** One full rescan + state evaluation (periodic, after event loss, and for tests); never throws. */
  async scan(): Promise<void> {
    if (this.scanning || !this.running) return;
    try {
      await this.fullScan();
      if (this.running) this.evaluate(quorumMet(this.matched.size, this.config.quorum, this.config.quorumMax));
    } finally {
      clearTimeout(this.timer);
      this.schedule();
    }
  }

  private onEvent(ev: ProcEvent): void {
    if (!this.running) return;
    if (this.scanning) {
      this.buffered.push(ev);
      return;
    }
    if (ev.pid !== ev.tgid) return; // a thread, not a process
    const pid = ev.pid;
    if (ev.what === PROC_EVENT.EXIT) {
      this.gen.delete(pid);
      if (this.matched.delete(pid)) this.evaluate(quorumMet(this.matched.size, this.config.quorum, this.config.quorumMax));
      return;
    }
    // fork (a new process), exec or a name change: look at the process again.
    const g = (this.gen.get(pid) ?? 0) + 1;
    this.gen.set(pid, g);
    const root = this.config.procRoot ?? '/proc';
    void readProc(root, pid, usesCmdline(this.config)).then((info) => {
      if (!this.running || this.gen.get(pid) !== g) return;
      this.gen.delete(pid);
      const matches = info !== undefined && processMatches(this.config, info);
      const changed = matches ? !this.matched.has(pid) && !!this.matched.add(pid) : this.matched.delete(pid);
      if (changed) this.evaluate(quorumMet(this.matched.size, this.config.quorum, this.config.quorumMax));
    });
  }

  private evaluate(now: boolean): void {
    if (now === this.status) {
      // Back to the reported state before the delay ran out: a bounce, forget it.
      if (this.pendingUntil) {
        clearTimeout(this.pendingUntil.timer);
        this.pendingUntil = undefined;
      }
      return;
    }
    if (this.pendingUntil?.up === now) return; // already waiting for this change
    const delay = now ? this.config.forkDelayMs ?? 0 : this.config.terminateDelayMs ?? 0;
    if (delay <= 0) {
      this.commit(now);
      return;
    }
    if (this.pendingUntil) clearTimeout(this.pendingUntil.timer);
    this.pendingUntil = {
      up: now,
      timer: setTimeout(() => {
        this.pendingUntil = undefined;
        // Re-check after the delay: only a status that still holds is reported.
        const check = this.conn ? Promise.resolve() : this.fullScan();
        void check.then(() => {
          if (!this.running) return;
          const still = quorumMet(this.matched.size, this.config.quorum, this.config.quorumMax);
          if (still === now && still !== this.status) this.commit(still);
        });
      }, delay),
    };
  }

  private commit(up: boolean): void {
    this.status = up;
    this.log.info(`Quorum ${up ? 'gained' : 'lost'} for tracked process ${this.config.name} (${this.matched.size} running)`);
    this.emit('change', up, this.matched.size);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    if (this.pendingUntil) clearTimeout(this.pendingUntil.timer);
    this.pendingUntil = undefined;
    if (this.conn) {
      this.conn.off('event', this.connListeners.event);
      this.conn.off('overflow', this.connListeners.overflow);
      this.conn.off('dead', this.connListeners.dead);
      this.conn = undefined;
      releaseProcConnector();
    }
  }
}
