// vrrp_script tracker: runs a check script every `interval`, kills it at `timeout`, and turns the
// outcomes into up/down with keepalived's rise/fall rules (see rise-fall.ts).
//
// Scheduling follows keepalived: a run starts every interval; if the previous run is still going
// when the next is due, that run is skipped (logged), never stacked. A run that times out counts
// as a failure (the script's process group gets SIGTERM, then SIGKILL). Exit status 0 = success.
import { EventEmitter } from 'node:events';
import { startScript, describeResult, scriptSucceeded, type RunningScript, type ScriptSpec, type ScriptResult } from '../notify/script.js';
import { RiseFallCounter, type ScriptState } from './rise-fall.js';
import { silentLogger, type Logger } from '../notify/log.js';

export interface VrrpScriptConfig {
  name: string;
  script: ScriptSpec;
  /** `interval` seconds -> ms (default 1000). */
  intervalMs?: number;
  /** `timeout` seconds -> ms (default: the interval). */
  timeoutMs?: number;
  rise?: number;
  fall?: number;
  /** `init_fail`: start in the failed state. */
  initFail?: boolean;
  /** `weight` and `reverse`: carried for the priority combiner; not used by the tracker itself. */
  weight?: number;
  reverse?: boolean;
  log?: Logger;
}

export interface VrrpScriptEvents {
  change: [state: ScriptState, previous: ScriptState];
  result: [result: ScriptResult];
}

export class VrrpScriptTracker extends EventEmitter<VrrpScriptEvents> {
  private readonly counter: RiseFallCounter;
  private timer?: NodeJS.Timeout;
  private current?: RunningScript;
  private stopped = true;
  private readonly log: Logger;
  readonly stats = { runs: 0, failures: 0, timeouts: 0, skipped: 0 };

  constructor(readonly config: VrrpScriptConfig) {
    super();
    this.counter = new RiseFallCounter(config.rise ?? 1, config.fall ?? 1, config.initFail ?? false);
    this.log = config.log ?? silentLogger;
  }

  get state(): ScriptState {
    return this.counter.state;
  }

  /** up as the priority combiner wants it: undefined while no result yet. */
  get up(): boolean | undefined {
    const s = this.counter.state;
    return s === 'unknown' ? undefined : s === 'up';
  }

  get intervalMs(): number {
    return this.config.intervalMs ?? 1000;
  }

  /** Start checking now; the first run happens immediately. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
    if (this.current) {
      this.stats.skipped++;
      this.log.warn(`track script ${this.config.name} is still running - skipping this run`);
      return;
    }
    this.runOnce();
  }

  private runOnce(): void {
    // keepalived: SIGTERM at the timeout, SIGKILL 2 s later; a killed run counts as a failure.
    const run = startScript(this.config.script, { timeoutMs: this.config.timeoutMs ?? this.intervalMs, killGraceMs: 2000 });
    this.current = run;
    void run.done.then((res) => {
      if (this.current === run) this.current = undefined;
      if (this.stopped) return;
      this.stats.runs++;
      const ok = scriptSucceeded(res);
      if (!ok) this.stats.failures++;
      if (res.timedOut) this.stats.timeouts++;
      this.emit('result', res);
      const prev = this.counter.state;
      const changed = this.counter.record(ok);
      if (changed) {
        this.log.info(changed === 'up'
          ? `VRRP_Script(${this.config.name}) succeeded`
          : `VRRP_Script(${this.config.name}) failed (${describeResult(res)})`);
        this.emit('change', changed, prev);
      }
    });
  }

  /** Stop scheduling and kill a running check; resolves when it is gone. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const c = this.current;
    this.current = undefined;
    if (c) await c.terminate();
  }
}
