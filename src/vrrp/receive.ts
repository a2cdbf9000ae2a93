// Receive checks for VRRP advertisements: RFC 3768 §7.1 (v2) and RFC 5798 §7.1 (v3), with
// keepalived's deviations (vrrp_check_packet in keepalived/vrrp/vrrp.c, summarised in the project
// reference §8). Pure: the caller passes what it knows about the packet and the local instance and
// gets back accept + notes (things to log/count) or a single named drop reason.
import { timingSafeEqual } from 'node:crypto';
import type { Advert, Family, RxMeta, VrrpVersion } from './types.js';
import {
  ADVERT_TYPE, AUTH_AH, AUTH_NONE, AUTH_PASS, DROP_REASONS, MCAST_GROUP4, VRRP_AUTH_LEN, checksumMatches, decodeAdvert,
  type ChecksumMode, type DropReason,
} from './packet.js';
import { canonicalIp, ipFamily, isMulticast } from './wire-addr.js';

export { DROP_REASONS, type DropReason } from './packet.js';

export interface UnicastPeerView {
  addr: string;
  /** keepalived `unicast_peer { IP min_ttl N max_ttl N }`; either one turns on the source check. */
  minTtl?: number;
  maxTtl?: number;
}

/** The minimum the receive checks need to know about the local instance(s) on an interface. */
export interface LocalInstanceView {
  name?: string;
  family: Family;
  version: VrrpVersion;
  vrid: number;
  /** Configured (base) priority; 255 = address owner. */
  priority: number;
  /** keepalived `owner_ignore_adverts` (default off, on with vrrp_strict): an owner drops every advert. */
  ownerIgnoreAdverts?: boolean;
  /** v2 only: 0 none, 1 PASS, 2 AH (AH is not implemented: an AH instance drops every advert as 'auth-type'). */
  authType: number;
  /** v2 PASS: up to 8 bytes, compared zero-padded to 8. */
  authPass?: Buffer | string;
  /** Our advertisement interval in centiseconds (v2: must match exactly; v3: only noted). */
  advertIntCs: number;
  /** Configured virtual_ipaddress list (the advertised one, not virtual_ipaddress_excluded). */
  vips: readonly string[];
  /** Empty = multicast instance. */
  unicastPeers: readonly UnicastPeerView[];
  /** keepalived `check_unicast_src` / global `vrrp_check_unicast_src`. */
  checkUnicastSrc?: boolean;
  /** keepalived `v3_checksum_as_v2`: v3 over IPv4 without pseudo-header. */
  v3ChecksumAsV2?: boolean;
  /**
   * keepalived `old_unicast_checksum`: 'auto' (default; accept and report an old-style checksum from
   * a unicast peer), 'always' (configured, or already detected), 'never'.
   */
  oldUnicastChecksum?: 'auto' | 'always' | 'never';
  /** Multicast group used as pseudo-header destination by old unicast checksums (d: 224.0.0.18). */
  mcastGroup4?: string;
  /** keepalived `skip_check_adv_addr`: no VIP comparison for adverts from the current master. */
  skipCheckAdvAddr?: boolean;
  /** Source address of the current master, if known (for skipCheckAdvAddr). */
  masterSrc?: string;
  /**
   * What a VIP count/list mismatch does. 'drop' (default) is what keepalived does: 2.2.7 and the
   * current source ignore such an advert (observed in test/integration/golden-capture-reverse.test.ts:
   * the keepalived backup goes MASTER), as RFC 3768 §7.1 asks for non-owner senders. 'note' accepts
   * the advert and only reports the mismatch (the project reference described keepalived so).
   */
  vipMismatch?: 'note' | 'drop';
}

/**
 * Things an accepted advert carries that the daemon should log or count.
 * - interval-mismatch: v3 interval differs from ours (RFC 5798: the backup learns it)
 * - addr-count-mismatch / addr-list-mismatch: VIPs differ from our configuration (vipMismatch 'note')
 * - old-unicast-checksum: the checksum verified only in keepalived <= 1.3.6 style; the caller should
 *   switch this instance to sending that style too (keepalived does, logging "Setting unicast VRRPv3
 *   checksum to old version")
 * - priority-zero: the master is resigning
 * - ttl-unknown: the hop limit was not available (meta.ttl < 0), so the TTL rule was skipped
 */
export type RxNote =
  | 'interval-mismatch'
  | 'addr-count-mismatch'
  | 'addr-list-mismatch'
  | 'old-unicast-checksum'
  | 'priority-zero'
  | 'ttl-unknown';

export type CheckResult =
  | { accept: true; advert: Advert; instance: LocalInstanceView; notes: RxNote[] }
  | { accept: false; reason: DropReason; advert?: Advert; instance?: LocalInstanceView };

/** One instance, or every instance on the receiving interface keyed by VRID. */
export type InstanceLookup = LocalInstanceView | ReadonlyMap<number, LocalInstanceView>;

function lookup(local: InstanceLookup, vrid: number): LocalInstanceView | undefined {
  if (local instanceof Map) return (local as ReadonlyMap<number, LocalInstanceView>).get(vrid);
  const one = local as LocalInstanceView;
  return one.vrid === vrid ? one : undefined;
}

function passBytes(p: Buffer | string | undefined): Buffer {
  const out = Buffer.alloc(VRRP_AUTH_LEN);
  if (p !== undefined) (typeof p === 'string' ? Buffer.from(p, 'utf8') : p).copy(out, 0, 0, VRRP_AUTH_LEN);
  return out;
}

function sameAddrs(got: readonly string[], want: readonly string[]): boolean {
  // Order-insensitive, as keepalived (each configured VIP must be present in the advert).
  const have = new Set(got.map((a) => canonicalIp(a) ?? a));
  return want.every((w) => have.has(canonicalIp(w) ?? w));
}

/**
 * Run every receive rule on one VRRP payload. `meta.ttl < 0` means the TTL/hop limit is unknown
 * (the rule is then skipped and noted). `meta.checksumVerified` (IPv6 with IPV6_CHECKSUM) skips
 * the checksum rule. Never throws on packet data.
 */
export function checkAdvert(buf: Uint8Array, meta: RxMeta, local: InstanceLookup): CheckResult {
  const family: Family = ipFamily(meta.src) ?? ipFamily(meta.dst) ?? 4;
  const dec = decodeAdvert(buf, family);
  if (!dec.ok) return { accept: false, reason: dec.reason };
  const a = dec.advert;
  const inst = lookup(local, a.vrid);
  if (!inst) return { accept: false, reason: 'vrid-unknown', advert: a };
  const drop = (reason: DropReason): CheckResult => ({ accept: false, reason, advert: a, instance: inst });
  if (inst.family !== family) return drop('family');
  // keepalived lets the owner process adverts (two-owner conflict handling) unless told not to.
  if (inst.priority === 255 && inst.ownerIgnoreAdverts) return drop('owner');

  const notes: RxNote[] = [];
  const unicast = inst.unicastPeers.length > 0;
  // TTL/HL 255 (RFC 3768/5798 §7.1); keepalived enforces it only for multicast instances.
  if (meta.ttl < 0) notes.push('ttl-unknown');
  else if (!unicast && meta.ttl !== 255) return drop('ttl');

  if (a.version !== inst.version) return drop('version');

  if (a.version === 2) {
    if (a.authType !== AUTH_NONE && a.authType !== AUTH_PASS && a.authType !== AUTH_AH) return drop('auth-type-invalid');
    if (a.authType !== inst.authType) return drop('auth-type');
    // IPsec AH is not implemented (such adverts arrive as IP protocol 51 anyway): never accept one we
    // cannot authenticate.
    if (inst.authType === AUTH_AH) return drop('auth-type');
    if (inst.authType === AUTH_PASS) {
      // Constant time so that response timing does not leak how many leading bytes were right.
      const got = a.authData ?? Buffer.alloc(VRRP_AUTH_LEN);
      if (!timingSafeEqual(got, passBytes(inst.authPass))) return drop('auth-pass');
    }
    // RFC 3768 MUST: a different interval means two routers think differently about the timing.
    if (a.advertIntCs !== inst.advertIntCs) return drop('interval-mismatch');
  }

  if (a.type !== ADVERT_TYPE) return drop('type');

  if (!meta.checksumVerified) {
    const r = verifyChecksum(buf, a.version, family, meta, inst);
    if (r === 'bad') return drop('checksum');
    if (r === 'old') notes.push('old-unicast-checksum');
  }

  // Adverts to a multicast group for a unicast instance (or the other way round) belong to someone else.
  if (isMulticast(meta.dst) === unicast) return drop('cast-mismatch');

  const skipVipCheck = inst.skipCheckAdvAddr === true && inst.masterSrc !== undefined
    && canonicalIp(inst.masterSrc) === canonicalIp(meta.src);
  if (!skipVipCheck) {
    const dropOnVip = inst.vipMismatch !== 'note';
    if (a.addrs.length !== inst.vips.length) {
      if (dropOnVip) return drop('addr-count');
      notes.push('addr-count-mismatch');
    } else if (!sameAddrs(a.addrs, inst.vips)) {
      if (dropOnVip) return drop('addr-list');
      notes.push('addr-list-mismatch');
    }
  }

  if (unicast) {
    const ranged = inst.unicastPeers.some((p) => p.minTtl !== undefined || p.maxTtl !== undefined);
    if (inst.checkUnicastSrc || ranged) {
      const src = canonicalIp(meta.src);
      const peer = inst.unicastPeers.find((p) => canonicalIp(p.addr) === src);
      if (!peer) return drop('unicast-src-unknown');
      if (meta.ttl >= 0 && (meta.ttl < (peer.minTtl ?? 0) || meta.ttl > (peer.maxTtl ?? 255))) return drop('unicast-ttl');
    }
  }

  if (a.version === 3 && a.advertIntCs !== inst.advertIntCs) notes.push('interval-mismatch');
  if (a.priority === 0) notes.push('priority-zero');
  return { accept: true, advert: a, instance: inst, notes };
}

/** 'ok', 'old' (verified only as a keepalived <= 1.3.6 unicast checksum) or 'bad'. */
function verifyChecksum(buf: Uint8Array, version: VrrpVersion, family: Family, meta: RxMeta, inst: LocalInstanceView): 'ok' | 'old' | 'bad' {
  const group = inst.mcastGroup4 ?? MCAST_GROUP4;
  const oldMode = inst.oldUnicastChecksum ?? 'auto';
  let mode: ChecksumMode = 'standard';
  if (version === 3 && family === 4) {
    if (inst.v3ChecksumAsV2) mode = 'as-v2';
    else if (oldMode === 'always') mode = 'old-unicast';
  }
  if (checksumMatches(buf, version, family, mode, meta.src, meta.dst, group)) return 'ok';
  // keepalived retries with the group as pseudo-header destination for unicast instances that have
  // not been told 'never', and from then on uses the old style itself.
  if (mode === 'standard' && version === 3 && family === 4 && oldMode === 'auto' && inst.unicastPeers.length > 0
    && canonicalIp(meta.dst) !== canonicalIp(group)
    && checksumMatches(buf, version, family, 'old-unicast', meta.src, meta.dst, group)) return 'old';
  return 'bad';
}

/** Per-reason drop counters (the daemon exports them as metrics; keepalived keeps similar stats). */
export class DropCounters {
  private readonly counts = new Map<DropReason, number>(DROP_REASONS.map((r) => [r, 0]));

  add(reason: DropReason, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }

  /** Count the outcome of checkAdvert; returns it unchanged so calls can be chained. */
  record(result: CheckResult): CheckResult {
    if (!result.accept) this.add(result.reason);
    return result;
  }

  get(reason: DropReason): number {
    return this.counts.get(reason) ?? 0;
  }

  total(): number {
    let t = 0;
    for (const v of this.counts.values()) t += v;
    return t;
  }

  /** Every reason, including those still at zero (so metrics exist from the start). */
  snapshot(): Record<DropReason, number> {
    return Object.fromEntries(this.counts) as Record<DropReason, number>;
  }

  reset(): void {
    for (const r of DROP_REASONS) this.counts.set(r, 0);
  }
}
