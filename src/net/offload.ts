// Typed wrapper of the addon's offload thread (native/offload.c): periodic advert sending and
// "hold" timers that matching adverts restart, both without waking JavaScript. The thread also reads
// the watched VRRP sockets and passes every packet that matches no hold to JavaScript.
//
// Times cross the boundary as CLOCK_MONOTONIC milliseconds; callers use performance.now() (the same
// clock from a different origin), so this module keeps the offset between the two.
//
// VIPD_OFFLOAD=0 turns the thread off: sockets are then polled on the main loop and every advert and
// timer runs in JavaScript (the behaviour before the offload existed; kept for A/B benchmarks).
import { performance } from 'node:perf_hooks';
import { native } from './rawsock.js';

interface OffloadAddon {
  init(dispatch: (kind: number, id: number, whenMs: number, data?: Buffer, name?: Buffer, ctl?: Buffer, key?: Buffer) => void): void;
  nowMs(): number;
  watch(fd: number, family: number): number;
  forget(fd: number): void;
  send(id: number, fd: number, payloads: Buffer[], sockaddrs: Buffer[], firstDueMs: number, intervalMs: number, resignPayloads: Buffer[]): void;
  resignOn(signum: number): void;
  hold(id: number, fd: number, key: Buffer, durationMs: number, deadlineMs: number, earlyMs: number): void;
  stop(kind: 0 | 1, id: number): number[] | undefined;
  query(kind: 0 | 1, id: number): number[] | undefined;
  counters(): number[];
}

export type OffloadPacketHandler = (data: Buffer, name: Buffer, control: Buffer, key: Buffer) => void;

export interface SenderReport {
  sent: number; errors: number; /** next send, performance.now() ms */ due: number;
  /** the resign signal came: the thread sent the priority-0 adverts and stopped */
  resigned: boolean;
}
export interface HoldReport { matched: number; fired: boolean; /** performance.now() ms */ deadline: number; /** last matching advert's receive time, performance.now() ms; 0 if none */ lastRx: number }

export interface OffloadCounters { rxPackets: number; rxMatched: number; queueDrops: number; senders: number; holds: number }

/**
 * A hold fires this much before its deadline and the fsm acts as at the deadline: the thread wakes on
 * time, but handing the event to JavaScript, running the step and reaching the kernel with the VIP took
 * 0.9 ms (bench: VIP 3610.2 ms after the last advert at 0.5 ms early, keepalived 3609.8). The same 1 ms
 * the Node timers are armed early by (src/daemon/instance.ts), within the fsm's early tolerance.
 */
export const HOLD_EARLY_MS = 1;

export class Offload {
  private readonly packetHandlers = new Map<number, OffloadPacketHandler>();
  private readonly holdHandlers = new Map<number, (deadline: number) => void>();
  /** fd -> the watch ids the thread knows it by (their packets go to packetHandlers) */
  private readonly watchIds = new Map<number, number[]>();
  private nextId = 1;
  /** monotonic ms = performance.now() + offset */
  private readonly offset: number;

  constructor(private readonly addon: OffloadAddon) {
    addon.init((kind, id, whenMs, data, name, ctl, key) => {
      try {
        if (kind === 0) this.packetHandlers.get(id)?.(data!, name!, ctl!, key!);
        else {
          const h = this.holdHandlers.get(id);
          if (h) { this.holdHandlers.delete(id); h(this.toPerf(whenMs)); }
        }
      } catch (e) {
        // Never leave an exception pending inside Node-API: rethrow it on the loop, where it is an
        // uncaught exception as it would be from a timer (packet handlers catch their own).
        process.nextTick(() => { throw e; });
      }
    });
    // The two clocks differ by a constant; take the reading with the narrowest bracket.
    let best = Infinity, offset = 0;
    for (let i = 0; i < 5; i++) {
      const p0 = performance.now(), m = addon.nowMs(), p1 = performance.now();
      if (p1 - p0 < best) { best = p1 - p0; offset = m - (p0 + p1) / 2; }
    }
    this.offset = offset;
  }

  toMono(perfMs: number): number { return perfMs + this.offset; }
  toPerf(monoMs: number): number { return monoMs - this.offset; }

  /** A fresh id for a sender or a hold. */
  newId(): number { return this.nextId++; }

  /** The thread reads `fd` from now on; packets that match no hold go to `handler`. */
  watch(fd: number, family: 4 | 6, handler: OffloadPacketHandler): void {
    const wid = this.addon.watch(fd, family);
    this.packetHandlers.set(wid, handler);
    this.watchIds.set(fd, [...(this.watchIds.get(fd) ?? []), wid]);
  }

  /** Before closing fd: no more reads, sends or holds on it. */
  forget(fd: number): void {
    this.addon.forget(fd);
    for (const wid of this.watchIds.get(fd) ?? []) this.packetHandlers.delete(wid);
    this.watchIds.delete(fd);
  }

  /**
   * Start or replace sender `id`; firstDue undefined keeps the current cadence (new bytes only). `resign`
   * is each packet at priority 0, sent by the thread itself when the resign signal arrives.
   */
  send(id: number, fd: number, packets: ReadonlyArray<{ payload: Buffer; resign: Buffer; sockaddr: Buffer }>, firstDue: number | undefined, intervalMs: number): void {
    this.addon.send(id, fd, packets.map((p) => p.payload), packets.map((p) => p.sockaddr), firstDue === undefined ? -1 : this.toMono(firstDue), intervalMs,
      packets.map((p) => p.resign));
  }

  /**
   * On `signum` (watched with signals.ts onRawSignal, whose handler wakes this thread) every sender sends
   * its priority-0 adverts at once and stops: SIGTERM's resignation leaves before JavaScript runs.
   */
  resignOn(signum: number): void { this.addon.resignOn(signum); }

  /** Start or replace hold `id`: an advert with `key` moves the deadline to its receive time + durationMs. */
  hold(id: number, fd: number, key: Buffer, durationMs: number, deadline: number, onFired: (deadline: number) => void): void {
    this.holdHandlers.set(id, onFired);
    this.addon.hold(id, fd, key, durationMs, this.toMono(deadline), HOLD_EARLY_MS);
  }

  querySender(id: number, end = false): SenderReport | undefined {
    const r = end ? this.addon.stop(0, id) : this.addon.query(0, id);
    return r && { sent: r[0]!, errors: r[1]!, due: this.toPerf(r[2]!), resigned: r[3] === 1 };
  }

  queryHold(id: number, end = false): HoldReport | undefined {
    if (end) this.holdHandlers.delete(id);
    const r = end ? this.addon.stop(1, id) : this.addon.query(1, id);
    return r && { matched: r[0]!, fired: r[1] === 1, deadline: this.toPerf(r[2]!), lastRx: r[3]! > 0 ? this.toPerf(r[3]!) : 0 };
  }

  counters(): OffloadCounters {
    const [rxPackets, rxMatched, queueDrops, senders, holds] = this.addon.counters();
    return { rxPackets: rxPackets!, rxMatched: rxMatched!, queueDrops: queueDrops!, senders: senders!, holds: holds! };
  }
}

let instance: Offload | null | undefined;

/** The process's offload thread (started on first use), or null when VIPD_OFFLOAD=0. */
export function offload(): Offload | null {
  if (instance === undefined) {
    instance = process.env.VIPD_OFFLOAD === '0' ? null : new Offload((native() as unknown as { offload: OffloadAddon }).offload);
  }
  return instance;
}
