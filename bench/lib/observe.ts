// Observers for the VRRP benches. Each runs as one long-lived process in a lab namespace and timestamps
// events at their source, so that the bench's own event loop (busy starting daemons, or blocked in a
// synchronous `ip`/`nft` call) does not add to the figures:
//   AddrWatch   — `ip -o -ts monitor address` inside a host: when a VIP appears/disappears there;
//   AdvertWatch — `tcpdump -tt` on an observer host on the bridge: kernel receive time of every advert.
// procTree/sampleTree read /proc for the CPU and RSS of a daemon's whole process tree.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Lab } from '../../src/lab/netns.js';
import { parseAddrMonitorLine, parseTcpdumpVrrpLine, parseProcStat, parseVmRssKiB, type AddrEvent, type AdvertEvent } from './parse.js';

/** Wall-clock now in epoch ms with sub-ms precision (same clock as tcpdump's and ip's stamps). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

function onLines(stream: Readable | null | undefined, cb: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      cb(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
  });
}

/** An append-only event log that can be waited on. */
class EventLog<T extends { t: number }> {
  readonly events: T[] = [];
  private waiters = new Set<{ pred: (e: T) => boolean; resolve: (e: T) => void }>();

  push(e: T): void {
    this.events.push(e);
    for (const w of [...this.waiters]) if (w.pred(e)) { this.waiters.delete(w); w.resolve(e); }
  }

  /** First event (already logged or future) satisfying pred; rejects after timeoutMs with `what`. */
  waitFor(pred: (e: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const have = this.events.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (e: T) => { clearTimeout(timer); resolve(e); } };
      const timer = setTimeout(() => { this.waiters.delete(w); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
      this.waiters.add(w);
    });
  }
}

/** Address events of one host namespace, and the set of addresses it holds now. */
export class AddrWatch {
  readonly log = new EventLog<AddrEvent>();
  private readonly held = new Set<string>();
  private readonly proc: ChildProcess;
  private started = false;

  constructor(private readonly lab: Lab, readonly host: string) {
    this.proc = lab.spawn(host, 'ip', ['-o', '-ts', 'monitor', 'address']);
    onLines(this.proc.stdout, (line) => {
      this.started = true;
      const e = parseAddrMonitorLine(line);
      if (!e) return;
      if (e.deleted) this.held.delete(e.addr); else this.held.add(e.addr);
      this.log.push(e);
    });
  }

  /**
   * Resolves once the monitor is listening: it adds and removes a probe address on lo until it sees
   * the event, so no later event can be missed. The probe (fd00::/8) never leaves the namespace.
   */
  async ready(timeoutMs = 10_000): Promise<void> {
    const probe = `fd00:b0:${Math.floor(Math.random() * 0xffff).toString(16)}::1`;
    const end = Date.now() + timeoutMs;
    while (!this.started) {
      if (Date.now() > end) throw new Error(`ip monitor in ${this.host} did not start`);
      this.lab.exec(this.host, 'ip', ['addr', 'add', `${probe}/128`, 'dev', 'lo', 'nodad'], { allowFail: true });
      this.lab.exec(this.host, 'ip', ['addr', 'del', `${probe}/128`, 'dev', 'lo'], { allowFail: true });
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  has(addr: string): boolean { return this.held.has(addr); }
  count(pred: (addr: string) => boolean): number { return [...this.held].filter(pred).length; }

  /** Next add (or delete) of addr at or after `since`. */
  next(addr: string, deleted: boolean, since: number, timeoutMs: number): Promise<AddrEvent> {
    return this.log.waitFor((e) => e.addr === addr && e.deleted === deleted && e.t >= since, timeoutMs, `${addr} ${deleted ? 'removed from' : 'added to'} ${this.host}`);
  }

  /** Forget the address state after the bench itself flushed addresses behind the daemons' backs. */
  forget(addr: string): void { this.held.delete(addr); }
}

/** Every VRRP advert on the segment, seen from an observer namespace with tcpdump. */
export class AdvertWatch {
  readonly log = new EventLog<AdvertEvent>();
  private listening = false;
  private readonly proc: ChildProcess;

  constructor(lab: Lab, host: string, ifname = 'eth0') {
    // --immediate-mode: without it libpcap's TPACKET_V3 ring hands packets over in blocks, up to a
    // second late, and the bench could not act right after an advert. -tt stamps stay exact either way.
    // -s 256 -B 8192: immediate mode uses one ring frame per packet sized by the snap length; with the
    // default 256 KiB snap length the 2 MiB ring holds a handful of frames and a burst of 100 adverts
    // lost dozens ("packets dropped by kernel"), which showed up as missing adverts.
    this.proc = lab.spawn(host, 'tcpdump', ['-i', ifname, '-n', '-l', '-tt', '--immediate-mode', '-s', '256', '-B', '8192', 'ip proto 112 or ip6 proto 112']);
    onLines(this.proc.stdout, (line) => { const e = parseTcpdumpVrrpLine(line); if (e) this.log.push(e); });
    onLines(this.proc.stderr, (line) => {
      if (line.includes('listening on')) this.listening = true;
      if (/packets? (captured|received by filter|dropped by kernel)/.test(line)) this.summary.push(line.trim());
    });
  }

  /** tcpdump's own counters, printed when it exits: "N packets dropped by kernel" means lost observations. */
  readonly summary: string[] = [];

  /** Stop tcpdump (by PID, through the lab) and wait for its exit summary. */
  async close(lab: Lab): Promise<string[]> {
    const done = new Promise<void>((r) => { if (this.proc.exitCode !== null || this.proc.signalCode !== null) r(); else this.proc.once('close', () => r()); });
    await lab.stop(this.proc, 'SIGINT', 3000);
    await done;
    return this.summary;
  }

  async ready(timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.listening) {
      if (this.proc.exitCode !== null || Date.now() > end) throw new Error('tcpdump did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  next(pred: (e: AdvertEvent) => boolean, timeoutMs: number, what: string): Promise<AdvertEvent> {
    return this.log.waitFor(pred, timeoutMs, what);
  }

  /** Advert times (ms) per VRID from src within [from, to). */
  seriesBySrc(src: string, from: number, to: number): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const e of this.log.events) {
      if (e.src !== src || e.t < from || e.t >= to) continue;
      let s = out.get(e.vrid);
      if (!s) out.set(e.vrid, (s = []));
      s.push(e.t);
    }
    return out;
  }

  /** Drop events before `t` (a long bench would otherwise keep every advert of every run). */
  trim(t: number): void {
    const keep = this.log.events.filter((e) => e.t >= t);
    this.log.events.length = 0;
    this.log.events.push(...keep);
  }
}

let clkTck = 0;
/** Kernel clock ticks per second for /proc/PID/stat times. */
export function ticksPerSecond(): number {
  if (!clkTck) {
    try { clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { clkTck = 100; }
  }
  return clkTck;
}

function readOr(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

/** root and all its live descendants (a /proc scan: PIDs are global, so namespaces do not matter). */
export function procTree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readOr(`/proc/${name}/stat`);
    const p = st ? parseProcStat(st) : undefined;
    if (p) parent.set(Number(name), p.ppid);
  }
  if (!parent.has(root)) return [];
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, pp] of parent) if (pp === out[i]) out.push(pid);
  return out;
}

export interface TreeSample { at: number; perPid: Map<number, { ticks: number; schedNs: number }>; rssKiB: number }

/** CPU (ticks incl. reaped children, and scheduler ns of all threads) and summed VmRSS of a process tree. */
export function sampleTree(root: number): TreeSample {
  const perPid = new Map<number, { ticks: number; schedNs: number }>();
  let rssKiB = 0;
  for (const pid of procTree(root)) {
    const st = readOr(`/proc/${pid}/stat`);
    const p = st ? parseProcStat(st) : undefined;
    if (!p) continue;
    let schedNs = 0;
    let tasks: string[] = [];
    try { tasks = readdirSync(`/proc/${pid}/task`); } catch { /* gone */ }
    for (const tid of tasks) {
      const s = readOr(`/proc/${pid}/task/${tid}/schedstat`);
      if (s) schedNs += Number(s.split(' ')[0]) || 0;
    }
    perPid.set(pid, { ticks: p.ticks + p.childTicks, schedNs });
    rssKiB += parseVmRssKiB(readOr(`/proc/${pid}/status`) ?? '');
  }
  return { at: nowMs(), perPid, rssKiB };
}

/**
 * CPU seconds used between two samples of one tree: per PID the difference, a PID that appeared in
 * between counts whole (it ran only inside the window). A child that came and went inside the window
 * shows up in its parent's cutime/cstime once reaped.
 */
export function cpuBetween(a: TreeSample, b: TreeSample): { cpuSec: number; schedSec: number; wallSec: number } {
  let ticks = 0; let ns = 0;
  for (const [pid, end] of b.perPid) {
    const start = a.perPid.get(pid) ?? { ticks: 0, schedNs: 0 };
    ticks += end.ticks - start.ticks;
    ns += end.schedNs - start.schedNs;
  }
  return { cpuSec: ticks / ticksPerSecond(), schedSec: ns / 1e9, wallSec: (b.at - a.at) / 1000 };
}
