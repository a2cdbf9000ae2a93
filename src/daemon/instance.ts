// One VRRP instance at run time: the pure state machine plus the I/O its actions ask for. Events go in
// through dispatch(); the actions that come out are performed here, in order: adverts on the shared
// socket, VIPs/routes/rules through rtnetlink (serialised per instance so an add never overtakes a
// remove), GARP/NA, notifications (serialised by the Notifier), and one Node timer per fsm timer.
//
// Steady state runs in the offload thread (src/net/offload.ts): a master's periodic advert and a
// backup's master-down timer restarted by the same advert again are handed over when the fsm itself
// says the step would repeat unchanged (src/vrrp/steady.ts). Before every event the thread's progress
// (next due time, adverts sent and absorbed) is folded back into the state, so the fsm sees what it
// would have seen had it run every step.
import { performance } from 'node:perf_hooks';
import { step, createInstance, type Action, type FsmEvent, type InstanceConfig, type InstanceState, type TimerName, type VrrpState } from '../vrrp/fsm.js';
import { periodicAdvert, repeatedAdvertHold, type PeriodicAdvert } from '../vrrp/steady.js';
import { offload } from '../net/offload.js';
import { encodeAdvert, type ChecksumMode } from '../vrrp/packet.js';
import { checkAdvert, DropCounters, type LocalInstanceView } from '../vrrp/receive.js';
import type { TrackerStatus } from '../vrrp/priority.js';
import type { Advert, RxMeta } from '../vrrp/types.js';
import type { VrrpSocket } from '../net/vrrp-socket.js';
import type { GarpSender } from '../net/garp.js';
import type { NaSender } from '../net/ndisc.js';
import { rtnl, type AddressSpec, type RouteSpec, type RuleSpec } from '../net/rtnl.js';
import type { NoAcceptFilter } from '../net/noaccept.js';
import type { Notifier } from '../notify/notifier.js';
import type { Logger } from './log.js';
import { statsForDrop, zeroStats, type KeepalivedStats } from './dumps.js';
import type { InstanceStatus } from '../api/status.js';

export interface InstanceIo {
  socket: VrrpSocket;
  garp?: GarpSender;
  na?: NaSender;
  notifier?: Notifier;
  /** Addresses/routes/rules this instance owns while MASTER (VIPs, excluded VIPs, virtual routes/rules). */
  addresses: AddressSpec[];
  routes: RouteSpec[];
  rules: RuleSpec[];
  unicastPeers: string[];
  authPass?: string;
  v3ChecksumAsV2: boolean;
  mcastGroup4: string;
  /** -V: keep VIPs when the daemon stops. */
  keepVipsOnStop: boolean;
  /** Drops traffic to the VIPs of a master without accept mode (no_accept, vrrp_strict). */
  noAccept?: NoAcceptFilter;
}

export class InstanceRuntime {
  state: InstanceState;
  readonly drops = new DropCounters();
  stats: KeepalivedStats = zeroStats();
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  private netChain: Promise<void> = Promise.resolve();
  private oldChecksum = false;
  private lastRxAt = 0;
  lastTransitionMs = Date.now();
  lastFailoverMs?: number;
  masterAddr?: string;
  vipsHeld = false;
  /** Called after every transition (status publishing, sync groups). */
  onTransition?: (from: VrrpState, to: VrrpState) => void;
  onStep?: () => void;

  constructor(cfg: InstanceConfig, public view: LocalInstanceView, public io: InstanceIo, private readonly log: Logger,
    trackers: readonly TrackerStatus[] = []) {
    this.state = createInstance(cfg, trackers);
  }

  get name(): string { return this.state.cfg.name; }

  private now(): number { return performance.now(); }

  /** Events run through the fsm (status: shows how much the offload thread keeps away from JavaScript). */
  fsmSteps = 0;

  /** Time of the last step: events are never fed to the fsm out of order in time. */
  private lastAt = 0;

  /**
   * `at`: when the event really happened on our clock (a packet's kernel receive time), default now.
   * `holdKey`: the event is an accepted advert the offload thread could absorb when it comes again.
   */
  dispatch(ev: FsmEvent, at = this.now(), holdKey?: Buffer): void {
    this.reconcile();
    const from = this.state.state;
    at = Math.max(at, this.lastAt);
    this.lastAt = at;
    const r = step(this.state, ev, at);
    this.fsmSteps++;
    // An advert of ours from here must not race one from the thread (a priority-0 advert followed by a
    // periodic one would undo the resignation): the thread lets go before we send or re-arm.
    if (this.sender && r.actions.some((a) => a.type === 'send-advert' || ((a.type === 'set-timer' || a.type === 'cancel-timer') && a.timer === 'advert'))) {
      this.stopSender(false);
    }
    this.state = r.state;
    const touched = new Set<TimerName>();
    for (const a of r.actions) {
      if (a.type === 'set-timer' || a.type === 'cancel-timer') touched.add(a.timer);
      else this.perform(a);
    }
    this.placeTimers(touched, ev, at, holdKey);
    if (this.state.state !== from) {
      this.lastTransitionMs = Date.now();
      if (this.state.state === 'MASTER') {
        this.stats.become_master++;
        this.masterAddr = this.state.cfg.primaryAddress;
        if (from === 'BACKUP' && this.lastRxAt > 0) this.lastFailoverMs = Math.round(this.now() - this.lastRxAt);
      }
      if (from === 'MASTER') this.stats.release_master++;
      this.log.info(`(${this.name}) Entering ${this.state.state} STATE`);
      this.onTransition?.(from, this.state.state);
    }
    this.onStep?.();
  }

  /** A VRRP payload for our VRID arrived on the shared socket. */
  receive(payload: Buffer, meta: RxMeta): void {
    const res = checkAdvert(payload, meta, this.view);
    if (!res.accept) {
      this.drops.add(res.reason);
      for (const k of statsForDrop(res.reason, payload.length)) this.stats[k]++;
      return;
    }
    this.stats.advert_rcvd++;
    if (res.advert.priority === 0) this.stats.pri_zero_rcvd++;
    for (const n of res.notes) {
      if (n === 'addr-count-mismatch' || n === 'addr-list-mismatch') this.stats.addr_list_err++;
      if (n === 'old-unicast-checksum' && !this.oldChecksum) {
        this.oldChecksum = true;
        this.view = { ...this.view, oldUnicastChecksum: 'always' };
        this.log.info(`(${this.name}) Setting unicast VRRPv3 checksum to old version`);
      }
    }
    if (res.advert.priority >= this.state.priority || this.state.state !== 'MASTER') {
      this.lastRxAt = this.now();
      this.masterAddr = meta.src;
    }
    // Only a plain advert may be absorbed later: no notes to count, no priority-0 statistics.
    const absorbable = meta.offloadKey !== undefined && res.notes.length === 0 && res.advert.priority !== 0 && this.state.state === 'BACKUP';
    this.dispatch({ type: 'advert-received', advert: res.advert, src: meta.src }, this.receivedAt(meta), absorbable ? meta.offloadKey : undefined);
  }

  /**
   * The kernel's receive time on our monotonic clock: the master-down timer then starts when the advert
   * arrived, as keepalived's does, not after the event loop got to it. Implausible values are ignored.
   */
  private receivedAt(meta: RxMeta): number {
    const now = this.now();
    if (meta.rxRealtimeMs === undefined) return now;
    const lag = performance.timeOrigin + now - meta.rxRealtimeMs;
    return lag > 0 && lag < 100 ? now - lag : now;
  }

  private perform(a: Action): void {
    switch (a.type) {
      case 'send-advert': this.sendAdvert(a.priority); break;
      case 'add-vips': this.netOp(true, a.accept); break;
      case 'remove-vips': this.netOp(false); break;
      case 'send-garp': this.sendGarp(a.vips, a.count); break;
      case 'notify':
        if (a.to !== 'INIT') this.io.notifier?.stateChanged(a.to, a.priority);
        break;
      case 'notify-master-rx-lower-pri': this.io.notifier?.masterRxLowerPri(a.priority); break;
      case 'priority-changed':
        if (this.state.state === 'MASTER' || this.state.state === 'BACKUP') this.io.notifier?.priorityChanged(a.to, this.state.state);
        break;
      case 'log': this.log[a.level](`(${this.name}) ${a.message}`); break;
    }
  }

  // ------------------------------------------------------------------ timers and the offload thread

  private sender?: { id: number; packets: Buffer[]; intervalMs: number; counted: number };
  /** The thread already sent our priority-0 adverts (SIGTERM): we are stopping, send nothing more. */
  private resignedByThread = false;
  /** `ev`/`durationMs`: the advert the hold absorbs and what the fsm said it does (none: a plain timer). */
  private hold?: { id: number; counted: number; ev?: FsmEvent & { type: 'advert-received' }; key: Buffer; durationMs: number };

  /** Fold the offload thread's progress into the state and statistics (before events and reports). */
  reconcile(): void {
    const off = offload();
    if (!off) return;
    if (this.sender) {
      const r = off.querySender(this.sender.id);
      if (r) { this.countSent(r.sent); this.setDue('advert', r.due); }
    }
    if (this.hold) {
      const r = off.queryHold(this.hold.id);
      if (r) { this.countAbsorbed(r.matched, r.lastRx); this.setDue('master-down', r.deadline); }
    }
  }

  private countSent(total: number): void {
    this.stats.advert_sent += total - this.sender!.counted;
    this.sender!.counted = total;
  }

  private countAbsorbed(total: number, lastRx: number): void {
    this.stats.advert_rcvd += total - this.hold!.counted;
    this.hold!.counted = total;
    if (lastRx > 0) this.lastRxAt = lastRx;
  }

  private setDue(timer: TimerName, due: number): void {
    if (this.state.timers[timer] === null || this.state.timers[timer] === due) return;
    this.state = { ...this.state, timers: { ...this.state.timers, [timer]: due } };
  }

  /** After a step: each touched timer goes to the offload thread if the step repeats, else to a Node timer. */
  private placeTimers(touched: ReadonlySet<TimerName>, ev: FsmEvent, at: number, holdKey: Buffer | undefined): void {
    if (touched.has('advert') || this.sender) {
      const plan = periodicAdvert(this.state);
      if (plan && this.offloadAdverts(plan, touched.has('advert'))) this.cancelTimer('advert');
      else { this.stopSender(true); this.armTimer('advert'); }
    }
    if (touched.has('master-down')) {
      const adv = holdKey && ev.type === 'advert-received' ? { ev, key: holdKey } : undefined;
      const due = this.state.timers['master-down'];
      this.placeMasterDown(adv, adv && due !== null ? repeatedAdvertHold(this.state, adv.ev, at) : undefined);
    } else if (this.hold?.ev) {
      // The timer stays, but what the held advert would do may have changed (a reload or a tracker
      // changed our priority, hence the skew): ask again; the deadline itself stays as the fsm has it.
      const held = { ev: this.hold.ev, key: this.hold.key };
      const d = repeatedAdvertHold(this.state, held.ev, at);
      if (d === undefined || Math.abs(d - this.hold.durationMs) > 1e-6) this.placeMasterDown(held, d);
    }
    for (const t of touched) if (t !== 'advert' && t !== 'master-down') this.armTimer(t);
  }

  /**
   * Master-down to the thread: absorbing `held` adverts for `durationMs` each when the fsm said they
   * repeat, else as a timer with a key that matches nothing (a resignation, our start, another router:
   * it still fires on time where a poll timeout runs late); to a Node timer without the thread.
   */
  private placeMasterDown(held: { ev: FsmEvent & { type: 'advert-received' }; key: Buffer } | undefined, durationMs: number | undefined): void {
    const due = this.state.timers['master-down'];
    const absorb = held && durationMs !== undefined ? held : undefined;
    this.stopHold();
    if (due !== null && this.holdAdverts(absorb?.key ?? NO_KEY, durationMs ?? 0, due, absorb?.ev)) this.cancelTimer('master-down');
    else this.armTimer('master-down');
  }

  /** Hand the periodic advert to the thread (new bytes keep the cadence unless `reschedule`). */
  private offloadAdverts(plan: PeriodicAdvert, reschedule: boolean): boolean {
    const off = offload();
    if (!off) return false;
    const resign = this.advertPackets(0);
    const packets = this.advertPackets(plan.priority).map((p, i) => ({ ...p, resign: resign[i]!.payload }));
    const bytes = packets.flatMap((p) => [p.payload, p.resign]);
    const cur = this.sender;
    if (cur && !reschedule && cur.intervalMs === plan.intervalMs && bytes.length === cur.packets.length && bytes.every((b, i) => b.equals(cur.packets[i]!))) return true;
    const id = cur?.id ?? off.newId();
    if (!this.io.socket.sendEvery(id, packets, cur && !reschedule ? undefined : plan.due, plan.intervalMs)) return false;
    this.sender = { id, packets: bytes, intervalMs: plan.intervalMs, counted: cur?.counted ?? 0 };
    return true;
  }

  /** Take the advert timer back from the thread; `adoptDue`: keep its schedule in the state. */
  private stopSender(adoptDue: boolean): void {
    if (!this.sender) return;
    const r = offload()?.querySender(this.sender.id, true);
    if (r) { this.countSent(r.sent); if (adoptDue) this.setDue('advert', r.due); if (r.resigned) this.resignedByThread = true; }
    this.sender = undefined;
  }

  private holdAdverts(key: Buffer, durationMs: number, deadline: number, ev?: FsmEvent & { type: 'advert-received' }): boolean {
    const off = offload();
    if (!off) return false;
    const id = off.newId();
    if (!this.io.socket.holdFor(id, key, durationMs, deadline, () => this.holdFired(id))) return false;
    this.hold = { id, counted: 0, ev, key, durationMs };
    return true;
  }

  private stopHold(): void {
    if (!this.hold) return;
    const r = offload()?.queryHold(this.hold.id, true);
    if (r) this.countAbsorbed(r.matched, r.lastRx);
    this.hold = undefined;
  }

  /** The master went quiet: the thread's deadline passed. Act as the fsm's master-down timer. */
  private holdFired(id: number): void {
    if (this.hold?.id !== id) return;
    this.reconcile();
    this.stopHold();
    const due = this.state.timers['master-down'];
    if (due !== null) this.dispatch({ type: 'timer-fired', timer: 'master-down', due });
  }

  private armTimer(timer: TimerName): void {
    const due = this.state.timers[timer];
    if (due === null) this.cancelTimer(timer);
    else this.setTimer(timer, due);
  }

  private setTimer(timer: TimerName, due: number): void {
    this.cancelTimer(timer);
    const t = setTimeout(() => {
      this.timers.delete(timer);
      // The due time goes back with the event, so the fsm acts as at `due` even when the timer fires
      // early. Node's timers fire at the first loop turn after the (whole-ms) delay, typically 1-2 ms
      // late; arming 1 ms early puts adverts and the master-down takeover on time instead.
      this.dispatch({ type: 'timer-fired', timer, due });
    }, Math.max(0, Math.floor(due - this.now()) - 1));
    this.timers.set(timer, t);
  }

  private cancelTimer(timer: TimerName): void {
    const t = this.timers.get(timer);
    if (t) { clearTimeout(t); this.timers.delete(timer); }
  }

  private advert(priority: number): Advert {
    const c = this.state.cfg;
    return {
      version: c.version, type: 1, vrid: c.vrid, priority, advertIntCs: c.advertIntCs,
      authType: this.view.authType, authData: this.view.authType === 1 ? passBytes(this.io.authPass) : undefined,
      checksum: 0, family: c.family, addrs: [...c.vips],
    };
  }

  /** The encoded advert(s) at `priority`: one for the group, or one per unicast peer. */
  private advertPackets(priority: number): Array<{ payload: Buffer; dst?: string }> {
    const sock = this.io.socket;
    const a = this.advert(priority);
    const c = this.state.cfg;
    const mode: ChecksumMode = c.family === 6 ? 'kernel' : c.version === 3 && this.io.v3ChecksumAsV2 ? 'as-v2' : this.oldChecksum ? 'old-unicast' : 'standard';
    // The v3 IPv4 checksum covers the destination, so each peer gets its own encoding.
    if (this.io.unicastPeers.length > 0) {
      return this.io.unicastPeers.map((peer) => ({ payload: encodeAdvert(a, { src: sock.src, dst: peer, checksumMode: mode, mcastGroup: this.io.mcastGroup4 }), dst: peer }));
    }
    return [{ payload: encodeAdvert(a, { src: sock.src, dst: sock.group, checksumMode: mode }) }];
  }

  private sendAdvert(priority: number): void {
    if (this.resignedByThread) {
      // Stopping: the thread sent the priority-0 adverts; that is the one this action asks for.
      if (priority === 0) { this.stats.advert_sent++; this.stats.pri_zero_sent++; }
      return;
    }
    let sent = 0;
    for (const p of this.advertPackets(priority)) sent += this.io.socket.send(p.payload, p.dst);
    if (sent > 0) {
      this.stats.advert_sent++;
      if (priority === 0) this.stats.pri_zero_sent++;
    }
  }

  private netOp(add: boolean, accept = true): void {
    if (!add && this.stopping && this.io.keepVipsOnStop) return;
    this.vipsHeld = add;
    const { addresses, routes, rules, noAccept } = this.io;
    const vips = this.state.cfg.vips;
    // Without accept mode the block goes in before the addresses appear and comes out after they left.
    if (noAccept && add && !accept) void noAccept.block(vips).catch((e: Error) => this.log.error(`(${this.name}) no_accept filter: ${e.message}`));
    const name = this.name;
    const log = this.log;
    const work = async (): Promise<void> => {
      const nl = rtnl();
      // The addresses are independent: their requests go out back to back, as keepalived sends them.
      await Promise.all(addresses.map((a) => (add ? nl.addAddress(a) : nl.delAddress(a))
        .catch((e: Error) => log.error(`(${name}) ${add ? 'adding' : 'removing'} ${a.addr}: ${e.message}`))));
      log.info(`(${name}) ${add ? 'setting' : 'removing'} VIPs.`);
      for (const r of add ? routes : [...routes].reverse()) {
        try { await (add ? nl.addRoute(r) : nl.delRoute(r)); } catch (e) { log.error(`(${name}) route ${r.dst}: ${(e as Error).message}`); }
      }
      for (const r of rules) {
        try { await (add ? nl.addRule(r) : nl.delRule(r)); } catch (e) { log.error(`(${name}) rule: ${(e as Error).message}`); }
      }
      if (noAccept && (!add || accept)) await noAccept.unblock(vips).catch((e: Error) => log.error(`(${name}) no_accept filter: ${e.message}`));
    };
    // With nothing queued the requests leave in this very tick (a takeover's VIP reaches the kernel
    // before anything else is done); otherwise after the queued operations, never overtaking them.
    const startNow = this.netBusy === 0;
    this.netBusy++;
    this.netChain = (startNow ? work() : this.netChain.then(work)).finally(() => { this.netBusy--; });
  }

  private netBusy = 0;

  /** Announcements go out once the queued address changes are done: never a GARP for a VIP not yet set. */
  private sendGarp(vips: readonly string[], count: number): void {
    void this.netChain.then(() => {
      for (let i = 0; i < count; i++) {
        for (const v of vips) {
          if (v.includes(':')) void this.io.na?.send(v);
          else void this.io.garp?.send(v);
        }
      }
    });
  }

  /** Remove our addresses at start (left behind by a killed earlier run), without a transition. */
  cleanupStale(): Promise<void> {
    if (!this.io.keepVipsOnStop) this.netOp(false);
    this.vipsHeld = false;
    return this.netChain;
  }

  private stopping = false;

  /** SIGTERM: priority-0 advert, VIPs removed, notify_stop; resolves when the kernel work is done. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    this.dispatch({ type: 'shutdown' });
    this.halt();
    await this.netChain;
  }

  /** Stop timers without touching the network (reload removed us, or the process is dying). */
  halt(): void {
    this.stopSender(false);
    this.stopHold();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  settled(): Promise<void> { return this.netChain; }

  status(ifname: string): InstanceStatus {
    this.reconcile();
    const s = this.state;
    const drops: Record<string, number> = {};
    for (const [k, v] of Object.entries(this.drops.snapshot())) if (v > 0) drops[k] = v;
    return {
      name: s.cfg.name, vrid: s.cfg.vrid, family: s.cfg.family, version: s.cfg.version, interface: ifname, state: s.state,
      basePriority: s.cfg.priority, effectivePriority: s.priority, advertIntMs: s.cfg.advertIntCs * 10,
      vips: [...s.cfg.vips], masterAddr: s.state === 'MASTER' ? s.cfg.primaryAddress : this.masterAddr,
      lastTransitionMs: this.lastTransitionMs, lastFailoverMs: this.lastFailoverMs,
      trackers: s.trackers.map((t) => ({ name: t.name, kind: t.kind, ok: t.kind === 'updown' ? t.up : t.value === 0, weight: t.weight })),
      stats: {
        advertsRx: this.stats.advert_rcvd, advertsTx: this.stats.advert_sent, becameMaster: this.stats.become_master,
        releasedMaster: this.stats.release_master, prio0Rx: this.stats.pri_zero_rcvd, prio0Tx: this.stats.pri_zero_sent, drops,
        fsmSteps: this.fsmSteps, offload: this.sender ? 'adverts' : this.hold ? 'hold' : 'none',
      },
    };
  }
}

const NO_KEY = Buffer.alloc(0);

function passBytes(p: string | undefined): Buffer {
  const b = Buffer.alloc(8);
  if (p) Buffer.from(p, 'utf8').copy(b, 0, 0, 8);
  return b;
}
