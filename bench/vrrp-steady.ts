// Steady-state cost: N VRRP instances (VRIDs 1..N on eth0, advert_int 1, v2), n1 MASTER and n2 BACKUP,
// the same configuration for vipd and keepalived. After the pair settles, two windows of `seconds` are
// measured (see steadyRun): CPU (utime+stime of every process of each daemon, from /proc/PID/stat, plus the scheduler's
// ns count as a finer cross-check), VmRSS summed over the processes, and the master's advert jitter
// from tcpdump on the observer.
import { sleep } from '../src/lab/netns.js';
import { nowMs, sampleTree, cpuBetween } from './lib/observe.js';
import { advertJitter } from './lib/stats.js';
import { N1_ADDR, N2_ADDR, type Daemon, type VrrpLab } from './lib/vrrp-lab.js';
import type { RunFigures } from './vrrp-failover.js';

/** VIP of instance i (1-based): 203.0.113.i, or 198.51.100.(i-250) past 250. */
export function steadyVip(i: number): string {
  if (i < 1 || i > 500) throw new Error(`instance ${i} out of the address plan (1..500)`);
  return i <= 250 ? `203.0.113.${i}` : `198.51.100.${i - 250}`;
}

export function steadyConf(n: number, node: 'n1' | 'n2'): string {
  const master = node === 'n1';
  const blocks = Array.from({ length: n }, (_, k) => {
    const i = k + 1;
    return `vrrp_instance VI_${i} {
  state ${master ? 'MASTER' : 'BACKUP'}
  interface eth0
  virtual_router_id ${i}
  priority ${master ? 150 : 100}
  advert_int 1
  virtual_ipaddress {
    ${steadyVip(i)}/24
  }
}
`;
  });
  return `global_defs {\n  router_id ${node}\n}\n\n${blocks.join('\n')}`;
}

export interface SteadyOpts { seconds: number; settleSec?: number; warmGapSec?: number }

/**
 * Two windows per run: "fresh" = the first `seconds` after settling (what the issue asks for), and
 * "warm" = another `seconds` after a short gap, about half a minute after the daemons started: a
 * Node process spends its first ~30 s compiling hot code and shrinking its heap, so the fresh window
 * shows vipd's start-up tail and the warm one its lasting cost. keepalived (C) has no such tail.
 */
export async function steadyRun(v: VrrpLab, kind: Daemon, n: number, o: SteadyOpts): Promise<RunFigures> {
  const { seconds, settleSec = 3, warmGapSec = 5 } = o;
  const vips = new Set(Array.from({ length: n }, (_, k) => steadyVip(k + 1)));
  try {
    const n1 = await v.start('n1', kind, steadyConf(n, 'n1'));
    const n2 = await v.start('n2', kind, steadyConf(n, 'n2'));
    const end = Date.now() + 30_000;
    while (v.w('n1').count((a) => vips.has(a)) < n || v.w('n2').count((a) => vips.has(a)) > 0) {
      if (Date.now() > end) throw new Error(`${kind}: ${n} instances did not settle (n1 holds ${v.w('n1').count((a) => vips.has(a))}, n2 ${v.w('n2').count((a) => vips.has(a))})\n${v.outputs()}`);
      await sleep(50);
    }
    await sleep(settleSec * 1000);
    v.adverts.trim(nowMs());
    const window = async () => {
      const a1 = sampleTree(n1.proc.pid!); const a2 = sampleTree(n2.proc.pid!);
      await sleep(seconds * 1000);
      const b1 = sampleTree(n1.proc.pid!); const b2 = sampleTree(n2.proc.pid!);
      return { master: cpuBetween(a1, b1), backup: cpuBetween(a2, b2), rss1: b1.rssKiB, rss2: b2.rssKiB, procs: b1.perPid.size };
    };
    const t0 = nowMs();
    const fresh = await window();
    await sleep(warmGapSec * 1000);
    const warm = await window();
    const t1 = nowMs();
    // a backup that took an address during the windows would mean the figures are not steady state
    const flaps = v.w('n2').log.events.filter((e) => e.t >= t0 && e.t <= t1 && !e.deleted && vips.has(e.addr)).length;
    if (flaps) throw new Error(`${kind}: backup took ${flaps} VIPs during the steady-state windows\n${v.outputs()}`);
    // jitter over both windows and the gap: intervals are taken between adverts inside [t0, t1]
    const jit = advertJitter([...v.adverts.seriesBySrc(N1_ADDR, t0, t1).values()], 1000);
    const backupAdverts = v.adverts.log.events.filter((e) => e.src === N2_ADDR && e.t >= t0 && e.t <= t1).length;
    const perMin = (c: { cpuSec: number; wallSec: number }) => (c.cpuSec / c.wallSec) * 60;
    const schedPerMin = (c: { schedSec: number; wallSec: number }) => (c.schedSec / c.wallSec) * 60;
    return {
      masterCpuSecPerMin: perMin(fresh.master),
      masterSchedSecPerMin: schedPerMin(fresh.master),
      backupCpuSecPerMin: perMin(fresh.backup),
      backupSchedSecPerMin: schedPerMin(fresh.backup),
      masterCpuSecPerMinPerInstance: perMin(fresh.master) / n,
      backupCpuSecPerMinPerInstance: perMin(fresh.backup) / n,
      warmMasterCpuSecPerMin: perMin(warm.master),
      warmMasterSchedSecPerMin: schedPerMin(warm.master),
      warmBackupCpuSecPerMin: perMin(warm.backup),
      warmBackupSchedSecPerMin: schedPerMin(warm.backup),
      warmMasterCpuSecPerMinPerInstance: perMin(warm.master) / n,
      warmBackupCpuSecPerMinPerInstance: perMin(warm.backup) / n,
      warmBackupSchedSecPerMinPerInstance: schedPerMin(warm.backup) / n,
      masterRssMiB: warm.rss1 / 1024,
      masterRssMiBPerInstance: warm.rss1 / 1024 / n,
      backupRssMiB: warm.rss2 / 1024,
      masterProcs: warm.procs,
      jitterP50: jit.p50, jitterP99: jit.p99, jitterMax: jit.max, jitterSamples: jit.samples, advertGaps: jit.gaps,
      backupAdverts,
    };
  } finally {
    await v.stopAll();
    v.flushVips('n1', N1_ADDR);
    v.flushVips('n2', N2_ADDR);
  }
}
