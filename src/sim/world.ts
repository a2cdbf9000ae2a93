// The deterministic multi-node simulator: N nodes run the real VRRP state machine (or an engine injected
// by a test) on a simulated L2 segment with a virtual clock and one event queue. Faults come from the
// scenario plan; packet fate (loss, duplication, delay, reordering) from a PRNG seeded by the scenario
// seed. Same seed ⇒ same trace (the run's trace hash proves it).
import {
  createInstance, step, TIMER_NAMES,
  type Action, type FsmEvent, type InstanceConfig, type InstanceState, type StepResult, type TimerName, type VrrpState,
} from '../vrrp/fsm.js';
import { trackedPriority, type TrackerStatus } from '../vrrp/priority.js';
import type { Advert } from '../vrrp/types.js';
import { EventHeap, type Timed } from './heap.js';
import { Prng } from './prng.js';
import { makeScenario, type Fault, type Scenario, type ScenarioOptions } from './scenario.js';
import { Monitor, type Violation } from './invariants.js';
import { createSyncGroup, observe, type SyncGroupState } from '../vrrp/sync.js';

/** The state machine under test. Tests inject deliberately broken engines through this seam. */
export interface Engine {
  create(cfg: InstanceConfig, trackers: readonly TrackerStatus[]): InstanceState;
  step(s: InstanceState, ev: FsmEvent, now: number): StepResult;
}

export const realEngine: Engine = { create: createInstance, step };

type QEvent = Timed & (
  | { k: 'deliver'; node: number; advert: Advert; src: string }
  | { k: 'timer'; node: number; timer: TimerName; token: number; due: number }
  | { k: 'fault'; fault: Fault }
);

type QEventNoSeq = QEvent extends infer E ? (E extends unknown ? Omit<E, 'seq'> : never) : never;

export class SimNode {
  cfg: InstanceConfig;
  inst: InstanceState | null = null; // null: host crashed (or not yet started)
  trackers: TrackerStatus[];
  readonly trackerDown: number[];
  ifDown = 0;
  pauseId = 0; // non-zero while paused (the pause fault that froze us)
  deferred: Array<() => void> = []; // what reached us while paused, in arrival order
  downBy = 0; // id of the crash/shutdown fault that took us down
  readonly timerTok: Record<TimerName, number>;
  readonly vips = new Set<string>();
  /** VIPs of the configuration the process has actually loaded (a reload waits while paused). */
  loadedVips: readonly string[] = [];
  // History the invariants need (virtual ms).
  stateSince = 0;
  masterSince = Infinity;
  leftMasterAt = -Infinity;
  pauseTouchedAt = 0; // last pause start or end
  prioTouchedAt = 0; // last change of the effective priority
  lastResetRxAt = -Infinity; // last advert that a backup must accept as "master alive"
  /**
   * A timer armed while the priority was lower can still run with that priority's longer Skew_Time
   * (RFC: a running Master_Down_Timer is not recomputed on priority changes). lowPrio is the lowest
   * pastPrios holds each earlier priority and the latest time a timer computed from it can fire.
   */
  readonly pastPrios: Array<{ prio: number; until: number }> = [];
  generation = 0; // incremented per process start
  /** Members of our sync group on this host (including us), or just us. */
  syncPeers: SimNode[] = [this];
  syncGroup = -1;
  label: string;

  constructor(readonly id: number, readonly host: number, readonly addr: string, cfg: InstanceConfig, trackers: TrackerStatus[]) {
    this.label = `n${host}`;
    this.cfg = cfg;
    this.trackers = trackers.map((t) => ({ ...t }));
    this.trackerDown = trackers.map(() => 0);
    this.timerTok = Object.fromEntries(TIMER_NAMES.map((n) => [n, 0])) as Record<TimerName, number>;
  }

  get running(): boolean {
    return this.inst !== null && this.inst.state !== 'STOP';
  }

  get paused(): boolean {
    return this.pauseId !== 0;
  }

  /** Ground truth, independent of the engine: could this node take part in the election now? */
  get eligible(): boolean {
    return this.running && !this.paused && this.ifDown === 0 && !this.syncPeers.some((p) => p.trackerFault);
  }

  /** Recomputed by the world whenever a tracker changes. */
  trackerFault = false;

  get state(): VrrpState | 'DOWN' {
    return this.inst ? this.inst.state : 'DOWN';
  }
}

export interface SimOptions extends ScenarioOptions {
  seed: number;
  engine?: Engine;
  traceTail?: number; // lines of trace kept for violation reports (default 30)
  maxViolations?: number; // stop after this many (default 5)
}

export interface SimResult {
  seed: number;
  summary: string;
  steps: number;
  transitions: number;
  adverts: number;
  violations: Violation[];
  traceHash: number;
  evaluated: Monitor['evaluated'];
}

export class World {
  readonly nodes: SimNode[];
  readonly heap = new EventHeap<QEvent>();
  readonly net: Prng;
  readonly blocked: number[][]; // blocked[fromHost][toHost] > 0: packets from→to are dropped
  readonly linkTouchedAt: number[][];
  readonly lossActive: number[] = [];
  readonly dupActive: number[] = [];
  readonly delayActive: number[] = [];
  netTouchedAt = 0; // last change of loss/delay
  delayedUntil = 0; // arrival time of the last packet sent with extra (fault) delay
  lastDisruption = 0;
  now = 0;
  seq = 0;
  steps = 0;
  transitions = 0;
  adverts = 0;
  traceHash = 0x811c9dc5;
  private readonly trace: string[] = [];
  private traceAt = 0;
  readonly monitor: Monitor;
  readonly hostMembers: SimNode[][];
  private readonly groups: SyncGroupState[];

  constructor(readonly scenario: Scenario, readonly engine: Engine, readonly traceTail: number, maxViolations: number) {
    this.net = new Prng((scenario.seed ^ 0x5bd1e995) >>> 0);
    this.nodes = scenario.nodes.map((s, i) => new SimNode(i, s.host, s.cfg.primaryAddress, s.cfg, s.trackers));
    this.hostMembers = Array.from({ length: scenario.hosts }, (_, h) => this.nodes.filter((x) => x.host === h));
    this.groups = scenario.syncGroups.map((members) => createSyncGroup('SG', members.map(String)));
    scenario.syncGroups.forEach((members, g) => {
      const peers = members.map((i) => this.nodes[i]!);
      for (const p of peers) {
        p.syncPeers = peers;
        p.syncGroup = g;
        p.label = `n${p.host}.${p.cfg.vrid}`;
      }
    });
    const n = scenario.hosts;
    this.blocked = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    this.linkTouchedAt = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    this.monitor = new Monitor(this, maxViolations);
  }

  get lossP(): number { return this.lossActive.length ? Math.max(...this.lossActive) : 0; }
  get dupP(): number { return this.dupActive.length ? Math.max(...this.dupActive) : 0; }
  get extraDelayMs(): number { return this.delayActive.length ? Math.max(...this.delayActive) : 0; }

  private push(e: QEventNoSeq): void {
    this.heap.push({ ...e, seq: this.seq++ } as QEvent);
  }

  log(line: string): void {
    const s = `t=${(this.now / 1000).toFixed(4)} #${this.steps} ${line}`;
    if (this.trace.length < this.traceTail) this.trace.push(s);
    else {
      this.trace[this.traceAt] = s;
      this.traceAt = (this.traceAt + 1) % this.traceTail;
    }
  }

  traceTailLines(): string[] {
    return [...this.trace.slice(this.traceAt), ...this.trace.slice(0, this.traceAt)];
  }

  private hash(...xs: number[]): void {
    let h = this.traceHash;
    for (const x of xs) {
      h ^= x & 0xffffffff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    this.traceHash = h;
  }

  run(): SimResult {
    this.startProcesses(this.nodes);
    for (const pf of this.scenario.faults) this.push({ t: pf.t, k: 'fault', fault: pf.fault });
    const end = this.scenario.seconds * 1000;
    this.monitor.check();
    for (;;) {
      const e = this.heap.pop();
      if (!e || e.t > end) break;
      this.now = e.t;
      this.steps++;
      this.dispatch(e);
      this.monitor.check();
      if (this.monitor.full) break;
    }
    return {
      seed: this.scenario.seed, summary: this.scenario.summary, steps: this.steps, transitions: this.transitions,
      adverts: this.adverts, violations: this.monitor.violations, traceHash: this.traceHash, evaluated: this.monitor.evaluated,
    };
  }

  private dispatch(e: QEvent): void {
    if (e.k === 'fault') {
      this.applyFault(e.fault);
      return;
    }
    const n = this.nodes[e.node]!;
    if (!n.inst) return; // crashed: packets and timers vanish
    if (n.paused) {
      n.deferred.push(() => this.dispatch(e));
      return;
    }
    if (e.k === 'timer') {
      if (n.timerTok[e.timer] !== e.token) return;
      n.timerTok[e.timer] = 0;
      this.feed(n, { type: 'timer-fired', timer: e.timer, due: e.due });
    } else {
      if (n.ifDown > 0) return;
      const inst = n.inst;
      const p = e.advert.priority;
      if (inst.state === 'BACKUP' && p > 0 && (n.cfg.preemptDelayMs > 0 || p >= inst.priority || !preemptsCfg(n.cfg))) n.lastResetRxAt = this.now;
      this.hash(1, e.node, p, this.now * 1000);
      this.log(`${n.label} rx advert p=${p} int=${e.advert.advertIntCs} from ${e.src}`);
      this.feed(n, { type: 'advert-received', advert: e.advert, src: e.src });
    }
  }

  /** Run one fsm step on a node and carry out its actions. */
  feed(n: SimNode, ev: FsmEvent): void {
    if (!n.inst) return;
    if (n.paused) {
      // Events that reach a stalled process (signals, tracker results) wait until it runs again.
      n.deferred.push(() => this.feed(n, ev));
      return;
    }
    const before = n.inst;
    const r = this.engine.step(before, ev, this.now);
    n.inst = r.state;
    if (ev.type === 'reload') n.loadedVips = ev.config.vips;
    if (r.state.priority !== before.priority) {
      n.prioTouchedAt = this.now;
      const now = this.now;
      for (let i = n.pastPrios.length - 1; i >= 0; i--) if (n.pastPrios[i]!.until < now) n.pastPrios.splice(i, 1);
      n.pastPrios.push({ prio: before.priority, until: now + this.monitor.maxTimerMs(n, before.priority) });
    }
    this.monitor.beforeActions(n, before, r, ev);
    for (const a of r.actions) this.act(n, before, a);
    if (before.state !== r.state.state) {
      this.transitions++;
      n.stateSince = this.now;
      if (r.state.state === 'MASTER') n.masterSince = this.now;
      if (before.state === 'MASTER') {
        n.masterSince = Infinity;
        n.leftMasterAt = this.now;
      }
      this.hash(2, n.id, stateCode(r.state.state), this.now * 1000);
      this.log(`${n.label} ${before.state} -> ${r.state.state} (prio ${r.state.priority}) on ${ev.type}${ev.type === 'timer-fired' ? ':' + ev.timer : ''}`);
    }
    this.monitor.afterStep(n, before, r);
    if (n.syncGroup >= 0) {
      const o = observe(this.groups[n.syncGroup]!, String(n.id), r.state);
      this.groups[n.syncGroup] = o.group;
      for (const d of o.directives) this.feed(this.nodes[Number(d.member)]!, { type: 'sync', directive: d.directive });
    }
  }

  private act(n: SimNode, before: InstanceState, a: Action): void {
    switch (a.type) {
      case 'send-advert':
        this.broadcast(n, a.priority);
        return;
      case 'add-vips':
        for (const v of a.vips) n.vips.add(v);
        return;
      case 'remove-vips':
        for (const v of a.vips) n.vips.delete(v);
        return;
      case 'set-timer': {
        const token = this.seq + 1;
        n.timerTok[a.timer] = token;
        this.heap.push({ t: Math.max(a.due, this.now), seq: this.seq++, k: 'timer', node: n.id, timer: a.timer, token, due: a.due } as QEvent);
        return;
      }
      case 'cancel-timer':
        n.timerTok[a.timer] = 0;
        return;
      case 'notify':
        this.monitor.onNotify(n, a.from, a.to);
        return;
      case 'send-garp':
        if (n.ifDown === 0) this.monitor.onGarp(n, a.vips, a.count, a.reason);
        return;
      default:
        return; // logs, priority notifications: nothing to simulate
    }
    void before;
  }

  private broadcast(n: SimNode, priority: number): void {
    if (n.ifDown > 0) return;
    this.adverts++;
    this.monitor.onAdvertSent(n, priority);
    this.hash(3, n.id, priority, this.now * 1000);
    this.log(`${n.label} tx advert p=${priority}`);
    const advert: Advert = {
      version: n.cfg.version, type: 1, vrid: n.cfg.vrid, priority, advertIntCs: n.cfg.advertIntCs,
      authType: 0, checksum: 0, family: n.cfg.family, addrs: [...n.cfg.vips],
    };
    const [dmin, dmax] = this.scenario.baseDelayMs;
    const loss = this.lossP;
    const dup = this.dupP;
    const extra = this.extraDelayMs;
    for (const r of this.nodes) {
      if (r.host === n.host || r.cfg.vrid !== n.cfg.vrid || this.blocked[n.host]![r.host]! > 0) continue;
      if (loss > 0 && this.net.chance(loss)) continue;
      const copies = dup > 0 && this.net.chance(dup) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const d = this.net.range(dmin, dmax) + (extra > 0 ? this.net.range(0, extra) : 0);
        if (extra > 0 && this.now + d > this.delayedUntil) this.delayedUntil = this.now + d;
        this.push({ t: this.now + d, k: 'deliver', node: r.id, advert, src: n.addr });
      }
    }
  }

  /** Start the processes of several instances: all exist before any starts (sync directives need them). */
  private startProcesses(ns: SimNode[]): void {
    for (const n of ns) this.createProcess(n);
    for (const n of ns) this.bootProcess(n);
  }

  private createProcess(n: SimNode): void {
    n.inst = this.engine.create(n.cfg, n.trackers.map((t) => ({ ...t })));
    n.loadedVips = n.cfg.vips;
    n.pauseId = 0;
    n.deferred = [];
    n.vips.clear();
    for (const t of TIMER_NAMES) n.timerTok[t] = 0;
    n.generation++;
    n.stateSince = this.now;
    n.masterSince = Infinity;
    n.prioTouchedAt = this.now;
    n.lastResetRxAt = -Infinity;
    this.monitor.onNewProcess(n);
  }

  private bootProcess(n: SimNode): void {
    this.feed(n, { type: 'tracker-changed', trackers: n.trackers.map((t) => ({ ...t })) });
    if (n.ifDown > 0) this.feed(n, { type: 'interface', up: false });
    this.feed(n, { type: 'start' });
  }

  private applyFault(f: Fault): void {
    this.lastDisruption = this.now;
    this.hash(4, faultCode(f), this.now * 1000);
    this.log(`FAULT ${JSON.stringify(f)}`);
    const members = 'node' in f ? this.hostMembers[f.node] ?? [] : [];
    switch (f.f) {
      case 'crash':
        for (const n of members) {
          if (n.downBy !== 0 || !n.inst) continue;
          n.downBy = f.id;
          if (n.inst.state === 'MASTER') n.leftMasterAt = this.now;
          n.inst = null;
          n.masterSince = Infinity;
          n.pauseId = 0;
          n.pauseTouchedAt = this.now;
          n.deferred = [];
          n.vips.clear(); // the host went down with its addresses
          for (const t of TIMER_NAMES) n.timerTok[t] = 0;
        }
        return;
      case 'shutdown':
        for (const n of members) {
          if (n.downBy !== 0 || !n.inst) continue;
          n.downBy = f.id;
          this.feed(n, { type: 'shutdown' });
        }
        return;
      case 'restart': {
        const starting = members.filter((n) => n.downBy === f.id);
        for (const n of starting) {
          n.downBy = 0;
          if (n.inst?.state === 'MASTER') n.leftMasterAt = this.now; // a stalled process killed by the supervisor
          n.pauseTouchedAt = this.now;
          if (n.syncGroup >= 0) this.groups[n.syncGroup] = createSyncGroup('SG', n.syncPeers.map((p) => String(p.id)));
        }
        this.startProcesses(starting);
        return;
      }
      case 'pause':
        for (const n of members) {
          if (!n.inst) continue;
          n.pauseId = ++this.seq;
          n.pauseTouchedAt = this.now;
        }
        return;
      case 'resume': {
        const resuming = members.filter((n) => n.paused);
        for (const n of resuming) {
          n.pauseId = 0;
          n.pauseTouchedAt = this.now;
        }
        // Flush what piled up, in arrival order, all at the (late) resume time.
        for (const n of resuming) {
          const queued = n.deferred;
          n.deferred = [];
          for (const run of queued) run();
        }
        return;
      }
      case 'partition':
      case 'heal-partition': {
        const d = f.f === 'partition' ? 1 : -1;
        const inSide = new Set(f.side);
        for (let a = 0; a < this.scenario.hosts; a++) for (let b = 0; b < this.scenario.hosts; b++) {
          if (inSide.has(a) !== inSide.has(b)) {
            this.blocked[a]![b]! += d;
            this.linkTouchedAt[a]![b] = this.now;
          }
        }
        return;
      }
      case 'block':
      case 'unblock':
        this.blocked[f.from]![f.to]! += f.f === 'block' ? 1 : -1;
        this.linkTouchedAt[f.from]![f.to] = this.now;
        return;
      case 'loss': toggle(this.lossActive, f.p, f.on); this.netTouchedAt = this.now; return;
      case 'dup': toggle(this.dupActive, f.p, f.on); return;
      case 'delay': toggle(this.delayActive, f.extraMs, f.on); this.netTouchedAt = this.now; return;
      case 'tracker': {
        const n = this.nodes[f.node]!;
        n.trackerDown[f.which]! += f.up ? -1 : 1;
        const t = n.trackers[f.which]!;
        if (t.kind === 'updown') t.up = n.trackerDown[f.which] === 0;
        n.trackerFault = trackedPriority(n.cfg.priority, n.trackers).fault;
        this.feed(n, { type: 'tracker-changed', trackers: n.trackers.map((x) => ({ ...x })) });
        return;
      }
      case 'iface':
        for (const n of members) {
          n.ifDown += f.up ? -1 : 1;
          if ((n.ifDown === 0) === f.up) this.feed(n, { type: 'interface', up: f.up });
        }
        return;
      case 'reload':
        // One configuration file per host: every instance of the host gets the new priority.
        // The VIP list changes too (an extra VIP with odd priorities), so the reload VIP diff is exercised;
        // derived from the fault itself so the scenario's random stream stays as recorded.
        for (const n of members) {
          const base = this.scenario.nodes[n.id]!.cfg.vips;
          const extra = `${n.cfg.family === 6 ? 'fd00::ff' : '192.0.2.2'}${n.cfg.vrid === 51 ? '40' : '41'}`;
          n.cfg = { ...n.cfg, priority: f.priority, vips: f.priority % 2 ? [...base, extra] : base };
          this.feed(n, { type: 'reload', config: n.cfg });
        }
        return;
    }
  }
}

function toggle(xs: number[], v: number, on: boolean): void {
  if (on) xs.push(v);
  else {
    const i = xs.indexOf(v);
    if (i >= 0) xs.splice(i, 1);
  }
}

function preemptsCfg(cfg: InstanceConfig): boolean {
  return cfg.priority === 255 || !cfg.nopreempt || cfg.initialState === 'MASTER';
}

function stateCode(s: VrrpState): number {
  return ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'].indexOf(s);
}

function faultCode(f: Fault): number {
  let h = 0;
  for (const c of JSON.stringify(f)) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

export function runSimulation(opts: SimOptions): SimResult {
  const scenario = makeScenario(opts.seed, opts);
  const world = new World(scenario, opts.engine ?? realEngine, opts.traceTail ?? 30, opts.maxViolations ?? 5);
  return world.run();
}
