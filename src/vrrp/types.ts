// Types shared by the VRRP wire format (packet.ts), the receive checks and the sans-IO state machine.

export type Family = 4 | 6;
export type VrrpVersion = 2 | 3;

/** A decoded advertisement, as it was on the wire (no interpretation). */
export interface Advert {
  version: VrrpVersion;
  type: number; // 1 = ADVERTISEMENT; anything else is dropped by the receive checks
  vrid: number;
  priority: number;
  /** Advertisement interval in centiseconds for both versions (v2's 8-bit seconds field × 100). */
  advertIntCs: number;
  authType: number; // v2 only; 0 for v3
  authData?: Buffer; // v2 only: the 8 auth bytes
  checksum: number;
  family: Family;
  addrs: string[]; // the IPvX address list, textual
}

/** What the receiver knows about a packet beyond its VRRP payload. */
export interface RxMeta {
  src: string; // source IP
  dst: string; // destination IP (multicast group or our unicast address)
  ttl: number; // IPv4 TTL or IPv6 hop limit; -1 when the socket could not tell (the TTL rule is then skipped)
  ifname?: string;
  /** True when the kernel already verified the checksum (IPv6 raw socket with IPV6_CHECKSUM). */
  checksumVerified?: boolean;
  /** When the kernel received the packet (CLOCK_REALTIME, ms with ns fraction), if it said so. */
  rxRealtimeMs?: number;
  /**
   * Opaque identity of the packet (hop limit, addresses, payload) from the receive offload thread: an
   * advert with the same key later can be absorbed there (src/net/offload.ts). Absent without offload.
   */
  offloadKey?: Buffer;
}
