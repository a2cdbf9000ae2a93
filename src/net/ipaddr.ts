// Textual <-> binary IP addresses. Node has no public API for the byte form, and every socket,
// netlink attribute and ARP/ND frame in src/net needs it, so it lives here once, unit-tested.
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export function ipFamily(addr: string): IpFamily {
  const a = stripZone(addr);
  if (isIPv4(a)) return 4;
  if (isIPv6(a)) return 6;
  throw new Error(`not an IP address: ${JSON.stringify(addr)}`);
}

/** `fe80::1%eth0` -> `fe80::1` (the zone is handled separately, as a scope id). */
export function stripZone(addr: string): string {
  const i = addr.indexOf('%');
  return i < 0 ? addr : addr.slice(0, i);
}

export function ipv4ToBuffer(addr: string): Buffer {
  if (!isIPv4(addr)) throw new Error(`not an IPv4 address: ${JSON.stringify(addr)}`);
  return Buffer.from(addr.split('.').map((x) => Number(x)));
}

export function ipv6ToBuffer(addr: string): Buffer {
  const a = stripZone(addr);
  if (!isIPv6(a)) throw new Error(`not an IPv6 address: ${JSON.stringify(addr)}`);
  const out = Buffer.alloc(16);
  let text = a;
  // An embedded dotted quad (::ffff:1.2.3.4) becomes two hex groups so one code path handles the rest.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const b = ipv4ToBuffer(tail);
    text = `${text.slice(0, lastColon + 1)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = 8 - headGroups.length - tailGroups.length;
  const groups = rest === undefined ? headGroups : [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

export function ipToBuffer(addr: string): Buffer {
  return ipFamily(addr) === 4 ? ipv4ToBuffer(addr) : ipv6ToBuffer(addr);
}

/** Bytes -> canonical text (RFC 5952 for IPv6: lower case, longest zero run of >= 2 groups compressed). */
export function bufferToIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) throw new Error(`an IP address has 4 or 16 bytes, not ${b.length}`);
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

/** Canonical text form of any textual address (so `FD00:0::1` and `fd00::1` compare equal). */
export function canonicalIp(addr: string): string {
  return bufferToIp(ipToBuffer(addr));
}

export function isMulticast(addr: string): boolean {
  const b = ipToBuffer(addr);
  return b.length === 4 ? (b[0]! & 0xf0) === 0xe0 : b[0] === 0xff;
}

export function isLinkLocal6(addr: string): boolean {
  const b = ipToBuffer(addr);
  return b.length === 16 && b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
}

/** `aa:bb:cc:dd:ee:ff` <-> 6 bytes. */
export function macToBuffer(mac: string): Buffer {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) {
    throw new Error(`not a MAC address: ${JSON.stringify(mac)}`);
  }
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

export function bufferToMac(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}
