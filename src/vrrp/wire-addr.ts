// Textual <-> binary IP addresses for the VRRP wire format. Written by hand (instead of going through
// node:net or URL) because the decoder runs on every received packet and in the 10^6-packet fuzz test,
// and because the VIP-list comparison needs one canonical form for both families.
import type { Family } from './types.js';

/** Parse a dotted-quad IPv4 address into 4 bytes, or undefined when it is not one. */
export function parseIpv4(text: string): Buffer | undefined {
  // A hand-written scanner: this runs several times per received packet.
  const out = Buffer.alloc(4);
  let part = 0;
  let digits = 0;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return undefined;
      v = v * 10 + (c - 48);
    } else if (c === 46 && digits > 0 && part < 3) {
      if (v > 255) return undefined;
      out[part++] = v;
      v = 0;
      digits = 0;
    } else return undefined;
  }
  if (part !== 3 || digits === 0 || v > 255) return undefined;
  out[3] = v;
  return out;
}

/** Parse an IPv6 address (with `::` and an optional trailing dotted quad) into 16 bytes. */
export function parseIpv6(text: string): Buffer | undefined {
  let s = text;
  const pct = s.indexOf('%'); // zone index (fe80::1%eth0) is not part of the address bytes
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length === 0) return undefined;
  let tail4: Buffer | undefined;
  const lastColon = s.lastIndexOf(':');
  if (lastColon >= 0 && s.indexOf('.', lastColon) > lastColon) {
    tail4 = parseIpv4(s.slice(lastColon + 1));
    if (!tail4) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0'; // placeholder groups, overwritten below
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    let v = 0;
    let digits = 0;
    for (let i = 0; i <= part.length; i++) {
      const c = i < part.length ? part.charCodeAt(i) : 58; // a virtual ':' closes the last group
      if (c === 58) {
        if (digits === 0) return undefined;
        groups.push(v);
        v = 0;
        digits = 0;
        continue;
      }
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else return undefined;
      if (++digits > 4) return undefined;
      v = v * 16 + d;
    }
    return groups;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(s);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  const out = Buffer.alloc(16);
  for (let i = 0; i < 8; i++) out.writeUInt16BE(groups[i], i * 2);
  if (tail4) tail4.copy(out, 12);
  return out;
}

export function parseIp(text: string, family: Family): Buffer | undefined {
  return family === 4 ? parseIpv4(text) : parseIpv6(text);
}

/** Family of a textual address, or undefined when it is neither. */
export function ipFamily(text: string): Family | undefined {
  if (parseIpv4(text)) return 4;
  if (parseIpv6(text)) return 6;
  return undefined;
}

export function formatIpv4(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** RFC 5952 canonical text: lower case, longest run (≥ 2) of zero groups as `::`, first run on ties. */
export function formatIpv6(b: Uint8Array, off = 0): string {
  const g = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < 8; i++) g[i] = (b[off + i * 2] << 8) | b[off + i * 2 + 1];
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never compressed
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    s += g[i].toString(16);
  }
  return s;
}

export function formatIp(b: Uint8Array, off: number, family: Family): string {
  return family === 4 ? formatIpv4(b, off) : formatIpv6(b, off);
}

/** Canonical text of an address (so '2001:DB8:0::1' and '2001:db8::1' compare equal), or undefined. */
export function canonicalIp(text: string): string | undefined {
  const v4 = parseIpv4(text);
  if (v4) return formatIpv4(v4);
  const v6 = parseIpv6(text);
  return v6 ? formatIpv6(v6) : undefined;
}

export function isMulticast(text: string): boolean {
  const v4 = parseIpv4(text);
  if (v4) return v4[0] >= 224 && v4[0] <= 239;
  const v6 = parseIpv6(text);
  return v6 !== undefined && v6[0] === 0xff;
}
