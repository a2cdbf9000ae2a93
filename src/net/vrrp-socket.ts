// VRRP transport: raw IP protocol 112 sockets bound to one interface, for one multicast group (or
// unicast peers). Payloads in and out are VRRP only; the kernel writes the IP header.
//
// IPv4 needs two sockets: a raw socket bound to a unicast address only receives packets addressed to
// that address (multicast adverts would be lost), but binding is the only way to pin the source of
// unicast adverts. So: an unbound receive socket joined to the group, and a bound send socket that
// never receives (IP_MULTICAST_ALL=0, minimal buffer). IPv4 raw receive includes the IP header,
// which gives the real TTL and destination.
//
// IPv6 likewise: an unbound receive socket and a send socket bound to the source (the sticky
// IPV6_PKTINFO address alone does not pin it); the kernel computes/verifies the VRRPv3 checksum
// (IPV6_CHECKSUM=6) and hands us the hop limit and destination as control messages (IPv6 raw sockets
// never deliver the IPv6 header).
import type { RxMeta } from '../vrrp/types.js';
import { bufferToIp, canonicalIp, ipFamily, isLinkLocal6, isMulticast } from './ipaddr.js';
import { rtnl } from './rtnl.js';
import { offload } from './offload.js';
import {
  K, RawSocket, ifIndex, in6Pktinfo, ipMreqn, ipv6Mreq, ipv6RxInfo, parseCmsgs, parseSockaddr, sockaddrIn, sockaddrIn6, type Cmsg,
} from './rawsock.js';

export const VRRP_GROUP4 = '224.0.0.18';
export const VRRP_GROUP6 = 'ff02::12';
/** keepalived's TOS / traffic class for adverts (DSCP CS6, "network control"). */
export const VRRP_TOS = 0xc0;

export interface VrrpSocketOptions {
  family: 4 | 6;
  ifname: string;
  /** default 224.0.0.18 / ff02::12 */
  mcastGroup?: string;
  /** source address; default: the interface's primary IPv4 / IPv6 link-local address */
  unicastSrc?: string;
  /** when non-empty, send() without dst goes to each peer instead of the group */
  unicastPeers?: string[];
  /** TTL / hop limit of unicast adverts (keepalived's unicast_ttl, default 255); multicast is always 255 */
  ttl?: number;
  /**
   * Join the multicast group (default: only when there are no unicast peers, like keepalived: a
   * unicast instance must not see multicast adverts of the same VRID from other routers).
   */
  joinGroup?: boolean;
}

export interface VrrpSocketStats {
  rxPackets: number;
  /** malformed IP header, wrong protocol, or no hop-limit info: dropped before VRRP sees them */
  rxDropped: number;
  rxErrors: number;
  txPackets: number;
  /** sendto failed (ENETUNREACH, ENODEV, link down…) or the socket buffer was full */
  txErrors: number;
}

export type PacketHandler = (payload: Buffer, meta: RxMeta) => void;

export interface VrrpSocket {
  readonly family: 4 | 6;
  readonly ifname: string;
  readonly ifindex: number;
  readonly group: string;
  /** the source address adverts carry */
  readonly src: string;
  readonly stats: VrrpSocketStats;
  /**
   * Send one VRRP payload to `dst`, or to every unicast peer, or to the group. Never throws for
   * network errors (they are counted in stats.txErrors and reported to onError); returns the
   * number of packets the kernel accepted.
   */
  send(payload: Buffer, dst?: string): number;
  /** Add a receive handler (several may be added; see VridDemux to share one socket). */
  onPacket(cb: PacketHandler): void;
  onError(cb: (e: unknown) => void): void;
  /**
   * Hand periodic sending to the offload thread: each payload goes to its `dst` (else to the group)
   * every intervalMs from firstDue (performance.now() ms; undefined: keep the running cadence, new
   * bytes). Returns false when there is no offload thread (VIPD_OFFLOAD=0).
   */
  sendEvery(id: number, packets: ReadonlyArray<{ payload: Buffer; resign: Buffer; dst?: string }>, firstDue: number | undefined, intervalMs: number): boolean;
  /**
   * Let the offload thread absorb adverts with `key` (RxMeta.offloadKey): each moves the deadline to its
   * receive time + durationMs; `onFired` runs when the deadline passes. False without offload thread.
   */
  holdFor(id: number, key: Buffer, durationMs: number, deadline: number, onFired: (deadline: number) => void): boolean;
  close(): void;
}

/** Parse an IPv4 header in front of a raw-socket payload. Exposed for unit tests. */
export function splitIPv4(pkt: Buffer): { payload: Buffer; src: string; dst: string; ttl: number; proto: number } | undefined {
  if (pkt.length < 20 || pkt[0]! >> 4 !== 4) return undefined;
  const ihl = (pkt[0]! & 0x0f) * 4;
  const total = pkt.readUInt16BE(2);
  if (ihl < 20 || total < ihl || pkt.length < total) return undefined;
  return {
    payload: Buffer.from(pkt.subarray(ihl, total)),
    src: bufferToIp(pkt.subarray(12, 16)),
    dst: bufferToIp(pkt.subarray(16, 20)),
    ttl: pkt[8]!,
    proto: pkt[9]!,
  };
}

/** Build the receive meta for an IPv6 datagram from its source sockaddr and control messages. */
export function ipv6Meta(from: Buffer, cmsgs: Cmsg[], ifname: string): RxMeta | undefined {
  const sa = parseSockaddr(from);
  const info = ipv6RxInfo(cmsgs);
  if (!sa || info.hopLimit === undefined || info.dst === undefined) return undefined;
  return { src: sa.address, dst: info.dst, ttl: info.hopLimit, ifname };
}

class VrrpSocketImpl implements VrrpSocket {
  readonly stats: VrrpSocketStats = { rxPackets: 0, rxDropped: 0, rxErrors: 0, txPackets: 0, txErrors: 0 };
  private readonly handlers: PacketHandler[] = [];
  private readonly errorHandlers: Array<(e: unknown) => void> = [];
  private readonly peers: string[];

  constructor(
    readonly family: 4 | 6,
    readonly ifname: string,
    readonly ifindex: number,
    readonly group: string,
    readonly src: string,
    peers: string[],
    private readonly rx: RawSocket,
    private readonly tx: RawSocket,
  ) {
    this.peers = peers;
    const off = offload();
    // With the offload thread, it reads the socket (and absorbs steady-state adverts); else the main loop polls it.
    if (off) {
      off.watch(rx.descriptor, family, (data, from, ctl, key) => {
        try { this.receive(data, from, parseCmsgs(ctl, ctl.length), key); } catch (e) { this.stats.rxErrors++; this.error(e); }
      });
    }
    else rx.onMessage((data, from, cmsgs) => this.receive(data, from, cmsgs), (e) => { this.stats.rxErrors++; this.error(e); });
  }

  private error(e: unknown): void {
    for (const h of this.errorHandlers) h(e);
  }

  private receive(data: Buffer, from: Buffer, cmsgs: Cmsg[], key?: Buffer): void {
    let payload: Buffer, meta: RxMeta;
    if (this.family === 4) {
      const ip = splitIPv4(data);
      if (!ip || ip.proto !== K.IPPROTO_VRRP) { this.stats.rxDropped++; return; }
      payload = ip.payload;
      meta = { src: ip.src, dst: ip.dst, ttl: ip.ttl, ifname: this.ifname };
    } else {
      const m = ipv6Meta(from, cmsgs, this.ifname);
      if (!m) { this.stats.rxDropped++; return; }
      payload = data;
      meta = m;
    }
    const ts = kernelTimestampMs(cmsgs);
    if (ts !== undefined) meta.rxRealtimeMs = ts;
    if (key !== undefined && key.length > 0) meta.offloadKey = key;
    this.stats.rxPackets++;
    for (const h of this.handlers) h(payload, meta);
  }

  private sockaddr(dst: string): Buffer {
    // Link-local and multicast destinations need the interface as scope id.
    if (this.family === 4) return sockaddrIn(dst);
    return sockaddrIn6(dst, isLinkLocal6(dst) || isMulticast(dst) ? this.ifindex : 0);
  }

  send(payload: Buffer, dst?: string): number {
    const targets = dst !== undefined ? [dst] : this.peers.length > 0 ? this.peers : [this.group];
    let sent = 0;
    for (const t of targets) {
      try {
        if (this.tx.sendTo(payload, this.sockaddr(t)) < 0) {
          this.stats.txErrors++;
          this.error(Object.assign(new Error(`send to ${t}: socket buffer full (EAGAIN)`), { code: 'EAGAIN' }));
          continue;
        }
        sent++;
        this.stats.txPackets++;
      } catch (e) {
        this.stats.txErrors++;
        this.error(e);
      }
    }
    return sent;
  }

  onPacket(cb: PacketHandler): void { this.handlers.push(cb); }
  onError(cb: (e: unknown) => void): void { this.errorHandlers.push(cb); }

  sendEvery(id: number, packets: ReadonlyArray<{ payload: Buffer; resign: Buffer; dst?: string }>, firstDue: number | undefined, intervalMs: number): boolean {
    const off = offload();
    if (!off || this.tx.closed) return false;
    off.send(id, this.tx.descriptor, packets.map((p) => ({ payload: p.payload, resign: p.resign, sockaddr: this.sockaddr(p.dst ?? this.group) })), firstDue, intervalMs);
    return true;
  }

  holdFor(id: number, key: Buffer, durationMs: number, deadline: number, onFired: (deadline: number) => void): boolean {
    const off = offload();
    if (!off || this.rx.closed) return false;
    off.hold(id, this.rx.descriptor, key, durationMs, deadline, onFired);
    return true;
  }

  close(): void {
    const off = offload();
    // The thread must let go of the descriptors before they are closed (and their numbers reused).
    if (off) { if (!this.rx.closed) off.forget(this.rx.descriptor); if (!this.tx.closed) off.forget(this.tx.descriptor); }
    this.rx.close();
    if (this.tx !== this.rx) this.tx.close();
  }
}

function checkFamily(addr: string, family: 4 | 6, what: string): void {
  if (ipFamily(addr) !== family) throw new Error(`${what} ${addr} is not an IPv${family} address`);
}

/**
 * Open the VRRP sockets of one (interface, family, group). Resolves the source address from the
 * interface when none is given (async netlink lookup); everything after that is event-driven.
 * Throws (with a message naming the interface) if the interface does not exist or has no usable
 * source address.
 */
export async function openVrrpSocket(opts: VrrpSocketOptions): Promise<VrrpSocket> {
  const { family, ifname } = opts;
  const group = canonicalIp(opts.mcastGroup ?? (family === 4 ? VRRP_GROUP4 : VRRP_GROUP6));
  checkFamily(group, family, 'multicast group');
  if (!isMulticast(group)) throw new Error(`mcast group ${group} is not a multicast address`);
  const peers = (opts.unicastPeers ?? []).map((p) => { checkFamily(p, family, 'unicast peer'); return canonicalIp(p); });
  const ttl = opts.ttl ?? 255;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw new Error(`ttl ${ttl} is not in 1..255`);
  let ifindex: number;
  try { ifindex = ifIndex(ifname); } catch (e) {
    throw new Error(`interface ${ifname}: ${(e as Error).message}`);
  }
  let src = opts.unicastSrc;
  if (src !== undefined) checkFamily(src, family, 'source address');
  else src = family === 4 ? await rtnl().primaryIPv4(ifindex) : await rtnl().linkLocal6(ifindex);
  if (!src) throw new Error(`interface ${ifname} has no ${family === 4 ? 'IPv4 address' : 'IPv6 link-local address'} to send VRRP from`);
  src = canonicalIp(src);
  const join = opts.joinGroup ?? peers.length === 0;
  return family === 4 ? open4(ifname, ifindex, group, src, peers, ttl, join) : open6(ifname, ifindex, group, src, peers, ttl, join);
}

function open4(ifname: string, ifindex: number, group: string, src: string, peers: string[], ttl: number, join: boolean): VrrpSocket {
  const rx = new RawSocket(K.AF_INET, K.SOCK_RAW, K.IPPROTO_VRRP);
  let tx: RawSocket | undefined;
  try {
    rx.bindToDevice(ifname)
      .setInt(K.SOL_SOCKET, K.SO_TIMESTAMPNS, 1) // kernel receive time with every packet
      .setInt(K.IPPROTO_IP, K.IP_MULTICAST_ALL, 0); // only the groups this socket joined
    if (join) rx.setBuf(K.IPPROTO_IP, K.IP_ADD_MEMBERSHIP, ipMreqn(group, ifindex));
    tx = new RawSocket(K.AF_INET, K.SOCK_RAW, K.IPPROTO_VRRP);
    tx.bindToDevice(ifname)
      .setInt(K.IPPROTO_IP, K.IP_MULTICAST_ALL, 0)
      .setInt(K.SOL_SOCKET, K.SO_RCVBUF, 0) // send-only: the kernel rounds up to its minimum
      .setInt(K.IPPROTO_IP, K.IP_TOS, VRRP_TOS)
      .setInt(K.IPPROTO_IP, K.IP_TTL, ttl)
      .setInt(K.IPPROTO_IP, K.IP_MULTICAST_TTL, 255)
      .setInt(K.IPPROTO_IP, K.IP_MULTICAST_LOOP, 0)
      .setBuf(K.IPPROTO_IP, K.IP_MULTICAST_IF, ipMreqn('0.0.0.0', ifindex, src))
      .bind(sockaddrIn(src));
    return new VrrpSocketImpl(4, ifname, ifindex, group, src, peers, rx, tx);
  } catch (e) {
    rx.close();
    tx?.close();
    throw new Error(`VRRP socket on ${ifname} (src ${src}, group ${group}): ${(e as Error).message}`);
  }
}

function open6(ifname: string, ifindex: number, group: string, src: string, peers: string[], ttl: number, join: boolean): VrrpSocket {
  const rx = new RawSocket(K.AF_INET6, K.SOCK_RAW, K.IPPROTO_VRRP);
  let tx: RawSocket | undefined;
  try {
    rx.bindToDevice(ifname)
      .setInt(K.IPPROTO_IPV6, K.IPV6_CHECKSUM, 6) // the kernel verifies the v3 checksum
      .setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_ALL, 0)
      .setInt(K.IPPROTO_IPV6, K.IPV6_RECVHOPLIMIT, 1)
      .setInt(K.SOL_SOCKET, K.SO_TIMESTAMPNS, 1)
      .setInt(K.IPPROTO_IPV6, K.IPV6_RECVPKTINFO, 1);
    if (join) rx.setBuf(K.IPPROTO_IPV6, K.IPV6_ADD_MEMBERSHIP, ipv6Mreq(group, ifindex));
    // A send socket of its own, bound to the source: the sticky IPV6_PKTINFO address is not what a raw
    // socket sends from (measured: once a VIP of the same prefix was added, adverts left from the VIP,
    // the kernel's newest-address-first choice). Binding the receive socket instead would filter what
    // it gets by destination and lose the multicast adverts, as with IPv4.
    tx = new RawSocket(K.AF_INET6, K.SOCK_RAW, K.IPPROTO_VRRP);
    tx.bindToDevice(ifname)
      .setInt(K.IPPROTO_IPV6, K.IPV6_CHECKSUM, 6) // the kernel computes the v3 checksum
      .setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_ALL, 0)
      .setInt(K.SOL_SOCKET, K.SO_RCVBUF, 0) // send-only: the kernel rounds up to its minimum
      .setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_HOPS, 255)
      .setInt(K.IPPROTO_IPV6, K.IPV6_UNICAST_HOPS, ttl)
      .setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_LOOP, 0)
      .setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_IF, ifindex)
      .setInt(K.IPPROTO_IPV6, K.IPV6_TCLASS, VRRP_TOS)
      .setBuf(K.IPPROTO_IPV6, K.IPV6_PKTINFO, in6Pktinfo(src, ifindex)); // interface (and source where honoured)
    try {
      tx.bind(sockaddrIn6(src, isLinkLocal6(src) ? ifindex : 0));
    } catch {
      // Not bindable yet (a tentative address during DAD): send with the sticky interface and the
      // kernel's source choice, as before, rather than not at all.
    }
    return new VrrpSocketImpl(6, ifname, ifindex, group, src, peers, rx, tx);
  } catch (e) {
    rx.close();
    tx?.close();
    throw new Error(`VRRP socket on ${ifname} (src ${src}, group ${group}): ${(e as Error).message}`);
  }
}

/**
 * SCM_TIMESTAMPNS (struct timespec: two 64-bit fields) as realtime milliseconds. Timers that start at
 * an advert (master-down) should start when the kernel got it, not when JavaScript got round to it.
 */
export function kernelTimestampMs(cmsgs: readonly Cmsg[]): number | undefined {
  const c = cmsgs.find((m) => m.level === K.SOL_SOCKET && m.type === K.SCM_TIMESTAMPNS);
  if (!c || c.data.length < 16) return undefined;
  return Number(c.data.readBigInt64LE(0)) * 1000 + Number(c.data.readBigInt64LE(8)) / 1e6;
}

/** VRID of a VRRP v2/v3 payload (second byte in both versions), or undefined if too short. */
export function vridOf(payload: Buffer): number | undefined {
  return payload.length >= 2 ? payload[1] : undefined;
}

/**
 * Several VRRP instances on one (interface, family, group) share one socket: register each VRID's
 * handler here and pass `demux.dispatch` to onPacket. Packets for VRIDs nobody registered are
 * counted (keepalived's log_unknown_vrids) and handed to `onUnknown` if set.
 */
export class VridDemux {
  private readonly byVrid = new Map<number, PacketHandler>();
  unknownVrid = 0;
  onUnknown?: (vrid: number | undefined, payload: Buffer, meta: RxMeta) => void;

  register(vrid: number, h: PacketHandler): void {
    if (this.byVrid.has(vrid)) throw new Error(`VRID ${vrid} is already registered on this socket`);
    this.byVrid.set(vrid, h);
  }

  unregister(vrid: number): void { this.byVrid.delete(vrid); }

  get size(): number { return this.byVrid.size; }

  readonly dispatch = (payload: Buffer, meta: RxMeta): void => {
    const vrid = vridOf(payload);
    const h = vrid === undefined ? undefined : this.byVrid.get(vrid);
    if (h) h(payload, meta);
    else { this.unknownVrid++; this.onUnknown?.(vrid, payload, meta); }
  };
}

/** What several instances may share: one socket set per (family, interface, group, source, ttl, joined or not). */
function joins(o: VrrpSocketOptions): boolean {
  return o.joinGroup ?? (o.unicastPeers ?? []).length === 0;
}

function poolKey(o: VrrpSocketOptions): string {
  return [o.family, o.ifname, canonicalIp(o.mcastGroup ?? (o.family === 4 ? VRRP_GROUP4 : VRRP_GROUP6)),
    o.unicastSrc ? canonicalIp(o.unicastSrc) : '', o.ttl ?? 255, joins(o) ? 'join' : 'nojoin'].join('|');
}

/** One instance's use of a shared socket: its own peers and VRID, released when the instance stops. */
export interface VrrpLease {
  readonly socket: VrrpSocket;
  readonly vrid: number;
  /** to `dst`, else to this instance's unicast peers, else to the group */
  send(payload: Buffer, dst?: string): number;
  release(): void;
}

/**
 * Shares sockets between the VRRP instances of one daemon: `acquire` opens (or reuses) the socket
 * for the instance's (family, interface, group, source, ttl) and registers its VRID; packets for it
 * reach `handler` only. The socket is closed when the last lease is released.
 */
export class VrrpSocketPool {
  private readonly entries = new Map<string, { socket: Promise<VrrpSocket>; demux: VridDemux }>();

  async acquire(opts: VrrpSocketOptions, vrid: number, handler: PacketHandler): Promise<VrrpLease> {
    const key = poolKey(opts);
    let e = this.entries.get(key);
    if (!e) {
      const demux = new VridDemux();
      const socket = openVrrpSocket({ ...opts, unicastPeers: [], joinGroup: joins(opts) }).then((s) => { s.onPacket(demux.dispatch); return s; });
      e = { socket, demux };
      this.entries.set(key, e);
      socket.catch(() => { if (this.entries.get(key) === e) this.entries.delete(key); });
    }
    const entry = e;
    const socket = await entry.socket;
    entry.demux.register(vrid, handler);
    const peers = (opts.unicastPeers ?? []).map(canonicalIp);
    let released = false;
    return {
      socket,
      vrid,
      send(payload: Buffer, dst?: string): number {
        if (released) return 0;
        if (dst !== undefined) return socket.send(payload, dst);
        if (peers.length === 0) return socket.send(payload);
        let n = 0;
        for (const p of peers) n += socket.send(payload, p);
        return n;
      },
      release: () => {
        if (released) return;
        released = true;
        entry.demux.unregister(vrid);
        if (entry.demux.size === 0 && this.entries.get(key) === entry) {
          this.entries.delete(key);
          socket.close();
        }
      },
    };
  }

  /** Number of open socket sets (for tests and stats). */
  get size(): number { return this.entries.size; }

  closeAll(): void {
    for (const e of this.entries.values()) void e.socket.then((s) => s.close(), () => {});
    this.entries.clear();
  }
}
