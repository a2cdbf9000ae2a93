// Notify FIFOs: `notify_fifo`, `vrrp_notify_fifo`, `lvs_notify_fifo` (+ their `*_fifo_script`).
//
// keepalived behaviour reproduced here (verified with keepalived 2.2.7 in a network namespace):
//   - the FIFO is created with mkfifo if missing (mode 0644 less umask, chowned to the configured
//     user/group) and removed again at close only if we created it;
//   - the reader script, if configured, is started BEFORE the FIFO is opened, with the FIFO path
//     appended as its last argument, without timeout; at close it gets SIGTERM;
//   - the FIFO is opened O_RDWR|O_NONBLOCK|O_NOFOLLOW: opening never blocks (we are a reader too), lines
//     queue in the pipe until someone reads, and a full pipe drops the line instead of blocking;
//   - a path that exists but is not a FIFO owned by us or the configured user is refused;
//   - lines: `INSTANCE "VI_1" MASTER 100`, `GROUP "G1" BACKUP 0`, `INSTANCE "VI_1" MASTER_PRIORITY 105`,
//     `VS [192.0.2.1]:tcp:80 UP`, `RS [198.51.100.1]:tcp:80 [192.0.2.1]:tcp:80 DOWN`, each + "\n".
// Every line is < PIPE_BUF, so a write is atomic and whole lines never interleave.
import { constants, openSync, closeSync, writeSync, fstatSync, chownSync, unlinkSync, lstatSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startScript, type RunningScript, type ScriptSpec } from './script.js';
import type { ScriptUser } from './users.js';
import { silentLogger, type Logger } from './log.js';

const execFileP = promisify(execFile);

export type VrrpFifoKind = 'INSTANCE' | 'GROUP';
/** States and events that appear on VRRP FIFO lines. */
export type VrrpFifoEvent =
  | 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED'
  | 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

export function vrrpFifoLine(kind: VrrpFifoKind, name: string, event: VrrpFifoEvent, priority: number): string {
  return `${kind} "${name}" ${event} ${priority}\n`;
}

/** keepalived's FMT_VS/FMT_RS rendering: `[ip]:proto:port` (IPv6 too is bracketed). */
export function lvsEndpoint(ip: string, protocol: 'tcp' | 'udp' | 'sctp', port: number): string {
  return `[${ip}]:${protocol}:${port}`;
}

export function lvsVsFifoLine(vs: string, up: boolean): string {
  return `VS ${vs} ${up ? 'UP' : 'DOWN'}\n`;
}

export function lvsRsFifoLine(rs: string, vs: string, up: boolean): string {
  return `RS ${rs} ${vs} ${up ? 'UP' : 'DOWN'}\n`;
}

export interface NotifyFifoConfig {
  path: string;
  /** `notify_fifo FIFO [user [group]]`: owner of a FIFO we create. */
  owner?: ScriptUser;
  /** `*_fifo_script`: the reader, run with the FIFO path appended. */
  script?: ScriptSpec;
  /** For messages: '', 'vrrp ', 'lvs '. */
  type?: string;
}

export class NotifyFifo {
  private fd = -1;
  private created = false;
  private reader?: RunningScript;
  private dropStreak = 0;
  /** Lines written / dropped (pipe full or write error): exported as metrics by the daemon. */
  readonly stats = { written: 0, dropped: 0 };

  constructor(readonly config: NotifyFifoConfig, private readonly log: Logger = silentLogger) {}

  get isOpen(): boolean {
    return this.fd !== -1;
  }

  get readerPid(): number | undefined {
    return this.reader?.pid;
  }

  private label(): string {
    return `${this.config.type ?? ''}notify fifo ${this.config.path}`;
  }

  /** Create (if needed), start the reader script, open. Resolves false (logged) on failure; never throws. */
  async open(): Promise<boolean> {
    if (this.fd !== -1) return true;
    const { path } = this.config;
    let exists = false;
    try {
      lstatSync(path);
      exists = true;
    } catch { /* missing: create it */ }
    if (!exists) {
      const mode = (0o644 & ~process.umask()).toString(8);
      try {
        await execFileP('mkfifo', ['-m', mode, path]);
        this.created = true;
      } catch (e) {
        this.log.error(`unable to create ${this.label()}: ${(e as Error).message.trim()}`);
        return false;
      }
      const owner = this.config.owner;
      if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) {
        try { chownSync(path, owner.uid, owner.gid); } catch { this.log.warn(`failed to set uid:gid for ${this.label()}`); }
      }
    }
    if (this.config.script) {
      // No timeout; the parent-death signal (runner default) ends it if the daemon dies.
      const r = startScript(this.config.script, { extraArgs: [path] });
      this.reader = r;
      void r.done.then((res) => {
        if (this.reader === r) this.log.info(`${this.label()} script exited (${res.spawnError ?? res.signal ?? res.exitCode})`);
      });
    }
    try {
      this.fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_NOFOLLOW);
    } catch (e) {
      this.log.error(`unable to open ${this.label()}: ${(e as NodeJS.ErrnoException).code}`);
      this.cleanupAfterFailedOpen();
      return false;
    }
    const st = fstatSync(this.fd);
    const okOwner = st.uid === process.getuid?.() || st.uid === this.config.owner?.uid;
    if (!st.isFIFO() || !okOwner) {
      // An existing path could have been planted by someone else: only use a FIFO we (or the
      // configured user) own.
      this.log.error(`${this.label()} is not a fifo we own - not using`);
      closeSync(this.fd);
      this.fd = -1;
      this.cleanupAfterFailedOpen();
      return false;
    }
    return true;
  }

  private cleanupAfterFailedOpen(): void {
    if (this.created) {
      try { unlinkSync(this.config.path); } catch { /* gone */ }
      this.created = false;
    }
    void this.reader?.terminate();
    this.reader = undefined;
  }

  /** Write one complete line. Never blocks, never throws; a full pipe or error drops the line (counted). */
  write(line: string): boolean {
    if (this.fd === -1) return false;
    try {
      const buf = Buffer.from(line);
      const n = writeSync(this.fd, buf);
      if (n !== buf.length) throw Object.assign(new Error('short write'), { code: 'EAGAIN' });
      this.stats.written++;
      if (this.dropStreak > 0) {
        this.log.info(`${this.label()}: writing again after ${this.dropStreak} dropped line(s)`);
        this.dropStreak = 0;
      }
      return true;
    } catch (e) {
      this.stats.dropped++;
      // Log the first drop of a streak only: a reader that stopped must not flood the log.
      if (this.dropStreak++ === 0) {
        this.log.warn(`${this.label()}: dropped line (${(e as NodeJS.ErrnoException).code ?? 'error'}): ${line.trim()}`);
      }
      return false;
    }
  }

  /** SIGTERM the reader script (keepalived does this before writing the final STOP lines). */
  stopReader(): Promise<void> {
    const r = this.reader;
    this.reader = undefined;
    return r ? r.terminate().then(() => undefined) : Promise.resolve();
  }

  /** Unlink (if we created it) first so a looping reader cannot reopen it, then close; stops the reader. */
  async close(): Promise<void> {
    if (this.created) {
      try { unlinkSync(this.config.path); } catch { /* gone */ }
      this.created = false;
    }
    if (this.fd !== -1) {
      try { closeSync(this.fd); } catch { /* ignore */ }
      this.fd = -1;
    }
    await this.stopReader();
  }
}
