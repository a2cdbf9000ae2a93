// The sans-IO VRRP state machine (RFC 3768 §6.4, RFC 5798/9568 §6.4, with keepalived's extensions).
// `step(state, event, now)` is a pure function: it never reads a clock, opens a socket or arms a timer.
// It returns the next state and the actions the caller (the daemon, or the simulator) must perform:
// send adverts, add/remove VIPs, send GARP/NA, run notifiers, (re)arm or cancel named timers at absolute
// due times. The same code runs in the daemon and in the deterministic simulator (src/sim).
import type { Advert, Family, VrrpVersion } from './types.js';
import { PRIO_OWNER, PRIO_STOP, PRIO_MAX_BACKUP, compareAddresses, trackedPriority, type TrackerStatus } from './priority.js';
import { masterDownMs, skewMs } from './timers.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export type TimerName =
  | 'advert' // master: next periodic advertisement
  | 'master-down' // backup: the current master is presumed dead when this fires
  | 'garp-master-delay' // master: second GARP/NA burst, garp_master_delay after becoming master
  | 'garp-refresh' // master: periodic GARP/NA refresh (garp_master_refresh)
  | 'garp-lower-prio' // master: second burst after a lower-priority advert (garp_lower_prio_delay)
  | 'owner-conflict'; // owner: end of the "another owner is present" period

export const TIMER_EARLY_TOLERANCE_MS = 2;

export const TIMER_NAMES: readonly TimerName[] = ['advert', 'master-down', 'garp-master-delay', 'garp-refresh', 'garp-lower-prio', 'owner-conflict'];

export interface GarpSchedule {
  masterDelayMs: number; // vrrp_garp_master_delay (d: 5 s; 0 = no second burst)
  masterRepeat: number; // vrrp_garp_master_repeat (d: 5)
  lowerPrioDelayMs: number; // vrrp_garp_lower_prio_delay (d: = master delay)
  lowerPrioRepeat: number; // vrrp_garp_lower_prio_repeat (d: = master repeat; 0 = none)
  masterRefreshMs: number; // vrrp_garp_master_refresh (d: 0 = off)
  masterRefreshRepeat: number; // vrrp_garp_master_refresh_repeat (d: 1)
}

export interface InstanceConfig {
  name: string;
  vrid: number;
  version: VrrpVersion;
  family: Family;
  priority: number; // base priority 1..255; 255 = address owner
  advertIntCs: number; // advert_int in centiseconds
  initialState: 'MASTER' | 'BACKUP'; // only a wish; matters for nopreempt (ignored with MASTER)
  nopreempt: boolean;
  preemptDelayMs: number;
  downTimerAdverts: number; // d: 3
  accept: boolean; // accept mode (keepalived default true unless strict)
  lowerPrioNoAdvert: boolean; // pre-RFC 9568: do not answer a lower-priority advert
  higherPrioSendAdvert: boolean; // master sends one advert before yielding to a higher priority
  ownerIgnoreAdverts: boolean; // RFC behaviour for the owner: drop all adverts
  ignoreTrackerWeights: boolean; // sync-group member without sync_group_tracking_weight
  primaryAddress: string; // our advert source address, used in the equal-priority tie-break
  vips: readonly string[];
  garp: GarpSchedule;
}

/** keepalived's defaults, for tests, the simulator and the config loader. */
export function instanceConfig(p: Partial<InstanceConfig> & Pick<InstanceConfig, 'primaryAddress'>): InstanceConfig {
  return {
    name: 'VI_1', vrid: 51, version: 2, family: p.primaryAddress.includes(':') ? 6 : 4, priority: 100, advertIntCs: 100,
    initialState: 'BACKUP', nopreempt: false, preemptDelayMs: 0, downTimerAdverts: 3, accept: true,
    lowerPrioNoAdvert: false, higherPrioSendAdvert: false, ownerIgnoreAdverts: false, ignoreTrackerWeights: false,
    vips: [],
    garp: { masterDelayMs: 5000, masterRepeat: 5, lowerPrioDelayMs: 5000, lowerPrioRepeat: 5, masterRefreshMs: 0, masterRefreshRepeat: 1 },
    ...p,
  };
}

export interface InstanceState {
  readonly cfg: InstanceConfig;
  readonly state: VrrpState;
  /** Effective priority: what we advertise and compare with (trackers applied, owner conflict applied). */
  readonly priority: number;
  readonly trackers: readonly TrackerStatus[];
  readonly trackerFault: boolean;
  readonly ifUp: boolean;
  readonly syncFault: boolean; // another member of our sync group is in FAULT
  /** v3: interval learned from the current master's adverts (RFC 5798 §6.4.2); v2: our own. */
  readonly masterAdverIntCs: number;
  /** preempt_delay: lower-priority masters are tolerated until this time (null: not counting). */
  readonly preemptAt: number | null;
  /** Another owner (priority 255) seen: its address, and until when we stay at 254. */
  readonly conflictPeer: string | null;
  readonly conflictUntil: number;
  /** Due times of our armed timers (null: not armed). Stale timer events are ignored by comparing. */
  readonly timers: Readonly<Record<TimerName, number | null>>;
}

export type GarpReason = 'master' | 'master-delay' | 'refresh' | 'lower-prio' | 'lower-prio-delay' | 'reload';

export type Action =
  | { type: 'send-advert'; priority: number }
  | { type: 'add-vips'; vips: readonly string[]; accept: boolean }
  | { type: 'remove-vips'; vips: readonly string[] }
  /** Gratuitous ARP (IPv4) or unsolicited NA (IPv6): `count` messages per VIP. */
  | { type: 'send-garp'; vips: readonly string[]; count: number; reason: GarpReason }
  | { type: 'notify'; from: VrrpState; to: VrrpState; priority: number }
  | { type: 'notify-master-rx-lower-pri'; priority: number; src: string }
  | { type: 'priority-changed'; from: number; to: number }
  | { type: 'set-timer'; timer: TimerName; due: number }
  | { type: 'cancel-timer'; timer: TimerName }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

export type SyncDirective = 'MASTER' | 'BACKUP' | 'FAULT' | 'CLEAR';

export type FsmEvent =
  | { type: 'start' }
  | { type: 'advert-received'; advert: Advert; src: string }
  /**
   * A timer expired. Pass `due` (the value of the set-timer action) when you can: the event then counts
   * iff that timer is still armed for exactly that time, however early or late the clock says it is.
   * Without `due`, an event up to TIMER_EARLY_TOLERANCE_MS before the due time still counts (Node's
   * setTimeout truncates delays to whole ms on a cached loop clock, so it can fire a little early).
   */
  | { type: 'timer-fired'; timer: TimerName; due?: number }
  | { type: 'tracker-changed'; trackers: readonly TrackerStatus[] }
  | { type: 'interface'; up: boolean }
  | { type: 'shutdown' }
  | { type: 'reload'; config: InstanceConfig }
  /** From the sync-group coordinator (sync.ts): follow a peer's transition. */
  | { type: 'sync'; directive: SyncDirective };

export interface StepResult {
  state: InstanceState;
  actions: Action[];
}

const NO_TIMERS: Readonly<Record<TimerName, null>> = {
  advert: null, 'master-down': null, 'garp-master-delay': null, 'garp-refresh': null, 'garp-lower-prio': null, 'owner-conflict': null,
};

export function createInstance(cfg: InstanceConfig, trackers: readonly TrackerStatus[] = []): InstanceState {
  const tp = trackedPriority(cfg.priority, trackers, cfg.ignoreTrackerWeights);
  return {
    cfg, state: 'INIT', priority: tp.priority, trackers, trackerFault: tp.fault, ifUp: true, syncFault: false,
    masterAdverIntCs: cfg.advertIntCs, preemptAt: null, conflictPeer: null, conflictUntil: 0, timers: NO_TIMERS,
  };
}

/** The owner always preempts; keepalived honours nopreempt only with `state BACKUP`. */
export function preempts(cfg: InstanceConfig): boolean {
  return cfg.priority === PRIO_OWNER || !cfg.nopreempt || cfg.initialState === 'MASTER';
}

/** Priority used in Skew_Time: the owner keeps 255 even while it has dropped to 254 (reference §8). */
function skewPriority(s: InstanceState): number {
  return s.cfg.priority === PRIO_OWNER ? PRIO_OWNER : s.priority;
}

/** Master_Down_Interval of this instance now, in ms (uses the learned interval for v3). */
export function masterDownIntervalMs(s: InstanceState): number {
  return masterDownMs(s.cfg.version, skewPriority(s), s.masterAdverIntCs * 10, s.cfg.downTimerAdverts);
}

export function isFaulted(s: InstanceState): boolean {
  return s.trackerFault || !s.ifUp || s.syncFault;
}

/** Mutable working copy used inside one step; never escapes. */
type Work = { -readonly [K in keyof InstanceState]: InstanceState[K] } & { timers: Record<TimerName, number | null> };

export function step(prev: InstanceState, ev: FsmEvent, now: number): StepResult {
  const w: Work = { ...prev, timers: { ...prev.timers } };
  const acts: Action[] = [];
  switch (ev.type) {
    case 'start':
      if (w.state !== 'INIT' && w.state !== 'STOP') {
        acts.push({ type: 'log', level: 'warn', message: `(${w.cfg.name}) start ignored in state ${w.state}` });
        break;
      }
      w.preemptAt = null;
      w.conflictPeer = null;
      recomputePriority(w, acts, now);
      initialize(w, acts, now);
      break;
    case 'advert-received':
      onAdvert(w, acts, ev.advert, ev.src, now);
      break;
    case 'timer-fired':
      onTimer(w, acts, ev.timer, ev.due, now);
      break;
    case 'tracker-changed':
      w.trackers = ev.trackers;
      recomputePriority(w, acts, now);
      applyFault(w, acts, now);
      break;
    case 'interface':
      w.ifUp = ev.up;
      applyFault(w, acts, now);
      break;
    case 'shutdown':
      if (w.state === 'STOP') break;
      // RFC 3768/5798 §6.4.3: a master that shuts down sends priority 0 so backups take over after Skew_Time.
      if (w.state === 'MASTER') {
        if (w.ifUp) acts.push({ type: 'send-advert', priority: PRIO_STOP });
        leaveMaster(w, acts);
      }
      for (const t of TIMER_NAMES) cancelTimer(w, acts, t);
      w.preemptAt = null;
      transition(w, acts, 'STOP');
      break;
    case 'reload':
      onReload(w, acts, ev.config, now);
      break;
    case 'sync':
      onSync(w, acts, ev.directive, now);
      break;
  }
  return { state: w, actions: acts };
}

function setTimer(w: Work, acts: Action[], timer: TimerName, due: number): void {
  w.timers[timer] = due;
  acts.push({ type: 'set-timer', timer, due });
}

function cancelTimer(w: Work, acts: Action[], timer: TimerName): void {
  if (w.timers[timer] === null) return;
  w.timers[timer] = null;
  acts.push({ type: 'cancel-timer', timer });
}

function transition(w: Work, acts: Action[], to: VrrpState): void {
  if (w.state === to) return;
  acts.push({ type: 'notify', from: w.state, to, priority: w.priority });
  w.state = to;
}

/** Recompute the effective priority from trackers and owner conflict; tell the world if it changed. */
function recomputePriority(w: Work, acts: Action[], now: number): void {
  const tp = trackedPriority(w.cfg.priority, w.trackers, w.cfg.ignoreTrackerWeights);
  w.trackerFault = tp.fault;
  const p = w.cfg.priority === PRIO_OWNER && w.conflictPeer !== null ? PRIO_MAX_BACKUP : tp.priority;
  if (p === w.priority) return;
  acts.push({ type: 'priority-changed', from: w.priority, to: p });
  w.priority = p;
  if (w.state === 'MASTER') {
    // Tell the backups at once: a preempting backup must learn that we dropped below it, and a higher
    // priority must be visible before the next periodic advert.
    acts.push({ type: 'send-advert', priority: p });
    setTimer(w, acts, 'advert', now + w.cfg.advertIntCs * 10);
  }
}

/** RFC §6.4.1 Initialize, also used when a FAULT clears: the owner goes MASTER, others wait in BACKUP. */
function initialize(w: Work, acts: Action[], now: number): void {
  if (isFaulted(w)) {
    transition(w, acts, 'FAULT');
    return;
  }
  if (w.cfg.priority === PRIO_OWNER) {
    becomeMaster(w, acts, now);
    return;
  }
  w.masterAdverIntCs = w.cfg.advertIntCs;
  // preempt_delay applies "at startup or when seeing a lower priority master" (keepalived.conf(5)):
  // the delay window opens now, so a lower master seen during start-up does not open a second one.
  const delay = preempts(w.cfg) ? w.cfg.preemptDelayMs : 0;
  w.preemptAt = delay > 0 ? now + delay : null;
  transition(w, acts, 'BACKUP');
  setTimer(w, acts, 'master-down', now + masterDownIntervalMs(w) + delay);
}

function becomeMaster(w: Work, acts: Action[], now: number): void {
  const g = w.cfg.garp;
  cancelTimer(w, acts, 'master-down');
  w.preemptAt = null;
  w.masterAdverIntCs = w.cfg.advertIntCs;
  acts.push({ type: 'add-vips', vips: w.cfg.vips, accept: w.cfg.accept || w.cfg.priority === PRIO_OWNER });
  acts.push({ type: 'send-advert', priority: w.priority });
  if (g.masterRepeat > 0) acts.push({ type: 'send-garp', vips: w.cfg.vips, count: g.masterRepeat, reason: 'master' });
  setTimer(w, acts, 'advert', now + w.cfg.advertIntCs * 10);
  if (g.masterDelayMs > 0 && g.masterRepeat > 0) setTimer(w, acts, 'garp-master-delay', now + g.masterDelayMs);
  if (g.masterRefreshMs > 0) setTimer(w, acts, 'garp-refresh', now + g.masterRefreshMs);
  transition(w, acts, 'MASTER');
}

/** Everything a master undoes when it stops being master, whatever it becomes. */
function leaveMaster(w: Work, acts: Action[]): void {
  cancelTimer(w, acts, 'advert');
  cancelTimer(w, acts, 'garp-master-delay');
  cancelTimer(w, acts, 'garp-refresh');
  cancelTimer(w, acts, 'garp-lower-prio');
  acts.push({ type: 'remove-vips', vips: w.cfg.vips });
}

function becomeBackup(w: Work, acts: Action[], now: number): void {
  transition(w, acts, 'BACKUP');
  setTimer(w, acts, 'master-down', now + masterDownIntervalMs(w));
}

/** Enter or leave FAULT according to interface, trackers and sync group. */
function applyFault(w: Work, acts: Action[], now: number): void {
  const faulted = isFaulted(w);
  if (faulted && (w.state === 'BACKUP' || w.state === 'MASTER')) {
    if (w.state === 'MASTER') {
      // Resign explicitly (priority 0) when we still can, so a backup takes over after Skew_Time.
      if (w.ifUp) acts.push({ type: 'send-advert', priority: PRIO_STOP });
      leaveMaster(w, acts);
    }
    cancelTimer(w, acts, 'master-down');
    w.preemptAt = null;
    transition(w, acts, 'FAULT');
  } else if (!faulted && w.state === 'FAULT') {
    initialize(w, acts, now);
  }
}

function onAdvert(w: Work, acts: Action[], adv: Advert, src: string, now: number): void {
  if (w.state !== 'BACKUP' && w.state !== 'MASTER') return; // INIT/FAULT/STOP do not take part
  const cfg = w.cfg;
  const owner = cfg.priority === PRIO_OWNER;
  if (owner && cfg.ownerIgnoreAdverts) return; // RFC: "local router is the owner" → discard
  const addrCmp = compareAddresses(src, cfg.primaryAddress);
  if (addrCmp === 0) {
    // Our own advert looped back (or an address clash): never let it drive the election.
    acts.push({ type: 'log', level: 'warn', message: `(${cfg.name}) advert with our own address ${src} ignored` });
    return;
  }
  if (w.state === 'BACKUP') onAdvertBackup(w, acts, adv, now);
  else onAdvertMaster(w, acts, adv, src, addrCmp, now);
  // After the election step, so that a losing owner first yields at 255 and then drops to 254.
  if (owner) trackOwnerConflict(w, acts, adv, src, addrCmp, now);
}

function onAdvertBackup(w: Work, acts: Action[], adv: Advert, now: number): void {
  const cfg = w.cfg;
  if (adv.priority === PRIO_STOP) {
    // The master resigned: take over after Skew_Time only (fast takeover).
    setTimer(w, acts, 'master-down', now + skewMs(cfg.version, skewPriority(w), w.masterAdverIntCs * 10));
    return;
  }
  if (!preempts(cfg) || adv.priority >= w.priority) {
    if (adv.priority >= w.priority) w.preemptAt = null;
    acceptMaster(w, acts, adv, now);
    return;
  }
  // A lower-priority master and we preempt. With preempt_delay we tolerate it for a while.
  if (cfg.preemptDelayMs > 0) {
    if (w.preemptAt === null) w.preemptAt = now + cfg.preemptDelayMs;
    if (now < w.preemptAt) acceptMaster(w, acts, adv, now);
  }
  // Otherwise discard: the master-down timer runs out and we take over.
}

function onAdvertMaster(w: Work, acts: Action[], adv: Advert, src: string, addrCmp: number, now: number): void {
  const cfg = w.cfg;
  if (adv.priority === PRIO_STOP) {
    // Another master resigned: advertise at once so backups do not wait (RFC §6.4.3).
    acts.push({ type: 'send-advert', priority: w.priority });
    setTimer(w, acts, 'advert', now + cfg.advertIntCs * 10);
    return;
  }
  if (adv.priority > w.priority || (adv.priority === w.priority && addrCmp > 0)) {
    // keepalived higher_prio_send_advert: one last advert (lower than theirs) so the other master,
    // if it has garp_lower_prio_repeat, re-sends GARPs and overrides the ones we sent while dual-master.
    if (cfg.higherPrioSendAdvert) acts.push({ type: 'send-advert', priority: w.priority });
    leaveMaster(w, acts);
    learnInterval(w, adv);
    becomeBackup(w, acts, now);
    return;
  }
  // A lower-priority (or lower-address) master: RFC 9568 answers at once so it yields quickly.
  if (!cfg.lowerPrioNoAdvert) acts.push({ type: 'send-advert', priority: w.priority });
  acts.push({ type: 'notify-master-rx-lower-pri', priority: adv.priority, src });
  const g = cfg.garp;
  if (g.lowerPrioRepeat > 0) {
    acts.push({ type: 'send-garp', vips: cfg.vips, count: g.lowerPrioRepeat, reason: 'lower-prio' });
    if (g.lowerPrioDelayMs > 0 && w.timers['garp-lower-prio'] === null) setTimer(w, acts, 'garp-lower-prio', now + g.lowerPrioDelayMs);
  }
}

/** Backup accepts the sender as master: learn its interval (v3) and restart Master_Down_Timer. */
function acceptMaster(w: Work, acts: Action[], adv: Advert, now: number): void {
  learnInterval(w, adv);
  setTimer(w, acts, 'master-down', now + masterDownIntervalMs(w));
}

/**
 * v3: adopt the master's interval (RFC 5798 §6.4.2). An interval of 0 would make Master_Down_Interval
 * 0 (a backup taking over at every advert), so such an advert keeps the interval we had.
 */
function learnInterval(w: Work, adv: Advert): void {
  if (w.cfg.version === 3 && adv.advertIntCs > 0) w.masterAdverIntCs = adv.advertIntCs;
}

/**
 * Two address owners on one segment (a misconfiguration). keepalived lets an owner that hears another
 * 255 drop itself to 254 while the other lasts. Only the owner that loses the address tie-break drops
 * (the winner keeps 255 and stays master), so both agree on one master and a restarted owner cannot
 * create a pair of masters that each think they win. The loser stays at 254 while the winner is heard
 * (any priority) and returns to 255 after one Master_Down_Interval of silence.
 */
function trackOwnerConflict(w: Work, acts: Action[], adv: Advert, src: string, addrCmp: number, now: number): void {
  const fresh = adv.priority === PRIO_OWNER && addrCmp > 0;
  if (!fresh && (w.conflictPeer !== src || adv.priority === PRIO_STOP)) return;
  w.conflictUntil = now + masterDownMs(w.cfg.version, PRIO_OWNER, w.cfg.advertIntCs * 10, w.cfg.downTimerAdverts);
  setTimer(w, acts, 'owner-conflict', w.conflictUntil);
  if (w.conflictPeer === null) {
    w.conflictPeer = src;
    acts.push({ type: 'log', level: 'warn', message: `(${w.cfg.name}) another address owner ${src}: using priority 254 while it lasts` });
    recomputePriority(w, acts, now);
  } else {
    w.conflictPeer = src;
  }
}

function onTimer(w: Work, acts: Action[], timer: TimerName, firedDue: number | undefined, now: number): void {
  const due = w.timers[timer];
  // Cancelled, or re-armed since this event was scheduled: stale.
  if (due === null || (firedDue !== undefined ? firedDue !== due : now + TIMER_EARLY_TOLERANCE_MS < due)) return;
  if (now < due) now = due; // fired a hair early: act as at the due time so follow-up timers keep their cadence
  w.timers[timer] = null;
  const g = w.cfg.garp;
  switch (timer) {
    case 'advert':
      if (w.state !== 'MASTER') return;
      acts.push({ type: 'send-advert', priority: w.priority });
      setTimer(w, acts, 'advert', now + w.cfg.advertIntCs * 10);
      return;
    case 'master-down':
      if (w.state === 'BACKUP') becomeMaster(w, acts, now);
      return;
    case 'garp-master-delay':
      if (w.state === 'MASTER') acts.push({ type: 'send-garp', vips: w.cfg.vips, count: g.masterRepeat, reason: 'master-delay' });
      return;
    case 'garp-refresh':
      if (w.state !== 'MASTER' || g.masterRefreshMs <= 0) return;
      acts.push({ type: 'send-garp', vips: w.cfg.vips, count: g.masterRefreshRepeat, reason: 'refresh' });
      setTimer(w, acts, 'garp-refresh', now + g.masterRefreshMs);
      return;
    case 'garp-lower-prio':
      if (w.state === 'MASTER' && g.lowerPrioRepeat > 0) acts.push({ type: 'send-garp', vips: w.cfg.vips, count: g.lowerPrioRepeat, reason: 'lower-prio-delay' });
      return;
    case 'owner-conflict':
      if (now < w.conflictUntil) {
        setTimer(w, acts, 'owner-conflict', w.conflictUntil);
        return;
      }
      w.conflictPeer = null;
      recomputePriority(w, acts, now);
      return;
  }
}

function onReload(w: Work, acts: Action[], cfg: InstanceConfig, now: number): void {
  const old = w.cfg;
  w.cfg = cfg;
  if (old.priority === PRIO_OWNER && cfg.priority !== PRIO_OWNER && w.conflictPeer !== null) {
    w.conflictPeer = null;
    cancelTimer(w, acts, 'owner-conflict');
  }
  // Keep the current state across a reload (no MASTER→BACKUP flap, keepalived issues #349/#1425):
  // a lowered priority is advertised at once and a preempting backup takes over by the normal rules.
  recomputePriority(w, acts, now);
  if (w.state === 'MASTER') {
    const removed = old.vips.filter((v) => !cfg.vips.includes(v));
    const added = cfg.vips.filter((v) => !old.vips.includes(v));
    if (removed.length) acts.push({ type: 'remove-vips', vips: removed });
    if (added.length) {
      acts.push({ type: 'add-vips', vips: added, accept: cfg.accept || cfg.priority === PRIO_OWNER });
      if (cfg.garp.masterRepeat > 0) acts.push({ type: 'send-garp', vips: added, count: cfg.garp.masterRepeat, reason: 'reload' });
    }
    if (old.advertIntCs !== cfg.advertIntCs) {
      w.masterAdverIntCs = cfg.advertIntCs;
      setTimer(w, acts, 'advert', now + cfg.advertIntCs * 10);
    }
    if (cfg.garp.masterRefreshMs <= 0) cancelTimer(w, acts, 'garp-refresh');
    else if (old.garp.masterRefreshMs !== cfg.garp.masterRefreshMs) setTimer(w, acts, 'garp-refresh', now + cfg.garp.masterRefreshMs);
  } else if (w.state === 'BACKUP' && cfg.priority === PRIO_OWNER && !isFaulted(w)) {
    becomeMaster(w, acts, now); // we became the owner: owners do not wait
  }
  if (w.state === 'BACKUP' || w.state === 'MASTER') applyFault(w, acts, now);
}

function onSync(w: Work, acts: Action[], d: SyncDirective, now: number): void {
  switch (d) {
    case 'MASTER':
      if (w.state === 'BACKUP') becomeMaster(w, acts, now);
      return;
    case 'BACKUP':
      if (w.state === 'MASTER') {
        leaveMaster(w, acts);
        becomeBackup(w, acts, now);
      }
      return;
    case 'FAULT':
      w.syncFault = true;
      applyFault(w, acts, now);
      return;
    case 'CLEAR':
      w.syncFault = false;
      applyFault(w, acts, now);
      return;
  }
}
