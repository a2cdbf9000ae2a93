// Invariants checked after every simulator step. They are derived from the RFC rules, not from the
// engine: ground truth (who is alive, paused, partitioned, faulted) comes from the world, and the time
// bounds from the RFC timer formulas with the scenario's own parameters.
//
// Terms. A node is *eligible* when its process runs, is not paused, its interface is up and no weight-0
// tracker is down. The network is *quiet* when no partition, asymmetric block, loss or extra delay is in
// force, no node is paused and every packet sent with extra delay has arrived. MDI = max
// down_timer_adverts × max advert interval + Skew_Time of the lowest priority any node had recently
// (a running Master_Down_Timer keeps the Skew_Time it was armed with). S (settle time) = MDI
// + 2 × max base delivery delay, plus preempt_delay + MDI when a preempting node has a preempt_delay
// (the election may first go to a lower node; the delay starts when its first advert is seen), plus,
// when v3 nodes use different intervals, one more Master_Down_Interval at the shortest interval and one
// longest interval: a backup adopts the interval of the advert it accepted last (RFC 5798 §6.4.2),
// which can be the parting advert of a master that has just yielded, and times out once before the real
// master's next advert corrects it.
//
// (a) one-master: quiet for ≥ S since the last fault event ⇒ exactly one MASTER among running nodes
//     if any node is eligible, none otherwise.
// (b) master-exists: an eligible node that is neither MASTER nor hears a MASTER (unblocked link from an
//     unpaused master) must be MASTER or hear one within down_timer_adverts × max interval + Skew_Time
//     (lowest priority it had meanwhile) + its preempt_delay + 2 × base delay, counted from the later of
//     the moment it lost its master and the last advert it had to accept (RFC §6.4.2: only those reset
//     Master_Down_Timer; a prio-0 advert only shortens it).
// (c) preempt: quiet for ≥ S ⇒ the MASTER's effective priority ≥ that of every eligible node that
//     preempts. Equal priorities do NOT have to end with the higher address as master: RFC 3768/5798
//     §6.4.2 lets a backup accept an equal-priority advert as "master alive"; the address tie-break only
//     decides between two simultaneous masters (§6.4.3).
//     no-displacement: a backup must not take over from a live master it hears cleanly: when node X goes
//     BACKUP→MASTER and over the preceding window W = Master_Down_Interval(max interval) + 2 × delay
//     some node M was MASTER throughout, unpaused, no other node was MASTER, the link M→X was clean
//     (no block, loss or extra delay), X was BACKUP and unpaused, neither priority changed, and X either
//     does not preempt (nopreempt) or M's priority ≥ X's — that takeover is a violation.
//     tie-break: a MASTER that yields to an advert (RFC §6.4.3) does so only to a higher priority, or to
//     an equal priority from a numerically higher primary address (compared here independently of the
//     engine's own comparison).
// (d) vips: after every step, a node holds exactly the VIPs of the configuration its process has loaded
//     iff it is MASTER, none otherwise (a crashed host holds none).
// (e) notify-order: each notification's `from` equals the previous one's `to` (INIT for a new process),
//     and after each step the last notified state is the node's state.
// (f) advert-source: only a node that is MASTER before or after the step sends adverts; priority 0 only
//     by a master that is leaving MASTER.
// (g) sync-group: after every step, the members of a vrrp_sync_group on a running, unpaused host are all
//     in the same state.
// (h) garp: a node that becomes MASTER announces every VIP it holds with garp_master_repeat GARP/NA
//     in the same step (stale ARP caches after failover are keepalived's most reported problem), and,
//     with garp_master_delay, sends the second burst once it has been MASTER (unpaused) that long.
// (a)–(c) hold per VRID: "node" there means the instance of that VRID on a host.
import type { FsmEvent, InstanceState, StepResult, VrrpState } from '../vrrp/fsm.js';
import { skewMs } from '../vrrp/timers.js';
import type { SimNode, World } from './world.js';

export type InvariantName = 'a-one-master' | 'b-master-exists' | 'c-preempt' | 'c-no-displacement' | 'c-tie-break' | 'd-vips' | 'e-notify-order' | 'f-advert-source' | 'g-sync-group' | 'h-garp';

export interface Violation {
  invariant: InvariantName;
  seed: number;
  step: number;
  t: number; // virtual ms
  node?: number;
  message: string;
  trace: string[];
}

export class Monitor {
  readonly violations: Violation[] = [];
  /** How often each conditional invariant was actually evaluated (a check that never runs proves nothing). */
  readonly evaluated = { quiet: 0, takeoverWindows: 0, uncovered: 0 };
  private readonly lastNotifyTo: VrrpState[];
  private readonly uncoveredSince: number[];
  private readonly uncoveredMinPrio: number[];
  private readonly reportedEpisode: boolean[];
  private reportedQuietEpoch = -1;
  private readonly splitGroups = new Set<number>();
  private cur: { node: SimNode; before: InstanceState; after: InstanceState; garp: Set<string> } | null = null;
  /** Per node: when the second GARP burst is owed (NaN: not owed). */
  private readonly secondGarpDue: number[];
  private readonly maxAI: number;
  private readonly minAI: number;
  private readonly vrids: number[];
  private readonly baseMax: number;

  constructor(private readonly w: World, private readonly maxViolations: number) {
    const n = w.scenario.nodes.length;
    this.lastNotifyTo = new Array<VrrpState>(n).fill('INIT');
    this.uncoveredSince = new Array<number>(n).fill(NaN);
    this.uncoveredMinPrio = new Array<number>(n).fill(255);
    this.reportedEpisode = new Array<boolean>(n).fill(false);
    this.secondGarpDue = new Array<number>(n).fill(NaN);
    this.maxAI = Math.max(...w.scenario.nodes.map((s) => s.cfg.advertIntCs * 10));
    this.minAI = Math.min(...w.scenario.nodes.map((s) => s.cfg.advertIntCs * 10));
    this.vrids = [...new Set(w.scenario.nodes.map((s) => s.cfg.vrid))];
    this.baseMax = w.scenario.baseDelayMs[1];
  }

  get full(): boolean {
    return this.violations.length >= this.maxViolations;
  }

  private violate(invariant: InvariantName, message: string, node?: number): void {
    if (this.full) return;
    this.violations.push({ invariant, seed: this.w.scenario.seed, step: this.w.steps, t: this.w.now, node, message, trace: this.w.traceTailLines() });
  }

  onNewProcess(n: SimNode): void {
    this.lastNotifyTo[n.id] = 'INIT';
  }

  onNotify(n: SimNode, from: VrrpState, to: VrrpState): void {
    if (from !== this.lastNotifyTo[n.id]) this.violate('e-notify-order', `${n.label} notify ${from}->${to} but last notified state was ${this.lastNotifyTo[n.id]}`, n.id);
    this.lastNotifyTo[n.id] = to;
  }

  onAdvertSent(n: SimNode, priority: number): void {
    const c = this.cur;
    if (!c || c.node !== n) {
      this.violate('f-advert-source', `${n.label} sent an advert outside a step`, n.id);
      return;
    }
    const wasMaster = c.before.state === 'MASTER';
    const isMaster = c.after.state === 'MASTER';
    if (priority === 0 ? !(wasMaster && !isMaster) : !(wasMaster || isMaster)) {
      this.violate('f-advert-source', `${n.label} sent advert p=${priority} going ${c.before.state}->${c.after.state}`, n.id);
    }
  }

  /** Called after the engine step, before the world records the transition in the node's history. */
  onGarp(n: SimNode, vips: readonly string[], count: number, reason: string): void {
    if (this.cur && this.cur.node === n && reason === 'master' && count > 0) for (const v of vips) this.cur.garp.add(v);
    if (reason === 'master-delay' && count > 0) this.secondGarpDue[n.id] = NaN;
  }

  beforeActions(n: SimNode, before: InstanceState, r: StepResult, ev: FsmEvent): void {
    this.cur = { node: n, before, after: r.state, garp: new Set() };
    if (before.state === 'BACKUP' && r.state.state === 'MASTER') this.checkTakeover(n, r.state);
    if (before.state === 'MASTER' && r.state.state === 'BACKUP' && ev.type === 'advert-received') {
      const p = ev.advert.priority;
      const ok = p > before.priority || (p === before.priority && addressOrder(ev.src, n.addr) > 0);
      if (!ok) this.violate('c-tie-break', `${n.label} (prio ${before.priority}, ${n.addr}) yielded to p=${p} from ${ev.src}`, n.id);
    }
  }

  afterStep(n: SimNode, before: InstanceState, r: StepResult): void {
    const garp = this.cur?.garp;
    this.cur = null;
    if (r.state.state !== 'MASTER') this.secondGarpDue[n.id] = NaN;
    else if (before.state !== 'MASTER') {
      const g = n.cfg.garp;
      if (g.masterRepeat > 0 && n.ifDown === 0 && !n.loadedVips.every((v) => garp?.has(v))) {
        this.violate('h-garp', `${n.label} became MASTER without announcing {${n.loadedVips.join(',')}}`, n.id);
      }
      this.secondGarpDue[n.id] = g.masterRepeat > 0 && g.masterDelayMs > 0 ? this.w.now + g.masterDelayMs : NaN;
    }
    if (this.lastNotifyTo[n.id] !== r.state.state) {
      this.violate('e-notify-order', `${n.label} is ${r.state.state} but the last notification said ${this.lastNotifyTo[n.id]}`, n.id);
      this.lastNotifyTo[n.id] = r.state.state;
    }
  }

  /** Longest a Master_Down_Timer armed by x at priority `prio` can run (plus delivery slack). */
  maxTimerMs(x: SimNode, prio: number): number {
    return this.windowMs(x, prio);
  }

  /** Lowest priority whose timers may still be pending on x. */
  private lowPrioOf(x: SimNode, current: number): number {
    let p = current;
    for (const h of x.pastPrios) if (h.until >= this.w.now && h.prio < p) p = h.prio;
    return p;
  }

  private windowMs(x: SimNode, prio: number): number {
    return x.cfg.downTimerAdverts * this.maxAI + skewMs(x.cfg.version, Math.min(prio, 255), this.maxAI) + 2 * this.baseMax + 1;
  }

  private checkTakeover(x: SimNode, after: InstanceState): void {
    if (x.cfg.priority === 255) return; // the owner always takes over
    const w = this.w;
    const t = w.now;
    const from = t - this.windowMs(x, after.priority);
    if (x.stateSince > from || x.pauseTouchedAt > from || x.prioTouchedAt > from || w.netTouchedAt > from || w.delayedUntil > from) return;
    if (w.lossActive.length || w.delayActive.length) return;
    this.evaluated.takeoverWindows++;
    const preempts = x.cfg.priority === 255 || !x.cfg.nopreempt || x.cfg.initialState === 'MASTER';
    for (const m of w.nodes) {
      if (m === x || m.cfg.vrid !== x.cfg.vrid) continue;
      if (!m.inst || m.inst.state !== 'MASTER' || m.masterSince > from || m.paused || m.pauseTouchedAt > from) continue;
      if (m.prioTouchedAt > from || m.ifDown > 0) continue;
      if (w.blocked[m.host]![x.host]! > 0 || w.linkTouchedAt[m.host]![x.host]! > from) continue;
      if (w.nodes.some((k) => k !== m && k !== x && k.cfg.vrid === x.cfg.vrid && (k.state === 'MASTER' || k.leftMasterAt > from))) continue;
      if (preempts && m.inst.priority < after.priority) continue;
      this.violate('c-no-displacement',
        `${x.label} (prio ${after.priority}${preempts ? '' : ', nopreempt'}) took over from live master ${m.label} (prio ${m.inst.priority}) heard cleanly for ${(t - from).toFixed(1)} ms`, x.id);
      return;
    }
  }

  /** Global checks after every event. */
  check(): void {
    const w = this.w;
    const t = w.now;
    // (d) VIPs follow the state.
    for (const n of w.nodes) {
      const want = n.state === 'MASTER';
      const ok = want ? n.loadedVips.every((v) => n.vips.has(v)) && n.vips.size === n.loadedVips.length : n.vips.size === 0;
      if (!ok) this.violate('d-vips', `${n.label} is ${n.state} but holds VIPs {${[...n.vips].join(',')}}`, n.id);
    }
    // (b) a master appears in bounded time for every eligible node.
    for (const x of w.nodes) {
      if (!x.eligible || this.covered(x)) {
        this.uncoveredSince[x.id] = NaN;
        this.reportedEpisode[x.id] = false;
        continue;
      }
      const prio = x.inst!.priority;
      this.evaluated.uncovered++;
      if (Number.isNaN(this.uncoveredSince[x.id]!)) {
        this.uncoveredSince[x.id] = t;
        this.uncoveredMinPrio[x.id] = prio;
      } else if (prio < this.uncoveredMinPrio[x.id]!) this.uncoveredMinPrio[x.id] = prio;
      const preempts = x.cfg.priority === 255 || !x.cfg.nopreempt || x.cfg.initialState === 'MASTER';
      const deadline = Math.max(this.uncoveredSince[x.id]!, x.lastResetRxAt) + this.windowMs(x, this.lowPrioOf(x, this.uncoveredMinPrio[x.id]!)) + (preempts ? x.cfg.preemptDelayMs : 0);
      if (t > deadline && !this.reportedEpisode[x.id]) {
        this.reportedEpisode[x.id] = true;
        this.violate('b-master-exists', `${x.label} (${x.state}, prio ${prio}) has had no master since t=${(this.uncoveredSince[x.id]! / 1000).toFixed(4)} (deadline t=${(deadline / 1000).toFixed(4)})`, x.id);
      }
    }
    // (h) second GARP burst owed by a master that has not been paused.
    for (const n of w.nodes) {
      const due = this.secondGarpDue[n.id]!;
      if (Number.isNaN(due) || t <= due + 1) continue;
      this.secondGarpDue[n.id] = NaN;
      if (n.state === 'MASTER' && !n.paused && n.pauseTouchedAt <= due - n.cfg.garp.masterDelayMs && n.ifDown === 0) {
        this.violate('h-garp', `${n.label} has been MASTER for garp_master_delay ${n.cfg.garp.masterDelayMs} ms without the second GARP burst`, n.id);
      }
    }
    // (g) sync-group members agree.
    for (const n of w.nodes) {
      if (n.syncPeers.length < 2 || n.syncPeers[0] !== n || !n.running || n.paused) continue;
      const split = n.syncPeers.some((p) => p.state !== n.state);
      if (split !== this.splitGroups.has(n.id)) {
        if (split) this.splitGroups.add(n.id);
        else this.splitGroups.delete(n.id);
      } else continue; // report once per split episode
      if (split) {
        this.violate('g-sync-group', `sync group on host ${n.host} split: ${n.syncPeers.map((p) => `${p.label}=${p.state}`).join(' ')}`, n.id);
      }
    }
    // (a) and (c) once quiet for S, per VRID.
    if (!this.quietFor(t)) return;
    if (this.reportedQuietEpoch === w.lastDisruption) return; // one report per quiet period
    this.evaluated.quiet++;
    for (const vrid of this.vrids) {
      const masters = w.nodes.filter((n) => n.cfg.vrid === vrid && n.running && n.state === 'MASTER');
      const eligible = w.nodes.filter((n) => n.cfg.vrid === vrid && n.eligible);
      const want = eligible.length > 0 ? 1 : 0;
      if (masters.length !== want) {
        this.reportedQuietEpoch = w.lastDisruption;
        this.violate('a-one-master', `VRID ${vrid} quiet since t=${(w.lastDisruption / 1000).toFixed(4)} but ${masters.length} masters [${masters.map((m) => m.label).join(',')}] among ${eligible.length} eligible nodes`);
        return;
      }
      if (masters.length === 1) {
        const m = masters[0]!;
        for (const x of eligible) {
          const preempts = x.cfg.priority === 255 || !x.cfg.nopreempt || x.cfg.initialState === 'MASTER';
          if (x !== m && preempts && x.inst!.priority > m.inst!.priority) {
            this.reportedQuietEpoch = w.lastDisruption;
            this.violate('c-preempt', `VRID ${vrid} quiet since t=${(w.lastDisruption / 1000).toFixed(4)}: master ${m.label} prio ${m.inst!.priority} but preempting ${x.label} has prio ${x.inst!.priority}`);
            return;
          }
        }
      }
    }
  }

  private covered(x: SimNode): boolean {
    if (x.state === 'MASTER') return true;
    for (const m of this.w.nodes) {
      if (m !== x && m.cfg.vrid === x.cfg.vrid && m.running && m.state === 'MASTER' && !m.paused && m.ifDown === 0 && this.w.blocked[m.host]![x.host] === 0) return true;
    }
    return false;
  }

  /** Settle time S (see the header) for the current priorities. */
  settleMs(): number {
    const w = this.w;
    let minPrio = 255;
    let maxDta = 1;
    let maxDelay = 0;
    let version = 2;
    for (const n of w.nodes) {
      if (n.inst) minPrio = Math.min(minPrio, this.lowPrioOf(n, n.inst.priority));
      maxDta = Math.max(maxDta, n.cfg.downTimerAdverts);
      if (!n.cfg.nopreempt || n.cfg.initialState === 'MASTER') maxDelay = Math.max(maxDelay, n.cfg.preemptDelayMs);
      version = n.cfg.version;
    }
    const skew = skewMs(version as 2 | 3, minPrio, this.maxAI);
    const mdi = maxDta * this.maxAI + skew;
    // With preempt_delay the election after a fault may first go to a lower node (backups whose timers
    // were reset at different times), and the delay only starts when its first advert is seen:
    // election (≤ MDI) + preempt_delay + MDI.
    let settle = mdi + (maxDelay > 0 ? maxDelay + mdi : 0) + 2 * this.baseMax + 1;
    if (this.minAI !== this.maxAI) {
      // v3 with different intervals: a backup adopts the interval of whichever advert it accepted last
      // (RFC 5798 §6.4.2), e.g. the final advert of a master that has just yielded. With the shorter
      // interval its timer can expire before the real master's next advert: one more takeover and yield.
      settle += maxDta * this.minAI + skewMs(3, minPrio, this.minAI) + this.maxAI + 2 * this.baseMax;
    }
    return settle;
  }

  private quietFor(t: number): boolean {
    const w = this.w;
    if (w.lossActive.length || w.delayActive.length) return false;
    for (const n of w.nodes) if (n.paused) return false;
    for (const row of w.blocked) for (const b of row) if (b > 0) return false;
    return t - Math.max(w.lastDisruption, w.delayedUntil) >= this.settleMs();
  }
}

/** Independent numeric address order for the tie-break check (IPv4 dotted quad or IPv6 text). */
function addressOrder(a: string, b: string): number {
  const ka = addressBytes(a);
  const kb = addressBytes(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const d = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function addressBytes(a: string): number[] {
  if (!a.includes(':')) return a.split('.').map(Number);
  const [head = '', tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => parseInt(g, 16));
}
