// Notify dispatcher for one VRRP instance or sync group: notify_master/backup/fault/stop/deleted,
// notify_master_rx_lower_pri, the generic `notify` (with keepalived's 4 appended arguments),
// notify_priority_changes, notify FIFOs and SMTP alerts.
//
// What keepalived 2.2.7 does (recorded in a network namespace) and we reproduce:
//   - on a transition the FIFO line is written first, then the specific notify_<state> script is
//     started, then the generic `notify` script with `INSTANCE|GROUP <name> <STATE> <priority>` appended;
//   - the generic script also gets STOP (instances, at shutdown) and DELETED (removed by reload when
//     notify_deleted is configured); sync groups report priority 0;
//   - FIFO-only events: `MASTER_RX_LOWER_PRI` (plus its own script), `MASTER_PRIORITY` / `BACKUP_PRIORITY`
//     when notify_priority_changes is set and the effective priority changes in MASTER / BACKUP;
//   - SMTP alerts for MASTER/BACKUP/FAULT when smtp_alert is enabled.
// Deliberate improvement: keepalived forks every notify script immediately, so the scripts of
// successive transitions can run concurrently and finish out of order (issues #1055, #996, #584).
// Here the scripts of one instance/group go through a serial queue: a script starts only after the
// previous one exited (or was killed at its timeout), so they always run in transition order.
import { SerialQueue } from './serial-queue.js';
import { runScript, describeResult, type ScriptSpec, type ScriptResult } from './script.js';
import { vrrpFifoLine, type NotifyFifo, type VrrpFifoKind, type VrrpFifoEvent } from './fifo.js';
import type { Mailer } from './mail.js';
import { silentLogger, type Logger } from './log.js';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'DELETED';

export interface NotifyScripts {
  master?: ScriptSpec;
  backup?: ScriptSpec;
  fault?: ScriptSpec;
  stop?: ScriptSpec;
  deleted?: ScriptSpec;
  masterRxLowerPri?: ScriptSpec;
  /** Generic `notify`: receives the 4 extra arguments. */
  notify?: ScriptSpec;
}

export interface NotifierConfig {
  kind: VrrpFifoKind;
  name: string;
  scripts?: NotifyScripts;
  /** `notify_priority_changes` (instance/group) or the global `vrrp_notify_priority_changes`. */
  notifyPriorityChanges?: boolean;
  /** FIFOs that receive this object's lines (global `notify_fifo` and `vrrp_notify_fifo`). */
  fifos?: NotifyFifo[];
  /** Mailer and whether `smtp_alert` is in effect for this object. */
  mailer?: Mailer;
  smtpAlert?: boolean;
  /** Global `no_email_faults`: no alert for FAULT transitions. */
  noEmailFaults?: boolean;
  /**
   * Kill a notify script that is still running after this long, so that a hung script cannot stall
   * the queue forever (keepalived has no notify timeout; default 60 s, 0 = never).
   */
  scriptTimeoutMs?: number;
  log?: Logger;
}

export interface NotifyRecord {
  script: keyof NotifyScripts;
  state: NotifyState | 'MASTER_RX_LOWER_PRI';
  result: ScriptResult;
}

const STATE_SCRIPT: Record<NotifyState, keyof NotifyScripts> = {
  MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop', DELETED: 'deleted',
};

export class Notifier {
  private readonly queue = new SerialQueue();
  private readonly log: Logger;
  private lastPriority?: number;
  private lastEmailState?: NotifyState;
  private readonly mailsInFlight = new Set<Promise<void>>();
  /** Counters for metrics/status. */
  readonly stats = { scriptsRun: 0, scriptsFailed: 0, fifoLines: 0 };
  /** Optional observer for each finished script (status dumps, tests). */
  onScriptDone?: (r: NotifyRecord) => void;

  constructor(readonly config: NotifierConfig) {
    this.log = config.log ?? silentLogger;
  }

  private fifo(event: VrrpFifoEvent, priority: number): void {
    const line = vrrpFifoLine(this.config.kind, this.config.name, event, priority);
    for (const f of this.config.fifos ?? []) if (f.write(line)) this.stats.fifoLines++;
  }

  private enqueue(which: keyof NotifyScripts, state: NotifyRecord['state'], extraArgs?: string[]): void {
    const spec = this.config.scripts?.[which];
    if (!spec) return;
    const timeoutMs = this.config.scriptTimeoutMs ?? 60_000;
    const label = `(${this.config.name}) notify ${which === 'notify' ? '' : which + ' '}script`;
    this.queue.push(async () => {
      const result = await runScript(spec, { timeoutMs, extraArgs });
      this.stats.scriptsRun++;
      if (result.exitCode !== 0) {
        this.stats.scriptsFailed++;
        this.log.warn(`${label} ${describeResult(result)}`);
      }
      this.onScriptDone?.({ script: which, state, result });
    });
  }

  /** A state transition of the instance/group (priority: the effective priority; groups pass 0). */
  stateChanged(state: NotifyState, priority: number): void {
    this.fifo(state, priority);
    this.enqueue(STATE_SCRIPT[state], state);
    this.enqueue('notify', state, [this.config.kind, this.config.name, state, String(priority)]);
    this.lastPriority = priority;
    const mailable = state === 'MASTER' || state === 'BACKUP' || (state === 'FAULT' && !this.config.noEmailFaults);
    // keepalived remembers the state it last mailed about and never mails the same state twice in a row.
    if (this.config.smtpAlert && this.config.mailer && mailable && state !== this.lastEmailState) {
      this.lastEmailState = state;
      const sending = this.config.mailer.vrrpAlert(this.config.kind, this.config.name, state).then(() => {
        this.mailsInFlight.delete(sending);
      });
      this.mailsInFlight.add(sending);
    }
  }

  /**
   * The effective priority changed; reported (FIFO) only in MASTER/BACKUP with notify_priority_changes,
   * and only when it differs from the last priority seen (transition or previous change).
   */
  priorityChanged(priority: number, state: NotifyState): void {
    // Only real changes are reported, whatever the caller's update rate.
    if (priority === this.lastPriority) return;
    this.lastPriority = priority;
    if (!this.config.notifyPriorityChanges) return;
    if (state === 'MASTER') this.fifo('MASTER_PRIORITY', priority);
    else if (state === 'BACKUP') this.fifo('BACKUP_PRIORITY', priority);
  }

  /** A master received an advert with lower priority (cloud setups re-assert their external state). */
  masterRxLowerPri(priority: number): void {
    this.fifo('MASTER_RX_LOWER_PRI', priority);
    this.enqueue('masterRxLowerPri', 'MASTER_RX_LOWER_PRI');
  }

  /** Resolves when every queued script has finished and every alert mail was handed over or failed
   *  (shutdown waits for notify_stop this way). */
  async idle(): Promise<void> {
    await Promise.all([this.queue.idle(), ...this.mailsInFlight]);
  }

  get pendingScripts(): number {
    return this.queue.pending + (this.queue.busy ? 1 : 0);
  }
}
