// Scenario generation: from a seed, the nodes of one virtual router (addresses, priorities, preempt
// settings, trackers, VRRP version and intervals) and a timed plan of faults. Everything random comes
// from the seeded PRNG, so a seed names a scenario exactly.
import { instanceConfig, type InstanceConfig } from '../vrrp/fsm.js';
import type { TrackerStatus } from '../vrrp/priority.js';
import { Prng } from './prng.js';

export type Fault =
  | { f: 'crash'; node: number; id: number } // host dies: process gone, VIPs gone with it
  | { f: 'restart'; node: number; id: number }
  | { f: 'shutdown'; node: number; id: number } // SIGTERM: priority-0 advert, VIPs removed
  | { f: 'pause'; node: number } // stalled process: its timers and rx queue freeze
  | { f: 'resume'; node: number }
  | { f: 'partition'; side: number[] } // nodes in `side` cannot talk with the others (both ways)
  | { f: 'heal-partition'; side: number[] }
  | { f: 'block'; from: number; to: number } // asymmetric: from→to dropped, to→from still works
  | { f: 'unblock'; from: number; to: number }
  | { f: 'loss'; p: number; on: boolean }
  | { f: 'dup'; p: number; on: boolean }
  | { f: 'delay'; extraMs: number; on: boolean } // extra random delay per packet: reordering
  | { f: 'tracker'; node: number; which: number; up: boolean }
  | { f: 'iface'; node: number; up: boolean }
  | { f: 'reload'; node: number; priority: number };

export type FaultKind = 'crash' | 'shutdown' | 'pause' | 'partition' | 'block' | 'loss' | 'dup' | 'delay' | 'tracker' | 'iface' | 'reload';
export const ALL_FAULT_KINDS: readonly FaultKind[] = ['crash', 'shutdown', 'pause', 'partition', 'block', 'loss', 'dup', 'delay', 'tracker', 'iface', 'reload'];

export interface NodeSpec {
  host: number; // instances on one host share process, interface, network position and faults
  cfg: InstanceConfig;
  trackers: TrackerStatus[]; // [0] weighted up/down tracker, [1] weight-0 (FAULT) tracker
}

export interface PlannedFault {
  t: number;
  fault: Fault;
}

export interface Scenario {
  seed: number;
  seconds: number;
  nodes: NodeSpec[]; // VRRP instances; fault `node` fields name hosts (trackers: the host's first instance)
  hosts: number;
  /** vrrp_sync_group members (instance indices), one group per host when the scenario uses them. */
  syncGroups: number[][];
  faults: PlannedFault[];
  baseDelayMs: [number, number]; // per-packet delivery delay without the `delay` fault
  summary: string;
}

export interface ScenarioOptions {
  nodes?: number; // default: 3..5 from the seed
  seconds?: number; // default 120 virtual seconds
  faultKinds?: readonly FaultKind[]; // default: all
  /** Mean gap between fault starts, ms (default 6000). */
  faultGapMs?: number;
  /** Run a second instance (VRID 52) on every host, synced with the first (default: 25% of seeds). */
  syncGroups?: boolean;
}

export function makeScenario(seed: number, opts: ScenarioOptions = {}): Scenario {
  const rng = new Prng(seed);
  const n = opts.nodes ?? rng.int(3, 5);
  const seconds = opts.seconds ?? 120;
  const version = rng.pick([2, 3, 3] as const);
  const family = version === 3 && rng.chance(0.4) ? 6 : 4;
  const mixedIntervals = version === 3 && rng.chance(0.15);
  const commonInt = rng.pick([50, 100, 100, 100, 200]);
  const preemptMode = rng.pick(['preempt', 'preempt', 'preempt', 'preempt', 'nopreempt', 'nopreempt', 'mixed'] as const);
  const preemptDelayMs = rng.chance(0.2) ? rng.pick([500, 1000, 2500, 4000]) : 0;
  const downTimerAdverts = rng.chance(0.8) ? 3 : rng.int(1, 5);
  const owners = rng.chance(0.15) ? 1 : rng.chance(0.05) ? 2 : 0;
  const vip = family === 6 ? 'fd00::fffe' : '192.0.2.254';

  // Distinct primary addresses; numeric order deliberately differs from text order (.9 vs .10).
  const used = new Set<number>();
  const nodes: NodeSpec[] = [];
  for (let i = 0; i < n; i++) {
    let host: number;
    do host = rng.int(1, 250); while (used.has(host));
    used.add(host);
    const addr = family === 6 ? `fd00::${host.toString(16)}` : `192.0.2.${host}`;
    let priority = i < owners ? 255 : rng.int(1, 254);
    if (i >= owners && i > 0 && rng.chance(0.25)) priority = nodes[rng.int(owners, i - 1)]?.cfg.priority ?? priority; // ties
    if (priority === 255 && i >= owners) priority = 254;
    const nopreempt = preemptMode === 'nopreempt' || (preemptMode === 'mixed' && rng.chance(0.5));
    const cfg = instanceConfig({
      name: 'VI_1', vrid: 51, version, family, primaryAddress: addr, priority,
      advertIntCs: mixedIntervals ? rng.pick([50, 100, 200]) : commonInt,
      initialState: !nopreempt && rng.chance(0.2) ? 'MASTER' : 'BACKUP',
      nopreempt, preemptDelayMs: nopreempt ? 0 : preemptDelayMs, downTimerAdverts,
      lowerPrioNoAdvert: rng.chance(0.3), higherPrioSendAdvert: rng.chance(0.3), vips: [vip],
      garp: { masterDelayMs: 5000, masterRepeat: 5, lowerPrioDelayMs: 5000, lowerPrioRepeat: rng.pick([0, 1, 5]), masterRefreshMs: rng.pick([0, 0, 10000]), masterRefreshRepeat: 1 },
    });
    const w = rng.int(1, 60) * (rng.chance(0.5) ? 1 : -1);
    nodes.push({
      host: i,
      cfg,
      trackers: [
        { kind: 'updown', name: 'chk_weighted', weight: w, reverse: rng.chance(0.2), up: true },
        { kind: 'updown', name: 'chk_fault', weight: 0, up: true },
      ],
    });
  }

  const kinds = opts.faultKinds ?? ALL_FAULT_KINDS;
  const faults: PlannedFault[] = [];
  const gap = opts.faultGapMs ?? 6000;
  let id = 0;
  let t = rng.range(1000, 2 * gap);
  while (kinds.length > 0 && t < seconds * 1000) {
    const kind = rng.pick(kinds);
    const dur = rng.range(300, 15000);
    const node = rng.int(0, n - 1);
    const add = (at: number, fault: Fault): void => { faults.push({ t: at, fault }); };
    switch (kind) {
      case 'crash': id++; add(t, { f: 'crash', node, id }); add(t + dur, { f: 'restart', node, id }); break;
      case 'shutdown': id++; add(t, { f: 'shutdown', node, id }); add(t + dur, { f: 'restart', node, id }); break;
      case 'pause': add(t, { f: 'pause', node }); add(t + rng.range(200, 8000), { f: 'resume', node }); break;
      case 'partition': {
        const side = [...Array(n).keys()].filter(() => rng.chance(0.5));
        if (side.length === 0 || side.length === n) side.splice(0, side.length, node);
        add(t, { f: 'partition', side });
        add(t + dur, { f: 'heal-partition', side });
        break;
      }
      case 'block': {
        const to = (node + rng.int(1, n - 1)) % n;
        add(t, { f: 'block', from: node, to });
        add(t + dur, { f: 'unblock', from: node, to });
        break;
      }
      case 'loss': { const p = rng.range(0.1, 0.7); add(t, { f: 'loss', p, on: true }); add(t + dur, { f: 'loss', p, on: false }); break; }
      case 'dup': { const p = rng.range(0.1, 0.5); add(t, { f: 'dup', p, on: true }); add(t + dur, { f: 'dup', p, on: false }); break; }
      case 'delay': { const extraMs = rng.range(20, 600); add(t, { f: 'delay', extraMs, on: true }); add(t + dur, { f: 'delay', extraMs, on: false }); break; }
      case 'tracker': { const which = rng.int(0, 1); add(t, { f: 'tracker', node, which, up: false }); add(t + dur, { f: 'tracker', node, which, up: true }); break; }
      case 'iface': add(t, { f: 'iface', node, up: false }); add(t + dur, { f: 'iface', node, up: true }); break;
      case 'reload': {
        const base = nodes[node]!.cfg.priority;
        const priority = base === 255 ? 255 : rng.chance(0.3) && nodes.length > 1 ? nodes[rng.int(0, n - 1)]!.cfg.priority % 255 || 1 : rng.int(1, 254);
        add(t, { f: 'reload', node, priority });
        break;
      }
    }
    t += rng.range(gap / 4, gap * 1.75);
  }
  faults.sort((a, b) => a.t - b.t);

  // Sync groups come from their own PRNG stream so that adding them leaves the rest of a seed's
  // scenario (and the meaning of recorded regression seeds) unchanged.
  const syncGroups: number[][] = [];
  if (opts.syncGroups ?? new Prng((seed ^ 0xa5a5a5a5) >>> 0).chance(0.25)) {
    const vip2 = family === 6 ? 'fd00::fffd' : '192.0.2.253';
    for (let i = 0; i < n; i++) {
      // Members without sync_group_tracking_weight: weighted trackers are ignored (keepalived's default),
      // otherwise members of one group could want different masters and flap forever.
      const first = nodes[i]!;
      first.cfg = { ...first.cfg, ignoreTrackerWeights: true };
      nodes.push({ host: i, cfg: { ...first.cfg, name: 'VI_2', vrid: 52, vips: [vip2] }, trackers: [] });
      syncGroups.push([i, n + i]);
    }
  }
  const summary = `v${version} ipv${family} nodes=${n}${syncGroups.length ? ' +sync(VRID 52)' : ''} prios=[${nodes.slice(0, n).map((x) => x.cfg.priority).join(',')}] ` +
    `int=[${nodes.slice(0, n).map((x) => x.cfg.advertIntCs).join(',')}]cs preempt=${preemptMode} delay=${preemptDelayMs} dta=${downTimerAdverts} faults=${faults.length}`;
  return { seed, seconds, nodes, hosts: n, syncGroups, faults, baseDelayMs: [0.05, 2], summary };
}
