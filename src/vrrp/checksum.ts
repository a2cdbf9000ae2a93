// The Internet checksum (RFC 1071) and the pseudo-headers VRRP puts in front of the message.
// VRRPv2: message only (RFC 3768 §5.3.8). VRRPv3: message + pseudo-header (RFC 5798 §5.2.8): for
// IPv6 the RFC 2460 §8.1 one; for IPv4 keepalived (and tcpdump/wireshark) use the classic IPv4
// pseudo-header unless `v3_checksum_as_v2`; keepalived <= 1.3.6 put the multicast group in the
// pseudo-header even for unicast ("old unicast checksum").
import type { Family } from './types.js';
import { parseIp } from './wire-addr.js';

export const IPPROTO_VRRP = 112;

/**
 * Add `buf` to a running 32-bit one's complement accumulator, 16-bit big-endian words. An odd
 * trailing byte is padded with zero as RFC 1071 says (VRRP messages are always even; the fuzzer's
 * are not).
 */
export function sumWords(buf: Uint8Array, acc = 0): number {
  const n = buf.length & ~1;
  for (let i = 0; i < n; i += 2) acc += (buf[i] << 8) | buf[i + 1];
  if (buf.length & 1) acc += buf[buf.length - 1] << 8;
  // Fold now and then so the accumulator never leaves the safe-integer range for huge inputs.
  return (acc & 0xffff) + Math.floor(acc / 0x10000);
}

/** Fold the accumulator to 16 bits and take the one's complement. */
export function finishChecksum(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return ~acc & 0xffff;
}

export function internetChecksum(...parts: Uint8Array[]): number {
  let acc = 0;
  for (const [i, p] of parts.entries()) {
    if (p.length & 1 && i < parts.length - 1) throw new RangeError('internetChecksum: only the last part may have an odd length');
    acc = sumWords(p, acc);
  }
  return finishChecksum(acc);
}

/** IPv4 pseudo-header: src, dst, zero, protocol, 16-bit length (RFC 768 style). */
export function pseudoHeader4(src: Uint8Array, dst: Uint8Array, len: number, proto = IPPROTO_VRRP): Buffer {
  const b = Buffer.alloc(12);
  b.set(src.subarray(0, 4), 0);
  b.set(dst.subarray(0, 4), 4);
  b[9] = proto;
  b.writeUInt16BE(len & 0xffff, 10);
  return b;
}

/** IPv6 pseudo-header (RFC 2460 §8.1): src, dst, 32-bit upper-layer length, 3 zero bytes, next header. */
export function pseudoHeader6(src: Uint8Array, dst: Uint8Array, len: number, proto = IPPROTO_VRRP): Buffer {
  const b = Buffer.alloc(40);
  b.set(src.subarray(0, 16), 0);
  b.set(dst.subarray(0, 16), 16);
  b.writeUInt32BE(len >>> 0, 32);
  b[39] = proto;
  return b;
}

/** Which pseudo-header (if any) goes in front of the VRRP message. */
export type PseudoHeader = { family: Family; src: string; dst: string } | null;

/**
 * Checksum of a VRRP message as it should appear in bytes 6-7: computed with those two bytes taken
 * as zero, whatever they hold in `msg`. Throws RangeError when the pseudo-header addresses do not
 * parse in the given family (a caller bug, never packet data).
 */
export function vrrpChecksum(msg: Uint8Array, pseudo: PseudoHeader): number {
  let acc = 0;
  if (pseudo) {
    const s = parseIp(pseudo.src, pseudo.family);
    const d = parseIp(pseudo.dst, pseudo.family);
    if (!s || !d) throw new RangeError(`bad pseudo-header address ${pseudo.src} -> ${pseudo.dst} (IPv${pseudo.family})`);
    acc = sumWords(pseudo.family === 4 ? pseudoHeader4(s, d, msg.length) : pseudoHeader6(s, d, msg.length));
  }
  acc = sumWords(msg.subarray(0, Math.min(6, msg.length)), acc);
  if (msg.length > 8) acc = sumWords(msg.subarray(8), acc);
  return finishChecksum(acc);
}
