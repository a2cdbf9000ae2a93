// PING_CHECK: one ICMP echo request per attempt. Node has no ICMP sockets, so this uses the
// project's raw-socket addon (build/Release/rawsock.node). A raw socket (root / CAP_NET_RAW) is used
// rather than an unprivileged ICMP datagram socket because ping_group_range is "1 0" (disabled) by
// default and keepalived would have to rewrite a sysctl to get one; raw sockets need nothing
// changed. One socket per address family is shared by all checks: replies are matched by
// identifier + sequence number, so thousands of concurrent pings cost two descriptors.
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { attempt, ok, fail, errText } from './attempt.js';
import type { CheckResult, PingCheckSpec, Runnable } from './types.js';

interface RawSock {
  open(family: number, type: number, proto: number): number;
  sendto(fd: number, data: Buffer, sa: Buffer): number;
  recvmsg(fd: number, data: Buffer, name: Buffer, ctl: Buffer, lens: Uint32Array): number;
  close(fd: number): void;
  poll(fd: number, cb: () => void): unknown;
  unpoll(h: unknown): void;
}

const AF_INET = 2, AF_INET6 = 10, SOCK_RAW = 3, IPPROTO_ICMP = 1, IPPROTO_ICMPV6 = 58;

function loadAddon(): RawSock {
  // dist/src/check/ping.js and src/check/ping.ts both sit below the package root
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'build', 'Release', 'rawsock.node');
    if (existsSync(p)) return createRequire(import.meta.url)(p) as RawSock;
    dir = dirname(dir);
  }
  throw new Error('rawsock.node addon not built (run npm install / node-gyp rebuild)');
}

export function icmpChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  if (b.length % 2) sum += b[b.length - 1]! << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

/** Echo request: type 8 (v4) / 128 (v6), checksum filled for v4 (the kernel does it for v6). */
export function echoRequest(v6: boolean, id: number, seq: number): Buffer {
  const b = Buffer.alloc(16);
  b[0] = v6 ? 128 : 8;
  b.writeUInt16BE(id, 4); b.writeUInt16BE(seq, 6);
  b.write('vipd-chk', 8, 'latin1');
  if (!v6) b.writeUInt16BE(icmpChecksum(b), 2);
  return b;
}

/** Parse an echo reply; v4 raw sockets deliver the IP header first. */
export function parseEchoReply(v6: boolean, pkt: Buffer): { id: number; seq: number } | undefined {
  let icmp = pkt;
  if (!v6) {
    if (pkt.length < 20) return undefined;
    icmp = pkt.subarray((pkt[0]! & 0x0f) * 4);
  }
  if (icmp.length < 8 || icmp[0] !== (v6 ? 129 : 0) || icmp[1] !== 0) return undefined;
  return { id: icmp.readUInt16BE(4), seq: icmp.readUInt16BE(6) };
}

function sockaddr(ip: string): Buffer {
  if (isIPv4(ip)) {
    const b = Buffer.alloc(16);
    b.writeUInt16LE(AF_INET, 0);
    ip.split('.').forEach((o, i) => { b[4 + i] = Number(o); });
    return b;
  }
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  expandV6(ip).copy(b, 8);
  return b;
}

export function expandV6(ip: string): Buffer {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

class Pinger {
  private readonly fd: number;
  private readonly handle: unknown;
  private readonly pending = new Map<number, { from: Buffer; onReply: () => void }>();
  private seq = 0;
  private readonly id = process.pid & 0xffff;
  private readonly rx = Buffer.alloc(2048);
  private readonly name = Buffer.alloc(128);
  private readonly ctl = Buffer.alloc(0);
  private readonly lens = new Uint32Array(2);

  constructor(private readonly raw: RawSock, private readonly v6: boolean) {
    this.fd = raw.open(v6 ? AF_INET6 : AF_INET, SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
    this.handle = raw.poll(this.fd, () => this.drain());
  }

  private drain(): void {
    for (;;) {
      let n: number;
      try { n = this.raw.recvmsg(this.fd, this.rx, this.name, this.ctl, this.lens); } catch { return; }
      if (n < 0) return;
      const r = parseEchoReply(this.v6, this.rx.subarray(0, Math.min(n, this.rx.length)));
      if (!r || r.id !== this.id) continue;
      const p = this.pending.get(r.seq);
      // the reply must come from the address we pinged (sockaddr_in: addr at 4, sockaddr_in6: at 8)
      const from = this.v6 ? this.name.subarray(8, 24) : this.name.subarray(4, 8);
      if (p && from.equals(p.from)) p.onReply();
    }
  }

  /** Send one echo; `onReply` runs when its reply arrives. Returns a cancel function. */
  send(ip: string, onReply: () => void): () => void {
    let seq = this.seq = (this.seq + 1) & 0xffff;
    for (let i = 0; this.pending.has(seq) && i < 0x10000; i++) seq = this.seq = (this.seq + 1) & 0xffff;
    const pkt = echoRequest(this.v6, this.id, seq);
    const sa = sockaddr(ip);
    this.pending.set(seq, { from: Buffer.from(this.v6 ? sa.subarray(8, 24) : sa.subarray(4, 8)), onReply });
    const n = this.raw.sendto(this.fd, pkt, sa);
    if (n < 0) { this.pending.delete(seq); throw new Error('socket buffer full'); }
    return () => { this.pending.delete(seq); };
  }

  close(): void { this.raw.unpoll(this.handle); this.raw.close(this.fd); }
}

let addon: RawSock | undefined;
const pingers: { v4?: Pinger; v6?: Pinger } = {};

function pinger(v6: boolean): Pinger {
  addon ??= loadAddon();
  if (v6) return (pingers.v6 ??= new Pinger(addon, true));
  return (pingers.v4 ??= new Pinger(addon, false));
}

/** Close the shared ICMP sockets (lets the process exit; the next check reopens them). */
export function closePingSockets(): void {
  pingers.v4?.close(); pingers.v6?.close();
  pingers.v4 = undefined; pingers.v6 = undefined;
}

export function run(spec: Runnable<PingCheckSpec>, signal?: AbortSignal): Promise<CheckResult> {
  const ip = spec.target.ip;
  const where = `PING ${ip}`;
  if (!isIPv4(ip) && !isIPv6(ip)) return Promise.resolve(fail(`${where}: not an IP address`));
  return attempt(spec.target.timeoutMs, signal, where, (a) => {
    try {
      const cancel = pinger(isIPv6(ip)).send(ip, () => a.done(ok(`${where}: echo reply`)));
      a.onCleanup(cancel);
    } catch (e) {
      a.done(fail(`${where}: ${errText(e)}`));
    }
  });
}
