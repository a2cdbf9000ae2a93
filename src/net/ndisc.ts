// Unsolicited Neighbour Advertisement (RFC 4861 §7.2.6) for IPv6 VIPs: ICMPv6 type 136 to ff02::1,
// hop limit 255, Override flag set, target = VIP, Target Link-Layer Address option = our MAC.
// Sent on an ICMPv6 raw socket: the kernel computes the ICMPv6 checksum and builds the IPv6 header.
import { ipFamily, ipv6ToBuffer, macToBuffer, bufferToMac } from './ipaddr.js';
import { Pacer } from './pacer.js';
import { K, RawSocket, ifIndex, in6Pktinfo, sockaddrIn6 } from './rawsock.js';
import { rtnl } from './rtnl.js';
import type { SenderStats } from './garp.js';

export const ALL_NODES = 'ff02::1';
const ND_NA_FLAG_ROUTER = 0x80000000, ND_NA_FLAG_OVERRIDE = 0x20000000;

/** ICMPv6 NA body (32 bytes: header, flags, target, TLLA option); checksum left 0 for the kernel. */
export function naMessage(target: Buffer, mac: Buffer, router = false): Buffer {
  if (target.length !== 16 || mac.length !== 6) throw new Error('naMessage needs a 16-byte IPv6 target and a 6-byte MAC');
  const m = Buffer.alloc(32);
  m[0] = 136; // type: Neighbor Advertisement
  m[1] = 0; // code
  m.writeUInt32BE((ND_NA_FLAG_OVERRIDE | (router ? ND_NA_FLAG_ROUTER : 0)) >>> 0, 4);
  target.copy(m, 8);
  m[24] = 2; // option: Target Link-Layer Address
  m[25] = 1; // length in units of 8 bytes
  mac.copy(m, 26);
  return m;
}

export interface NaOptions {
  ifname: string;
  /** MAC for the TLLA option; default: the interface's MAC */
  mac?: string;
  /** vrrp_gna_interval in ms: spacing between two NAs on this interface (default 0) */
  intervalMs?: number;
  /** set the Router flag (the VIP owner forwards; keepalived sets it when forwarding is on) */
  router?: boolean;
  /** IPv6 source; default: the interface's link-local, else the kernel's choice */
  src?: string;
}

export class NaSender {
  readonly stats: SenderStats = { sent: 0, errors: 0 };
  lastError: unknown;
  private readonly pacer: Pacer;

  private constructor(readonly ifname: string, readonly ifindex: number, readonly mac: string, private readonly router: boolean,
    private readonly sock: RawSocket, intervalMs: number) {
    this.pacer = new Pacer(intervalMs);
  }

  static async open(opts: NaOptions): Promise<NaSender> {
    const ifindex = ifIndex(opts.ifname);
    const mac = opts.mac ?? (await rtnl().getLink(ifindex))?.mac;
    if (!mac) throw new Error(`interface ${opts.ifname} has no MAC address for neighbour advertisements`);
    const src = opts.src ?? (await rtnl().linkLocal6(ifindex));
    const s = new RawSocket(K.AF_INET6, K.SOCK_RAW, K.IPPROTO_ICMPV6);
    try {
      s.bindToDevice(opts.ifname)
        .setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_HOPS, 255)
        .setInt(K.IPPROTO_IPV6, K.IPV6_UNICAST_HOPS, 255)
        .setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_IF, ifindex)
        .setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_LOOP, 0)
        // Send-only: block every ICMPv6 type so the kernel queues nothing for us.
        .setBuf(K.IPPROTO_ICMPV6, K.ICMP6_FILTER, Buffer.alloc(32, 0xff));
      if (src) s.setBuf(K.IPPROTO_IPV6, K.IPV6_PKTINFO, in6Pktinfo(src, ifindex));
    } catch (e) {
      s.close();
      throw new Error(`NA socket on ${opts.ifname}: ${(e as Error).message}`);
    }
    return new NaSender(opts.ifname, ifindex, bufferToMac(macToBuffer(mac)), !!opts.router, s, opts.intervalMs ?? 0);
  }

  setInterval(ms: number): void { this.pacer.setInterval(ms); }

  get pending(): number { return this.pacer.pending; }

  /** Queue one unsolicited NA for `vip`; resolves true when sent, false on error (counted). */
  send(vip: string, mac?: string): Promise<boolean> {
    // Never rejects (callers fire and forget): a wrong or unparsable address is a counted error.
    let fam: number;
    try { fam = ipFamily(vip); } catch (e) { fam = 0; this.lastError = e; }
    if (fam !== 6) {
      this.stats.errors++;
      if (fam !== 0) this.lastError = new Error(`neighbour advertisement is for IPv6, not ${vip}`);
      return Promise.resolve(false);
    }
    let msg: Buffer;
    try { msg = naMessage(ipv6ToBuffer(vip), macToBuffer(mac ?? this.mac), this.router); } catch (e) {
      this.stats.errors++;
      this.lastError = e;
      return Promise.resolve(false);
    }
    const sa = sockaddrIn6(ALL_NODES, this.ifindex);
    return this.pacer.run(() => {
      if (this.sock.sendTo(msg, sa) < 0) throw new Error('socket buffer full');
    }).then(() => { this.stats.sent++; return true; }, (e: unknown) => { this.stats.errors++; this.lastError = e; return false; });
  }

  close(): void {
    this.pacer.close();
    this.sock.close();
  }
}
