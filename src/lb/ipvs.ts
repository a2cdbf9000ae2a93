// IPVS data plane — UNTESTED STUB. This kernel has no IPVS (/proc/net/ip_vs is absent and there is
// no ip_vs module to load), so none of this has ever talked to a real IPVS; it must not be
// offered as working. It documents the intended shape: generic netlink family "IPVS" (resolved
// through nlctrl with netlink's createGenericNetlink), a FLUSH followed by NEW_SERVICE / NEW_DEST
// per service. Attribute numbers are those of <linux/ip_vs.h>. `available()` is the honest probe.
import { existsSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { createRequire } from 'node:module';
import type { DataPlane, ServiceState } from './types.js';

export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;
export const IPVS_CMD = { NEW_SERVICE: 1, DEL_SERVICE: 3, NEW_DEST: 5, FLUSH: 17 } as const;
const ATTR = { SERVICE: 1, DEST: 2 } as const;
const SVC = { AF: 1, PROTOCOL: 2, ADDR: 3, PORT: 4, FWMARK: 5, SCHED_NAME: 6, FLAGS: 7, TIMEOUT: 8, NETMASK: 9 } as const;
const DEST = { ADDR: 1, PORT: 2, FWD_METHOD: 3, WEIGHT: 4, U_THRESH: 5, L_THRESH: 6, ADDR_FAMILY: 11 } as const;
const FWD = { NAT: 0 /* IP_VS_CONN_F_MASQ */, TUN: 2, DR: 3 } as const;
const IP_VS_SVC_F_PERSISTENT = 0x1;
const NLA_F_NESTED = 0x8000;

/** One netlink attribute, padded to 4 bytes. */
export function nla(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0); b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}
const u16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16LE(v); return b; };
const u32 = (v: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const be16 = (v: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(v); return b; };
function addr(ip: string): Buffer {
  const b = Buffer.alloc(16);
  if (!isIPv6(ip)) { ip.split('.').forEach((o, i) => { b[i] = Number(o); }); return b; }
  const [h, t] = ip.split('::') as [string, string | undefined];
  const hs = h ? h.split(':') : []; const ts = t ? t.split(':') : [];
  const g = t === undefined ? hs : [...hs, ...Array(8 - hs.length - ts.length).fill('0'), ...ts];
  g.forEach((x, i) => b.writeUInt16BE(parseInt(x, 16), i * 2));
  return b;
}

/** IPVS_CMD_ATTR_SERVICE nest for one service. */
export function serviceAttr(s: ServiceState): Buffer {
  const af = s.family === 'inet6' ? 10 : 2;
  const parts = [nla(SVC.AF, u16(af))];
  if (s.fwmark !== undefined) parts.push(nla(SVC.FWMARK, u32(s.fwmark)));
  else parts.push(nla(SVC.PROTOCOL, u16(s.protocol === 'UDP' ? 17 : 6)), nla(SVC.ADDR, addr(s.vip ?? '0.0.0.0')), nla(SVC.PORT, be16(s.port ?? 0)));
  const flags = Buffer.alloc(8); flags.writeUInt32LE(s.persistenceTimeout ? IP_VS_SVC_F_PERSISTENT : 0, 0); flags.writeUInt32LE(0xffffffff, 4);
  parts.push(nla(SVC.SCHED_NAME, Buffer.from(`${s.lbAlgo}\0`)), nla(SVC.FLAGS, flags),
    nla(SVC.TIMEOUT, u32(s.persistenceTimeout ?? 0)), nla(SVC.NETMASK, u32(af === 10 ? 128 : 0xffffffff)));
  return nla(ATTR.SERVICE | NLA_F_NESTED, Buffer.concat(parts));
}

export function destAttr(s: ServiceState, ip: string, port: number, weight: number): Buffer {
  return nla(ATTR.DEST | NLA_F_NESTED, Buffer.concat([
    nla(DEST.ADDR, addr(ip)), nla(DEST.PORT, be16(port || (s.port ?? 0))), nla(DEST.FWD_METHOD, u32(FWD[s.lbKind])),
    nla(DEST.WEIGHT, u32(weight)), nla(DEST.U_THRESH, u32(0)), nla(DEST.L_THRESH, u32(0)), nla(DEST.ADDR_FAMILY, u16(isIPv6(ip) ? 10 : 2)),
  ]));
}

/** Whether this kernel exposes IPVS at all (it does not on the development machine). */
export function ipvsAvailable(): boolean { return existsSync('/proc/net/ip_vs'); }

interface GenlSocket {
  ctrlRequest(cmd: number, msg: { familyName: string }): Promise<Array<{ familyId?: number }>>;
  request(family: number, cmd: number, version: number, data: Uint8Array | Uint8Array[]): Promise<unknown>;
  socket: { close(): void };
}

export class IpvsDataPlane implements DataPlane {
  /** UNTESTED: never run against a kernel with IPVS. */
  static readonly untested = true;

  async apply(services: ServiceState[]): Promise<void> {
    if (!ipvsAvailable()) throw new Error('IPVS backend: this kernel has no IPVS (/proc/net/ip_vs missing); use the nftables backend');
    const genl = createRequire(import.meta.url)('netlink') as { createGenericNetlink(): GenlSocket };
    const sock = genl.createGenericNetlink();
    try {
      const [fam] = await sock.ctrlRequest(3 /* GET_FAMILY */, { familyName: IPVS_GENL_NAME });
      if (!fam?.familyId) throw new Error('IPVS generic netlink family not found');
      const id = fam.familyId;
      await sock.request(id, IPVS_CMD.FLUSH, IPVS_GENL_VERSION, []);
      for (const s of services) {
        const svc = serviceAttr(s);
        await sock.request(id, IPVS_CMD.NEW_SERVICE, IPVS_GENL_VERSION, [svc]);
        for (const b of s.backends) await sock.request(id, IPVS_CMD.NEW_DEST, IPVS_GENL_VERSION, [svc, destAttr(s, b.ip, b.port, b.weight)]);
      }
    } finally { sock.socket.close(); }
  }

  async remove(): Promise<void> {
    if (!ipvsAvailable()) return;
    await this.apply([]);
  }
}
