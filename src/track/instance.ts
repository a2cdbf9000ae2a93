// Per-instance (or sync group) tracking: binds tracker objects to one VRRP instance with the weights
// it configured, recomputes the effective priority on every tracker change, and emits 'change' only
// when the priority or the FAULT verdict actually changed. The state machine subscribes to this and
// to nothing else.
//
// Sources are duck-typed so that any tracker fits: the vrrp_script / track_process trackers expose
// `up` and emit 'change'; the track_file tracker exposes `value`; interface and BFD states, owned by
// other layers, are pushed in with setUp(). One tracker object may be shared by many instances (as
// keepalived shares a vrrp_script), each binding with its own weight.
import { EventEmitter } from 'node:events';
import { effectivePriority, type EffectivePriority, type TrackerState } from './priority.js';

// Listener arguments differ per tracker and are not used here, hence `any[]`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyListener = (...args: any[]) => void;
export interface ChangeEmitter {
  on(event: 'change', listener: AnyListener): unknown;
  off(event: 'change', listener: AnyListener): unknown;
}
export interface BinarySource extends ChangeEmitter { readonly up: boolean | undefined }
export interface ValueSource extends ChangeEmitter { readonly value: number }

export type TrackBinding =
  | { kind: 'script' | 'process'; name: string; source: BinarySource; weight: number; reverse?: boolean }
  | { kind: 'file'; name: string; source: ValueSource; weight: number; reverse?: boolean }
  /** Pushed by another layer through setUp(); starts as `up` (undefined = unknown, no effect). */
  | { kind: 'interface' | 'bfd'; name: string; up?: boolean; weight: number; reverse?: boolean };

export type Combiner = (base: number, trackers: readonly TrackerState[]) => EffectivePriority;

export interface InstanceTrackingOptions {
  /**
   * Sync-group member without `sync_group_tracking_weight`: keepalived ignores the weights of its
   * trackers (only weight-0 FAULT tracking remains) - issue #2105.
   */
  ignoreWeights?: boolean;
  /** Alternative combiner with the same contract (e.g. the state machine's own). */
  combine?: Combiner;
}

export interface InstanceTrackingEvents {
  change: [now: EffectivePriority, before: EffectivePriority];
}

export class InstanceTracking extends EventEmitter<InstanceTrackingEvents> {
  private readonly pushed = new Map<string, boolean | undefined>();
  private readonly unsubscribe: Array<() => void> = [];
  private last: EffectivePriority;
  private readonly combine: Combiner;

  constructor(private base: number, private readonly bindings: readonly TrackBinding[], private readonly opts: InstanceTrackingOptions = {}) {
    super();
    this.combine = opts.combine ?? effectivePriority;
    for (const b of bindings) {
      if (!('source' in b)) {
        this.pushed.set(`${b.kind}:${b.name}`, b.up);
        continue;
      }
      const src: ChangeEmitter = b.source;
      const listener = (): void => this.recompute();
      src.on('change', listener);
      this.unsubscribe.push(() => src.off('change', listener));
    }
    this.last = this.compute();
  }

  private states(): TrackerState[] {
    const weightOf = (w: number): number => (this.opts.ignoreWeights ? 0 : w);
    const out: TrackerState[] = [];
    for (const b of this.bindings) {
      if (this.opts.ignoreWeights && b.weight !== 0) continue; // weighted tracker ignored entirely
      const common = { name: b.name, weight: weightOf(b.weight), reverse: b.reverse };
      if (!('source' in b)) out.push({ kind: b.kind, up: this.pushed.get(`${b.kind}:${b.name}`), ...common });
      else if (b.kind === 'file') out.push({ kind: 'file', value: b.source.value, ...common });
      else out.push({ kind: b.kind, up: b.source.up, ...common });
    }
    return out;
  }

  private compute(): EffectivePriority {
    return this.combine(this.base, this.states());
  }

  /** The current verdict. */
  get current(): EffectivePriority {
    return this.last;
  }

  /** Interface or BFD state reported by its owner (LinkMonitor, BFD engine). */
  setUp(kind: 'interface' | 'bfd', name: string, up: boolean | undefined): void {
    const key = `${kind}:${name}`;
    if (!this.pushed.has(key) || this.pushed.get(key) === up) return;
    this.pushed.set(key, up);
    this.recompute();
  }

  /** New base priority (reload). */
  setBase(base: number): void {
    if (base === this.base) return;
    this.base = base;
    this.recompute();
  }

  /** Re-evaluate now (also called by every bound tracker's 'change'). */
  recompute(): void {
    const now = this.compute();
    const before = this.last;
    if (now.priority === before.priority && now.fault === before.fault) {
      this.last = now; // keep faultBy/total fresh without an event
      return;
    }
    this.last = now;
    this.emit('change', now, before);
  }

  /** Detach from the tracker objects (they may be shared and keep running). */
  dispose(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.removeAllListeners();
  }
}
