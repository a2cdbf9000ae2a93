// Gratuitous ARP over AF_PACKET: what keepalived sends when it becomes MASTER, an ARP request
// "who-has VIP tell VIP" (sender = target = VIP) broadcast from the VMAC (if used) or the
// interface's MAC, so neighbours repoint their ARP entry for the VIP.
import { bufferToMac, ipFamily, ipv4ToBuffer, macToBuffer } from './ipaddr.js';
import { Pacer } from './pacer.js';
import { K, RawSocket, ifIndex, sockaddrLl } from './rawsock.js';
import { rtnl } from './rtnl.js';

const BROADCAST = Buffer.alloc(6, 0xff);

/** The 42-byte Ethernet + ARP frame (no padding: the driver pads to 60). */
export function garpFrame(srcMac: Buffer, vip: Buffer): Buffer {
  if (srcMac.length !== 6 || vip.length !== 4) throw new Error('garpFrame needs a 6-byte MAC and a 4-byte IPv4 address');
  const f = Buffer.alloc(42);
  BROADCAST.copy(f, 0); // Ethernet destination
  srcMac.copy(f, 6); // Ethernet source
  f.writeUInt16BE(K.ETH_P_ARP, 12);
  f.writeUInt16BE(1, 14); // hardware type Ethernet
  f.writeUInt16BE(K.ETH_P_IP, 16); // protocol type IPv4
  f[18] = 6; // hardware size
  f[19] = 4; // protocol size
  f.writeUInt16BE(1, 20); // op: request (keepalived's choice; Linux updates entries on requests too)
  srcMac.copy(f, 22); // sender MAC
  vip.copy(f, 28); // sender IP
  BROADCAST.copy(f, 32); // target MAC
  vip.copy(f, 38); // target IP
  return f;
}

export interface GarpOptions {
  ifname: string;
  /** source MAC (e.g. the VMAC when sending on the parent); default: the interface's own MAC */
  mac?: string;
  /** vrrp_garp_interval in ms: spacing between two GARPs on this interface (default 0) */
  intervalMs?: number;
}

export interface SenderStats { sent: number; errors: number }

/** One per interface; the daemon shares it between the instances on that interface. */
export class GarpSender {
  readonly stats: SenderStats = { sent: 0, errors: 0 };
  lastError: unknown;
  private readonly pacer: Pacer;
  private readonly sock: RawSocket;

  private constructor(readonly ifname: string, readonly ifindex: number, readonly mac: string, intervalMs: number) {
    this.pacer = new Pacer(intervalMs);
    // Protocol 0: a send-only packet socket, the kernel delivers nothing to it.
    this.sock = new RawSocket(K.AF_PACKET, K.SOCK_RAW, 0);
  }

  static async open(opts: GarpOptions): Promise<GarpSender> {
    const ifindex = ifIndex(opts.ifname);
    const mac = opts.mac ?? (await rtnl().getLink(ifindex))?.mac;
    if (!mac) throw new Error(`interface ${opts.ifname} has no MAC address to send gratuitous ARP from`);
    return new GarpSender(opts.ifname, ifindex, bufferToMac(macToBuffer(mac)), opts.intervalMs ?? 0);
  }

  setInterval(ms: number): void { this.pacer.setInterval(ms); }

  get pending(): number { return this.pacer.pending; }

  /** Queue one GARP for `vip`; resolves true when sent, false on error (counted, never rejects). */
  send(vip: string, srcMac?: string): Promise<boolean> {
    // Never rejects (callers fire and forget): a wrong or unparsable address is a counted error.
    let fam: number;
    try { fam = ipFamily(vip); } catch (e) { fam = 0; this.lastError = e; }
    if (fam !== 4) {
      this.stats.errors++;
      if (fam !== 0) this.lastError = new Error(`gratuitous ARP is for IPv4, not ${vip}`);
      return Promise.resolve(false);
    }
    let frame: Buffer;
    try { frame = garpFrame(macToBuffer(srcMac ?? this.mac), ipv4ToBuffer(vip)); } catch (e) {
      this.stats.errors++;
      this.lastError = e;
      return Promise.resolve(false);
    }
    const sa = sockaddrLl(this.ifindex, K.ETH_P_ARP, BROADCAST);
    return this.pacer.run(() => {
      if (this.sock.sendTo(frame, sa) < 0) throw new Error('socket buffer full');
    }).then(() => { this.stats.sent++; return true; }, (e: unknown) => { this.stats.errors++; this.lastError = e; return false; });
  }

  close(): void {
    this.pacer.close();
    this.sock.close();
  }
}
