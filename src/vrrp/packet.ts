// VRRP advertisement wire format: VRRPv2 (RFC 3768 §5) and VRRPv3 (RFC 5798 §5), IPv4 and IPv6.
// Only the VRRP payload (what follows the IP header) is handled here; see wire-ip.ts for headers.
//
//  0               1               2               3
//  |Version| Type  | Virtual Rtr ID|   Priority    | Count IPvX Addr|
//  v2: | Auth Type | Adver Int (s) |          Checksum              |
//  v3: |(rsvd)|  Max Adver Int (cs, 12 bits)  |     Checksum        |
//  IPvX address(es) ... ; v2 only: 8 bytes of Authentication Data
import type { Advert, Family, VrrpVersion } from './types.js';
import { vrrpChecksum, type PseudoHeader } from './checksum.js';
import { formatIp, parseIp } from './wire-addr.js';

export const VRRP_HEADER_LEN = 8;
export const VRRP_AUTH_LEN = 8;
export const ADVERT_TYPE = 1;
export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_AH = 2;
export const MCAST_GROUP4 = '224.0.0.18';
export const MCAST_GROUP6 = 'ff02::12';
/** v3 interval field is 12 bits of centiseconds. */
export const V3_MAX_INTERVAL_CS = 0x0fff;

/**
 * Why a packet was not accepted. One name per reason; the daemon exports a counter for each.
 * - ip-header: the IPv4/IPv6 header around it is malformed, or its total length disagrees with what arrived
 * - truncated: shorter than the fixed header, or than the addresses (+ v2 auth data) it announces
 * - length: longer than the fixed header + announced addresses (+ auth data)
 * - version: version is neither 2 nor 3, or differs from the receiving instance's
 * - family: a VRRPv2 packet over IPv6, or a packet of the other family than the instance
 * - vrid-unknown: no instance with this VRID on the receiving interface
 * - owner: we are the address owner (priority 255) and `owner_ignore_adverts` is set
 * - ttl: multicast advert with TTL/hop limit other than 255
 * - unicast-ttl: unicast advert outside the peer's min_ttl..max_ttl
 * - auth-type-invalid: v2 auth type not 0/1/2
 * - auth-type: v2 auth type differs from ours
 * - auth-pass: v2 simple password differs from ours
 * - interval-mismatch: v2 advert interval differs from ours (RFC 3768 MUST discard)
 * - type: not an ADVERTISEMENT (type 1)
 * - checksum: checksum does not verify in the configured mode
 * - cast-mismatch: multicast advert to a unicast instance, or unicast advert to a multicast one
 * - addr-count / addr-list: VIP count or list differs from ours (keepalived; unless vipMismatch 'note')
 * - unicast-src-unknown: source is not a configured unicast peer (check_unicast_src)
 */
export type DropReason =
  | 'ip-header'
  | 'truncated'
  | 'length'
  | 'version'
  | 'family'
  | 'vrid-unknown'
  | 'owner'
  | 'ttl'
  | 'unicast-ttl'
  | 'auth-type-invalid'
  | 'auth-type'
  | 'auth-pass'
  | 'interval-mismatch'
  | 'type'
  | 'checksum'
  | 'cast-mismatch'
  | 'addr-count'
  | 'addr-list'
  | 'unicast-src-unknown';

export const DROP_REASONS: readonly DropReason[] = [
  'ip-header', 'truncated', 'length', 'version', 'family', 'vrid-unknown', 'owner', 'ttl', 'unicast-ttl',
  'auth-type-invalid', 'auth-type', 'auth-pass', 'interval-mismatch', 'type', 'checksum', 'cast-mismatch',
  'addr-count', 'addr-list', 'unicast-src-unknown',
];

/**
 * How the checksum is produced.
 * - standard: v2 message only; v3 with the pseudo-header of its family (keepalived's default)
 * - as-v2: v3 over IPv4 without pseudo-header (keepalived `v3_checksum_as_v2`, RFC 9568, Cisco);
 *   IPv6 keeps the pseudo-header (the kernel computes it there anyway)
 * - old-unicast: v3 over IPv4 with the multicast group as pseudo-header destination even when sent
 *   unicast (keepalived <= 1.3.6, `old_unicast_checksum`)
 * - kernel: leave 0 for the kernel to fill (IPv6 raw socket with IPV6_CHECKSUM = 6)
 * - verbatim: write `advert.checksum` unchanged (tests, fuzzing)
 */
export type ChecksumMode = 'standard' | 'as-v2' | 'old-unicast' | 'kernel' | 'verbatim';

export interface EncodeOptions {
  src: string;
  dst: string;
  checksumMode?: ChecksumMode; // default 'standard'
  /** Pseudo-header destination for 'old-unicast' (keepalived's global vrrp_mcast_group4). */
  mcastGroup?: string;
}

export type DecodeResult = { ok: true; advert: Advert } | { ok: false; reason: DropReason };

function addrLen(family: Family): number {
  return family === 4 ? 4 : 16;
}

/** Total VRRP payload length for a version/family/address count. */
export function advertLength(version: VrrpVersion, family: Family, count: number): number {
  return VRRP_HEADER_LEN + count * addrLen(family) + (version === 2 ? VRRP_AUTH_LEN : 0);
}

/** The pseudo-header a checksum mode implies, for a given advert's version and family. */
export function pseudoHeaderFor(
  version: VrrpVersion, family: Family, mode: ChecksumMode, src: string, dst: string, mcastGroup?: string,
): PseudoHeader {
  if (version === 2) return null;
  if (family === 6) return { family, src, dst };
  if (mode === 'as-v2') return null;
  if (mode === 'old-unicast') return { family, src, dst: mcastGroup ?? MCAST_GROUP4 };
  return { family, src, dst };
}

function checkRange(name: string, v: number, lo: number, hi: number): void {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`encodeAdvert: ${name} ${v} outside ${lo}..${hi}`);
}

/**
 * Serialise an advertisement (VRRP payload only). Throws RangeError on values that cannot be put
 * on the wire: those come from our own configuration, so they are bugs, not network input.
 */
export function encodeAdvert(a: Advert, opts: EncodeOptions): Buffer {
  const mode = opts.checksumMode ?? 'standard';
  if (a.version !== 2 && a.version !== 3) throw new RangeError(`encodeAdvert: version ${String(a.version)}`);
  if (a.version === 2 && a.family === 6) throw new RangeError('encodeAdvert: VRRPv2 is IPv4 only');
  checkRange('type', a.type, 0, 15);
  checkRange('vrid', a.vrid, 0, 255);
  checkRange('priority', a.priority, 0, 255);
  checkRange('address count', a.addrs.length, 0, 255);
  const len = advertLength(a.version, a.family, a.addrs.length);
  const buf = Buffer.alloc(len);
  buf[0] = (a.version << 4) | a.type;
  buf[1] = a.vrid;
  buf[2] = a.priority;
  buf[3] = a.addrs.length;
  if (a.version === 2) {
    checkRange('auth type', a.authType, 0, 255);
    if (a.advertIntCs % 100 !== 0) throw new RangeError(`encodeAdvert: v2 interval ${a.advertIntCs} cs is not whole seconds`);
    checkRange('v2 interval (s)', a.advertIntCs / 100, 0, 255);
    buf[4] = a.authType;
    buf[5] = a.advertIntCs / 100;
  } else {
    checkRange('v3 interval (cs)', a.advertIntCs, 0, V3_MAX_INTERVAL_CS);
    buf.writeUInt16BE(a.advertIntCs, 4);
  }
  const al = addrLen(a.family);
  a.addrs.forEach((text, i) => {
    const bytes = parseIp(text, a.family);
    if (!bytes) throw new RangeError(`encodeAdvert: ${text} is not an IPv${a.family} address`);
    bytes.copy(buf, VRRP_HEADER_LEN + i * al);
  });
  if (a.version === 2 && a.authData) {
    // PASS is an 8-byte field, zero padded (RFC 2338 §5.3.10); longer data would silently change meaning.
    if (a.authData.length > VRRP_AUTH_LEN) throw new RangeError('encodeAdvert: auth data longer than 8 bytes');
    a.authData.copy(buf, len - VRRP_AUTH_LEN);
  }
  let sum: number;
  if (mode === 'verbatim') sum = a.checksum & 0xffff;
  else if (mode === 'kernel') sum = 0;
  else sum = vrrpChecksum(buf, pseudoHeaderFor(a.version, a.family, mode, opts.src, opts.dst, opts.mcastGroup));
  buf.writeUInt16BE(sum, 6);
  return buf;
}

/**
 * Parse a VRRP payload received over `family`. Checks only what is needed to read it safely:
 * fixed header present, version 2/3, v2 not over IPv6, exact length. Everything that needs local
 * configuration or the IP header (TTL, checksum, type, auth, …) is checkAdvert's job (receive.ts).
 * Never throws, whatever the bytes.
 */
export function decodeAdvert(buf: Uint8Array, family: Family): DecodeResult {
  if (buf.length < VRRP_HEADER_LEN) return { ok: false, reason: 'truncated' };
  const version = buf[0] >> 4;
  if (version !== 2 && version !== 3) return { ok: false, reason: 'version' };
  if (version === 2 && family === 6) return { ok: false, reason: 'family' };
  const count = buf[3];
  const expected = advertLength(version, family, count);
  if (buf.length < expected) return { ok: false, reason: 'truncated' };
  if (buf.length > expected) return { ok: false, reason: 'length' };
  const al = addrLen(family);
  const addrs: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) addrs[i] = formatIp(buf, VRRP_HEADER_LEN + i * al, family);
  const advert: Advert = {
    version,
    type: buf[0] & 0x0f,
    vrid: buf[1],
    priority: buf[2],
    advertIntCs: version === 2 ? buf[5] * 100 : ((buf[4] << 8) | buf[5]) & V3_MAX_INTERVAL_CS,
    authType: version === 2 ? buf[4] : 0,
    checksum: (buf[6] << 8) | buf[7],
    family,
    addrs,
  };
  if (version === 2) advert.authData = Buffer.from(buf.subarray(expected - VRRP_AUTH_LEN, expected));
  return { ok: true, advert };
}

/** Does the checksum in `buf` (bytes 6-7) match the given mode? */
export function checksumMatches(
  buf: Uint8Array, version: VrrpVersion, family: Family, mode: ChecksumMode, src: string, dst: string, mcastGroup?: string,
): boolean {
  if (buf.length < VRRP_HEADER_LEN) return false;
  const want = vrrpChecksum(buf, pseudoHeaderFor(version, family, mode, src, dst, mcastGroup));
  return want === ((buf[6] << 8) | buf[7]);
}
