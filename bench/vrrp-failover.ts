// Failover benches, the same scenario for vipd and for Debian's keepalived on the same topology
// (bench/lib/vrrp-lab.ts): n1 MASTER priority 150, n2 BACKUP priority 100, VIP 192.0.2.100, VRID 51.
//   crash     — kill -9 of n1 right after one of its adverts: time to the VIP on n2;
//   sigterm   — SIGTERM of n1 (priority-0 advert): time to the VIP on n2;
//   script    — a vrrp_script (interval 1, fall 1, weight -60) on n1 starts failing: time to the VIP on n2;
//   partition — VRRP dropped by nftables in n2 until it has held the VIP for 3 s (+ a phase offset,
//               see partitionSplitMs), then healed: time from the heal until exactly one node holds the VIP.
// Every figure is in ms and comes from timestamps taken at the source (see lib/observe.ts).
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../src/lab/netns.js';
import { vrrpConf, type NodeProc } from '../test/helpers/vipd-node.js';
import { nowMs } from './lib/observe.js';
import { N1_ADDR, N2_ADDR, type Daemon, type VrrpLab } from './lib/vrrp-lab.js';
import type { AddrEvent } from './lib/parse.js';

export const VIP = '192.0.2.100';
const PRIO_MASTER = 150;
const PRIO_BACKUP = 100;

/** RFC 3768/5798 master-down interval of the backup, in ms. */
export function masterDownMs(advertSec: number, backupPrio = PRIO_BACKUP): number {
  return 3 * advertSec * 1000 + skewMs(advertSec, backupPrio);
}
/** Skew time: (256 − priority) / 256 × advert interval (RFC 5798; keepalived uses it for v2 too). */
export function skewMs(advertSec: number, backupPrio = PRIO_BACKUP): number {
  return ((256 - backupPrio) / 256) * advertSec * 1000;
}

/** One run's figures, ms; keys become rows of the report. */
export type RunFigures = Record<string, number>;

interface PairOpts { version?: 2 | 3; advert?: number; n1Extra?: string; top?: string; global?: string }

async function startPair(v: VrrpLab, kind: Daemon, o: PairOpts): Promise<{ n1: NodeProc; n2: NodeProc }> {
  const base = { vip: `${VIP}/24`, vrid: 51, version: o.version, advert: o.advert ?? 1, global: o.global };
  const n1 = await v.start('n1', kind, vrrpConf({ ...base, name: 'n1', state: 'MASTER', prio: PRIO_MASTER, extra: o.n1Extra, top: o.top }));
  const n2 = await v.start('n2', kind, vrrpConf({ ...base, name: 'n2', state: 'BACKUP', prio: PRIO_BACKUP }));
  return { n1, n2 };
}

/**
 * The pair is in its steady state: n1 holds the VIP, n2 does not, and n1 has sent `count` adverts at
 * `prio` since then (so n2 has heard it and runs its master-down timer on n1's adverts).
 */
async function settled(v: VrrpLab, advertSec: number, count = 3, prio = PRIO_MASTER): Promise<void> {
  const end = Date.now() + 20_000;
  while (!(v.w('n1').has(VIP) && !v.w('n2').has(VIP))) {
    if (Date.now() > end) throw new Error(`pair did not settle with n1 as master (n1 ${v.w('n1').has(VIP)}, n2 ${v.w('n2').has(VIP)})`);
    await sleep(20);
  }
  let t = nowMs();
  for (let i = 0; i < count; i++) {
    t = (await v.adverts.next((e) => e.src === N1_ADDR && e.prio === prio && e.t > t, advertSec * 1000 * 3 + 5000, `advert ${i + 1} from n1 at priority ${prio}`)).t;
  }
}

/** Run fn against a fresh pair; always stop both daemons and wipe leftover VIPs afterwards. */
async function withPair(v: VrrpLab, kind: Daemon, o: PairOpts, fn: (p: { n1: NodeProc; n2: NodeProc }) => Promise<RunFigures>): Promise<RunFigures> {
  const p = await startPair(v, kind, o).catch(async (e) => { await v.stopAll(); throw e; });
  try {
    return await fn(p);
  } catch (e) {
    throw new Error(`${kind}: ${(e as Error).message}\n${v.outputs()}`);
  } finally {
    await v.stopAll();
    v.flushVips('n1', N1_ADDR);
    v.flushVips('n2', N2_ADDR);
    v.adverts.trim(nowMs());
  }
}

/** First of several observer events; the others' timeouts are silenced. */
function firstOf<T>(ps: Promise<T>[]): Promise<T> {
  for (const p of ps) p.catch(() => undefined);
  return Promise.any(ps).catch((e: AggregateError) => { throw e.errors[0] as Error; });
}

export async function crashRun(v: VrrpLab, kind: Daemon, version: 2 | 3, advertSec: number): Promise<RunFigures> {
  return withPair(v, kind, { version, advert: advertSec }, async ({ n1 }) => {
    await settled(v, advertSec, 2);
    // act right after an advert, so that "kill → takeover" is the master-down interval minus our reaction
    const since = nowMs();
    await v.adverts.next((e) => e.src === N1_ADDR && e.t > since, advertSec * 3000 + 5000, 'an advert from n1');
    const tKill = nowMs();
    await v.crash(n1);
    const vip = await v.w('n2').next(VIP, false, tKill, masterDownMs(advertSec) * 3 + 5000);
    const first = await v.adverts.next((e) => e.src === N2_ADDR && e.t > tKill, 5000, 'first advert from n2');
    const lastN1 = v.adverts.log.events.filter((e) => e.src === N1_ADDR && e.t <= tKill).pop()!;
    return { killToVip: vip.t - tKill, lastAdvertToVip: vip.t - lastN1.t, killToFirstAdvert: first.t - tKill, reactionMs: tKill - lastN1.t };
  });
}

export async function sigtermRun(v: VrrpLab, kind: Daemon): Promise<RunFigures> {
  return withPair(v, kind, {}, async ({ n1 }) => {
    await settled(v, 1, 2);
    const tTerm = nowMs();
    n1.proc.kill('SIGTERM');
    const vip = await v.w('n2').next(VIP, false, tTerm, 10_000);
    const zero = await v.adverts.next((e) => e.src === N1_ADDR && e.prio === 0 && e.t > tTerm, 5000, 'priority-0 advert from n1').catch(() => undefined);
    await v.stop(n1);
    return { termToVip: vip.t - tTerm, termToPrioZero: zero ? zero.t - tTerm : NaN };
  });
}

export async function scriptRun(v: VrrpLab, kind: Daemon): Promise<RunFigures> {
  const flag = join(tmpdir(), `vipd-bench-flag-${process.pid}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(flag, 'ok\n');
  try {
    const top = `vrrp_script chk_bench {\n  script "/usr/bin/test -f ${flag}"\n  interval 1\n  fall 1\n  rise 1\n  weight -60\n}\n`;
    return await withPair(v, kind, { top, n1Extra: '  track_script {\n    chk_bench\n  }', global: 'script_user root\n  enable_script_security' }, async () => {
      await settled(v, 1, 2);
      const t0 = nowMs();
      rmSync(flag);
      const vip = await v.w('n2').next(VIP, false, t0, 15_000);
      const low = v.adverts.log.events.find((e) => e.src === N1_ADDR && e.t > t0 && e.prio === PRIO_MASTER - 60);
      return { failToVip: vip.t - t0, failToLowPrioAdvert: low ? low.t - t0 : NaN };
    });
  } finally { rmSync(flag, { force: true }); }
}

/**
 * The heal moment's phase against the adverts decides the heal time (up to one advert interval), and a
 * fixed split duration would always hit the same phase: the backup turned master at a fixed offset
 * from the master's adverts. So run i of n heals at 3 s + (i + 0.5)/n of an advert interval after the
 * split began: stratified phases, the same for both daemons.
 */
export function partitionSplitMs(run: number, runs: number, advertMs = 1000, baseMs = 3000): number {
  return baseMs + ((run % runs) + 0.5) / runs * advertMs;
}

export async function partitionRun(v: VrrpLab, kind: Daemon, splitMs = 3000): Promise<RunFigures> {
  const table = `vipdbench${v.lab.id}`;
  return withPair(v, kind, {}, async () => {
    await settled(v, 1, 2);
    const tDrop = nowMs();
    let splitAt = NaN;
    v.lab.exec('n2', 'nft', ['-f', '-'], { input: `table inet ${table} {\n  chain vrrp_in {\n    type filter hook input priority 0;\n    meta l4proto 112 drop\n  }\n}\n` });
    try {
      splitAt = (await v.w('n2').next(VIP, false, tDrop, 15_000)).t;
      await sleep(Math.max(0, splitAt + splitMs - nowMs()));
      if (!(v.w('n1').has(VIP) && v.w('n2').has(VIP))) throw new Error('no split brain during the partition');
    } finally {
      v.lab.exec('n2', 'nft', ['delete', 'table', 'inet', table], { allowFail: true });
    }
    // the rule is gone once nft returns; most of the call is process start-up before the commit
    const tHeal = nowMs();
    const end: AddrEvent = await firstOf([v.w('n2').next(VIP, true, tHeal, 15_000), v.w('n1').next(VIP, true, tHeal, 15_000)]);
    await sleep(300);
    const holders = ['n1', 'n2'].filter((h) => v.w(h as 'n1' | 'n2').has(VIP));
    if (holders.length !== 1) throw new Error(`after the heal ${holders.length} nodes hold the VIP`);
    return { healToOneHolder: end.t - tHeal, dropToSplit: splitAt - tDrop, splitMs: tHeal - splitAt };
  });
}
