// Script runner for notify scripts, vrrp_script checks, FIFO readers and the like.
//
// Behaviour modelled on keepalived 2.2.7:
//   - the command is exec'd directly from its argv (no shell), see cmdline.ts for the splitting rules;
//     a file without a #! line is run by /bin/sh (libuv's execvp falls back like glibc's does);
//   - it runs as the configured uid/gid, in its own process group (so a timeout kills the whole tree);
//   - stdin/stdout/stderr go to /dev/null; IFS, LD_PRELOAD and LD_LIBRARY_PATH are removed from env;
//   - on timeout: SIGTERM to the process group, then SIGKILL after a grace period;
//   - if the daemon dies, the script gets SIGTERM (parent-death signal), so none is orphaned.
// Nothing here blocks the event loop and nothing throws into the caller: every outcome (spawn error,
// exit code, signal, timeout) is reported through the returned promise. Node reaps every child, so no
// zombie is ever left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseScriptCommand, formatCommand, type ParseResult } from './cmdline.js';
import type { ScriptUser } from './users.js';

export { parseScriptCommand, formatCommand, type ParseResult };

export interface ScriptSpec {
  argv: string[];
  /** Identity to run as; omitted = the daemon's own identity. */
  user?: ScriptUser;
}

export interface RunOptions {
  /** Kill the script after this long (ms). Omitted/0 = never (FIFO readers). */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL once a timeout or terminate() fired (default 1000 ms). */
  killGraceMs?: number;
  /** Arguments appended after the configured ones (notify's INSTANCE name STATE prio, FIFO path). */
  extraArgs?: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /**
   * Signal the script gets if the daemon dies, so nothing is orphaned (keepalived sets
   * PR_SET_PDEATHSIG=SIGTERM on every script). Default SIGTERM; null = none. Needs /usr/bin/setpriv
   * (exec'd in front of the script, same PID); without it the option is silently skipped. Through
   * setpriv an exec failure shows as exit status 127 (not found) or 126 (not executable), as a
   * shell would report it, instead of `spawnError`. The daemon must await running scripts (e.g.
   * Notifier.idle()) before a normal exit, or they get this signal.
   */
  parentDeathSignal?: NodeJS.Signals | null;
}

export interface ScriptResult {
  pid?: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Set when the program could not be started at all (ENOENT, EACCES...). */
  spawnError?: string;
  durationMs: number;
}

/** A script counts as successful only when it exited by itself with status 0. */
export function scriptSucceeded(r: ScriptResult): boolean {
  return !r.timedOut && r.spawnError === undefined && r.exitCode === 0;
}

export function describeResult(r: ScriptResult): string {
  if (r.spawnError) return `could not be started: ${r.spawnError}`;
  if (r.timedOut) return 'timed out';
  if (r.signal) return `killed by ${r.signal}`;
  return `exited with status ${r.exitCode}`;
}

const running = new Set<RunningScript>();

const SETPRIV = '/usr/bin/setpriv';
let setprivPresent: boolean | undefined;
function hasSetpriv(): boolean {
  setprivPresent ??= existsSync(SETPRIV); // checked once
  return setprivPresent;
}

function scriptEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env = { ...base };
  // Same defence in depth as keepalived: no loader or word-splitting overrides leak into scripts.
  delete env.IFS;
  delete env.LD_PRELOAD;
  delete env.LD_LIBRARY_PATH;
  return env;
}

export class RunningScript {
  readonly done: Promise<ScriptResult>;
  readonly command: string;
  private child?: ChildProcess;
  private timeout?: NodeJS.Timeout;
  private killTimer?: NodeJS.Timeout;
  private timedOut = false;
  private exited = false;
  private readonly started = Date.now();
  private readonly grace: number;

  constructor(spec: ScriptSpec, opts: RunOptions = {}) {
    const argv = [...spec.argv, ...(opts.extraArgs ?? [])];
    this.command = formatCommand(argv);
    this.grace = opts.killGraceMs ?? 1000;
    this.done = new Promise<ScriptResult>((resolve) => {
      const finish = (r: Omit<ScriptResult, 'durationMs' | 'pid'>): void => {
        if (this.exited) return;
        this.exited = true;
        clearTimeout(this.timeout);
        clearTimeout(this.killTimer);
        running.delete(this);
        resolve({ ...r, pid: this.child?.pid, durationMs: Date.now() - this.started });
      };
      if (argv.length === 0 || argv[0] === '') {
        finish({ exitCode: null, signal: null, timedOut: false, spawnError: 'empty command' });
        return;
      }
      let file = argv[0] as string;
      let args = argv.slice(1);
      const user = spec.user;
      const ids: { uid?: number; gid?: number } = {};
      // setpriv (util-linux) is exec'd in front of the script when Node alone cannot do what is
      // asked: it keeps the PID (exec, no fork), so signals and process groups work the same.
      const wrap: string[] = [];
      const setpriv = hasSetpriv();
      const deathSig = opts.parentDeathSignal === undefined ? 'SIGTERM' : opts.parentDeathSignal;
      if (deathSig && setpriv) wrap.push(`--pdeathsig=${deathSig.replace(/^SIG/, '')}`);
      if (user) {
        const myUid = process.getuid?.();
        const myGid = process.getgid?.();
        if (user.supplementaryGroups && user.supplementaryGroups.length > 0 && setpriv) {
          // Node can only clear supplementary groups (setgroups(0)); setpriv sets them.
          wrap.push(`--reuid=${user.uid}`, `--regid=${user.gid}`, `--groups=${user.supplementaryGroups.join(',')}`);
        } else {
          if (user.uid !== myUid) ids.uid = user.uid;
          if (user.gid !== myGid) ids.gid = user.gid;
        }
      }
      if (wrap.length > 0) {
        args = [...wrap, '--', file, ...args];
        file = SETPRIV;
      }
      let child: ChildProcess;
      try {
        child = spawn(file, args, {
          stdio: 'ignore',
          detached: true, // own session + process group: timeouts kill the whole tree via -pid
          env: scriptEnv(opts.env ?? process.env),
          cwd: opts.cwd ?? '/',
          ...ids,
        });
      } catch (e) {
        finish({ exitCode: null, signal: null, timedOut: false, spawnError: (e as Error).message });
        return;
      }
      this.child = child;
      running.add(this);
      child.once('error', (e: NodeJS.ErrnoException) => {
        // 'error' without a pid means the exec failed and no 'exit' follows; other errors (a failed
        // kill) are harmless because 'exit' still reports the outcome.
        if (child.pid === undefined) finish({ exitCode: null, signal: null, timedOut: false, spawnError: e.code ?? e.message });
      });
      child.once('exit', (code, signal) => {
        finish({ exitCode: code, signal, timedOut: this.timedOut });
      });
      if (opts.timeoutMs && opts.timeoutMs > 0) {
        this.timeout = setTimeout(() => {
          this.timedOut = true;
          this.terminate('SIGTERM');
        }, opts.timeoutMs);
      }
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get finished(): boolean {
    return this.exited;
  }

  private signalGroup(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.exited) return;
    try {
      process.kill(-pid, sig); // the script's own process group (detached => setsid)
    } catch {
      try { this.child?.kill(sig); } catch { /* already gone */ }
    }
  }

  /** SIGTERM (or `sig`) to the script's process group, SIGKILL after the grace period. */
  terminate(sig: NodeJS.Signals = 'SIGTERM'): Promise<ScriptResult> {
    if (!this.exited && this.child?.pid !== undefined) {
      this.signalGroup(sig);
      if (sig !== 'SIGKILL' && !this.killTimer) {
        this.killTimer = setTimeout(() => this.signalGroup('SIGKILL'), this.grace);
      }
    }
    return this.done;
  }
}

/** Start a script; the returned handle resolves `done` exactly once. */
export function startScript(spec: ScriptSpec, opts: RunOptions = {}): RunningScript {
  return new RunningScript(spec, opts);
}

/** Run a script to completion. Never rejects. */
export function runScript(spec: ScriptSpec, opts: RunOptions = {}): Promise<ScriptResult> {
  return startScript(spec, opts).done;
}

/** Scripts currently running (for shutdown and status dumps). */
export function runningScripts(): RunningScript[] {
  return [...running];
}

/** Terminate every running script (daemon shutdown); resolves when all have exited. */
export async function terminateAllScripts(sig: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  await Promise.all([...running].map((s) => s.terminate(sig)));
}
