// IPv4 / IPv6 headers around a VRRP payload. A raw IPv4 socket delivers the IP header (needed for the
// TTL and destination checks); an IPv6 raw socket does not, but pcap captures carry both. Pure parsing:
// every malformed header is a counted 'ip-header' drop, never an exception.
import type { RxMeta } from './types.js';
import type { DropReason } from './packet.js';
import { formatIpv4, formatIpv6 } from './wire-addr.js';

export const IPPROTO_AH = 51;

export interface IpPacket {
  meta: RxMeta;
  protocol: number; // IPv4 protocol / IPv6 next header (extension headers are not walked)
  tos: number; // IPv4 TOS / IPv6 traffic class
  payload: Buffer;
}

export type IpParseResult = { ok: true; packet: IpPacket } | { ok: false; reason: DropReason };

/**
 * Split an IPv4 datagram into header facts and payload. The total length must match exactly what
 * arrived (keepalived's ip_tot_len check); fragments are refused because VRRP is never fragmented.
 */
export function parseIpv4Packet(buf: Uint8Array): IpParseResult {
  if (buf.length < 20 || buf[0] >> 4 !== 4) return { ok: false, reason: 'ip-header' };
  const ihl = (buf[0] & 0x0f) * 4;
  const total = (buf[2] << 8) | buf[3];
  if (ihl < 20 || ihl > buf.length || total !== buf.length) return { ok: false, reason: 'ip-header' };
  const fragField = ((buf[6] << 8) | buf[7]) & 0x3fff; // MF flag + offset
  if (fragField !== 0) return { ok: false, reason: 'ip-header' };
  return {
    ok: true,
    packet: {
      meta: { src: formatIpv4(buf, 12), dst: formatIpv4(buf, 16), ttl: buf[8] },
      protocol: buf[9],
      tos: buf[1],
      payload: Buffer.from(buf.subarray(ihl, total)),
    },
  };
}

/** Split an IPv6 packet (fixed header only; extension headers are left in the payload). */
export function parseIpv6Packet(buf: Uint8Array): IpParseResult {
  if (buf.length < 40 || buf[0] >> 4 !== 6) return { ok: false, reason: 'ip-header' };
  const payloadLen = (buf[4] << 8) | buf[5];
  if (40 + payloadLen !== buf.length) return { ok: false, reason: 'ip-header' };
  return {
    ok: true,
    packet: {
      meta: { src: formatIpv6(buf, 8), dst: formatIpv6(buf, 24), ttl: buf[7] },
      protocol: buf[6],
      tos: ((buf[0] & 0x0f) << 4) | (buf[1] >> 4),
      payload: Buffer.from(buf.subarray(40)),
    },
  };
}
