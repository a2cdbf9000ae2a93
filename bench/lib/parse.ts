// Parsers for the observers' output lines (pure, unit-tested): `ip -o -ts monitor address` and
// `tcpdump -tt -n` VRRP lines. All times are epoch milliseconds with sub-millisecond fractions.

export interface AddrEvent { t: number; deleted: boolean; ifname: string; addr: string; family: 4 | 6 }

/**
 * `ip -ts` stamps with local wall-clock time and microseconds, without a zone:
 * `[2026-11-26T09:51:35.526684]`. Returns epoch ms, or NaN when the text is not such a stamp.
 */
export function parseIpTimestamp(s: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, se, frac] = m;
  const whole = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se)).getTime();
  return whole + (frac ? Number(`0.${frac}`) * 1000 : 0);
}

/** One line of `ip -o -ts monitor address`; undefined for lines that are not address events. */
export function parseAddrMonitorLine(line: string): AddrEvent | undefined {
  const m = /^\[([^\]]+)\]\s+(Deleted\s+)?\d+:\s+(\S+)\s+(inet6?)\s+([0-9a-fA-F.:]+)\/\d+/.exec(line);
  if (!m) return undefined;
  const t = parseIpTimestamp(m[1]!);
  if (!Number.isFinite(t)) return undefined;
  return { t, deleted: Boolean(m[2]), ifname: m[3]!, family: m[4] === 'inet6' ? 6 : 4, addr: m[5]!.toLowerCase() };
}

export interface AdvertEvent { t: number; src: string; vrid: number; prio: number; version: number }

/**
 * One line of `tcpdump -tt -n` for a VRRP advert, e.g.
 * `1764150695.123456 IP 192.0.2.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, ...`.
 * tcpdump's -tt stamp is the kernel's receive time, so it does not depend on how busy the reader is.
 */
export function parseTcpdumpVrrpLine(line: string): AdvertEvent | undefined {
  const m = /^(\d+\.\d+) IP6? (\S+) > \S+: VRRPv(\d), Advertisement, vrid (\d+), prio (\d+)/.exec(line);
  if (!m) return undefined;
  return { t: Number(m[1]) * 1000, src: m[2]!, version: Number(m[3]), vrid: Number(m[4]), prio: Number(m[5]) };
}

/** `/proc/PID/stat`: ppid and CPU ticks (utime+stime of the process, cutime+cstime of its reaped children). */
export function parseProcStat(text: string): { ppid: number; ticks: number; childTicks: number } | undefined {
  // comm may contain spaces and parentheses: the fields start after the LAST ')'
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] = state (field 3), so field n is f[n - 3]
  const num = (n: number) => Number(f[n - 3]);
  const ppid = num(4); const utime = num(14); const stime = num(15); const cutime = num(16); const cstime = num(17);
  if (![ppid, utime, stime, cutime, cstime].every(Number.isFinite)) return undefined;
  return { ppid, ticks: utime + stime, childTicks: cutime + cstime };
}

/** VmRSS in KiB from `/proc/PID/status`; 0 when absent (a zombie has none). */
export function parseVmRssKiB(text: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) : 0;
}
