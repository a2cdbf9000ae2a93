// Typed wrapper of the in-project addon (native/rawsock.c -> build/Release/rawsock.node).
// The C side only makes syscalls; sockaddr layouts and control-message parsing are done here in
// TypeScript so they can be unit-tested without root.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bufferToIp, ipv4ToBuffer, ipv6ToBuffer } from './ipaddr.js';

/** Linux constants (x86-64/arm64 values; identical on every Linux architecture Node supports). */
export const K = {
  AF_INET: 2, AF_INET6: 10, AF_PACKET: 17,
  SOCK_RAW: 3, SOCK_DGRAM: 2,
  SOL_SOCKET: 1, SO_RCVBUF: 8, SO_BINDTODEVICE: 25, SO_TIMESTAMPNS: 35, SCM_TIMESTAMPNS: 35,
  IPPROTO_IP: 0, IP_TOS: 1, IP_TTL: 2, IP_PKTINFO: 8, IP_MULTICAST_IF: 32, IP_MULTICAST_TTL: 33,
  IP_MULTICAST_LOOP: 34, IP_ADD_MEMBERSHIP: 35, IP_DROP_MEMBERSHIP: 36, IP_MULTICAST_ALL: 49,
  IPPROTO_IPV6: 41, IPV6_CHECKSUM: 7, IPV6_UNICAST_HOPS: 16, IPV6_MULTICAST_IF: 17, IPV6_MULTICAST_HOPS: 18,
  IPV6_MULTICAST_LOOP: 19, IPV6_ADD_MEMBERSHIP: 20, IPV6_DROP_MEMBERSHIP: 21, IPV6_RECVPKTINFO: 49,
  IPV6_PKTINFO: 50, IPV6_RECVHOPLIMIT: 51, IPV6_HOPLIMIT: 52, IPV6_TCLASS: 67, IPV6_MULTICAST_ALL: 29,
  IPPROTO_ICMPV6: 58, ICMP6_FILTER: 1,
  IPPROTO_VRRP: 112,
  ETH_P_ARP: 0x0806, ETH_P_IP: 0x0800, ETH_P_IPV6: 0x86dd,
  EAGAIN: 11,
} as const;

interface Addon {
  open(family: number, type: number, proto: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer): void;
  bind(fd: number, sockaddr: Buffer): void;
  sendto(fd: number, data: Buffer, sockaddr: Buffer): number;
  recvmsg(fd: number, data: Buffer, name: Buffer, control: Buffer, lens: Uint32Array): number;
  close(fd: number): void;
  ifindex(name: string): number;
  poll(fd: number, cb: () => void): unknown;
  unpoll(handle: unknown): void;
}

/** Walk up from this file (src/net or dist/src/net) to the package root that holds the built addon. */
function findAddon(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'build', 'Release', 'rawsock.node');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error('build/Release/rawsock.node not found: run `npm ci` (it builds the addon with node-gyp)');
}

let addon: Addon | undefined;
export function native(): Addon {
  if (!addon) addon = createRequire(import.meta.url)(findAddon()) as Addon;
  return addon;
}

/** Interface name -> index (throws ENODEV-style errors with .code). */
export function ifIndex(name: string): number {
  return native().ifindex(name);
}

// ---- sockaddr builders ----

export function sockaddrIn(addr: string, port = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(K.AF_INET, 0);
  b.writeUInt16BE(port, 2);
  ipv4ToBuffer(addr).copy(b, 4);
  return b;
}

export function sockaddrIn6(addr: string, scopeId = 0, port = 0): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt16LE(K.AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  ipv6ToBuffer(addr).copy(b, 8);
  b.writeUInt32LE(scopeId, 24);
  return b;
}

/** struct sockaddr_ll for sending a complete Ethernet frame on `ifindex`. */
export function sockaddrLl(ifindex: number, protocol: number, dstMac: Buffer): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt16LE(K.AF_PACKET, 0);
  b.writeUInt16BE(protocol, 2);
  b.writeInt32LE(ifindex, 4);
  b[11] = 6; // sll_halen
  dstMac.copy(b, 12, 0, 6);
  return b;
}

export interface ParsedSockaddr { family: number; address: string; port: number; scopeId: number }

export function parseSockaddr(b: Buffer): ParsedSockaddr | undefined {
  if (b.length < 2) return undefined;
  const family = b.readUInt16LE(0);
  if (family === K.AF_INET && b.length >= 8) {
    return { family, address: bufferToIp(b.subarray(4, 8)), port: b.readUInt16BE(2), scopeId: 0 };
  }
  if (family === K.AF_INET6 && b.length >= 28) {
    return { family, address: bufferToIp(b.subarray(8, 24)), port: b.readUInt16BE(2), scopeId: b.readUInt32LE(24) };
  }
  return undefined;
}

// ---- option payloads ----

export function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}

/** struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; } */
export function ipMreqn(group: string, ifindex: number, local = '0.0.0.0'): Buffer {
  const b = Buffer.alloc(12);
  ipv4ToBuffer(group).copy(b, 0);
  ipv4ToBuffer(local).copy(b, 4);
  b.writeInt32LE(ifindex, 8);
  return b;
}

/** struct ipv6_mreq { in6_addr multiaddr; unsigned ifindex; } */
export function ipv6Mreq(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(20);
  ipv6ToBuffer(group).copy(b, 0);
  b.writeUInt32LE(ifindex, 16);
  return b;
}

/** struct in6_pktinfo { in6_addr addr; int ifindex; } (sticky option: fixes source and interface) */
export function in6Pktinfo(addr: string, ifindex: number): Buffer {
  const b = Buffer.alloc(20);
  ipv6ToBuffer(addr).copy(b, 0);
  b.writeInt32LE(ifindex, 16);
  return b;
}

// ---- control messages ----

export interface Cmsg { level: number; type: number; data: Buffer }

/** Parse a msg_control area of `len` bytes (LP64 layout: 8-byte cmsg_len, 4 level, 4 type, 8-aligned). */
export function parseCmsgs(ctl: Buffer, len: number): Cmsg[] {
  const out: Cmsg[] = [];
  const end = Math.min(len, ctl.length);
  for (let o = 0; o + 16 <= end;) {
    const clen = Number(ctl.readBigUInt64LE(o));
    if (clen < 16 || o + clen > end) break; // truncated control data (MSG_CTRUNC): keep what is whole
    out.push({ level: ctl.readInt32LE(o + 8), type: ctl.readInt32LE(o + 12), data: Buffer.from(ctl.subarray(o + 16, o + clen)) });
    o += (clen + 7) & ~7;
  }
  return out;
}

/** IPv6 receive info from IPV6_PKTINFO / IPV6_HOPLIMIT cmsgs. */
export function ipv6RxInfo(cmsgs: Cmsg[]): { hopLimit?: number; dst?: string; ifindex?: number } {
  const r: { hopLimit?: number; dst?: string; ifindex?: number } = {};
  for (const c of cmsgs) {
    if (c.level !== K.IPPROTO_IPV6) continue;
    if (c.type === K.IPV6_HOPLIMIT && c.data.length >= 4) r.hopLimit = c.data.readInt32LE(0);
    if (c.type === K.IPV6_PKTINFO && c.data.length >= 20) {
      r.dst = bufferToIp(c.data.subarray(0, 16));
      r.ifindex = c.data.readInt32LE(16);
    }
  }
  return r;
}

// ---- the socket ----

export type MessageHandler = (data: Buffer, from: Buffer, cmsgs: Cmsg[]) => void;

/**
 * A non-blocking raw socket. Receives are driven by a libuv poll on the main loop; each readable
 * event drains the socket. Handler exceptions are routed to `onError` so one bad packet can never
 * stop the drain loop (a level-triggered poll would otherwise spin).
 */
export class RawSocket {
  private fd: number;
  private pollHandle: unknown = null;
  readonly family: number;
  /** Receive errors seen (besides EAGAIN); the socket keeps going. */
  rxErrors = 0;

  constructor(family: number, type: number, protocol: number) {
    this.family = family;
    this.fd = native().open(family, type, protocol);
  }

  get closed(): boolean { return this.fd < 0; }

  /** The descriptor, for the offload thread (src/net/offload.ts); -1 once closed. */
  get descriptor(): number { return this.fd; }

  setInt(level: number, name: number, value: number): this {
    return this.setBuf(level, name, int32(value));
  }

  setBuf(level: number, name: number, value: Buffer): this {
    this.assertOpen();
    native().setsockopt(this.fd, level, name, value);
    return this;
  }

  bindToDevice(ifname: string): this {
    return this.setBuf(K.SOL_SOCKET, K.SO_BINDTODEVICE, Buffer.from(`${ifname}\0`));
  }

  bind(sockaddr: Buffer): this {
    this.assertOpen();
    native().bind(this.fd, sockaddr);
    return this;
  }

  /** Bytes sent, or -1 if the socket buffer is full (the caller counts a drop; VRRP never queues). */
  sendTo(data: Buffer, sockaddr: Buffer): number {
    this.assertOpen();
    const r = native().sendto(this.fd, data, sockaddr);
    return r < 0 ? -1 : r;
  }

  onMessage(handler: MessageHandler, onError: (e: unknown) => void = () => {}, bufSize = 65536): this {
    this.assertOpen();
    if (this.pollHandle) throw new Error('onMessage already set');
    const data = Buffer.alloc(bufSize), name = Buffer.alloc(128), ctl = Buffer.alloc(512), lens = new Uint32Array(2);
    this.pollHandle = native().poll(this.fd, () => {
      // Drain; stop when the handler closed the socket.
      while (this.fd >= 0) {
        name.fill(0);
        let n: number;
        try {
          n = native().recvmsg(this.fd, data, name, ctl, lens);
        } catch (e) {
          this.rxErrors++;
          onError(e);
          return;
        }
        if (n < 0) return;
        const len = Math.min(n, data.length); // MSG_TRUNC reports the real size; we only have bufSize
        try {
          handler(Buffer.from(data.subarray(0, len)), Buffer.from(name.subarray(0, lens[0]!)), parseCmsgs(ctl, lens[1]!));
        } catch (e) {
          onError(e);
        }
      }
    });
    return this;
  }

  close(): void {
    if (this.fd < 0) return;
    if (this.pollHandle) native().unpoll(this.pollHandle);
    this.pollHandle = null;
    const fd = this.fd;
    this.fd = -1;
    native().close(fd);
  }

  private assertOpen(): void {
    if (this.fd < 0) throw new Error('socket is closed');
  }
}
