// use_vmac: a macvlan `vrrp.<VRID>` on the parent interface carrying the virtual MAC
// 00:00:5e:00:01:<VRID> (IPv4) / 00:00:5e:00:02:<VRID> (IPv6), RFC 5798 §7.3.
//
// Mirrors what keepalived 2.2.7 does (observed on Debian's build in a namespace):
// - macvlan mode private, IPv6 addrgenmode none (no EUI-64 link-local from the VMAC);
// - IPv4 VMAC: arp_ignore=1, accept_local=1, rp_filter=0, promote_secondaries=1 on the VMAC and
//   IPv6 disabled on it; arp_ignore=1, arp_filter=1 on the parent, so only the VMAC answers ARP for
//   the VIPs and the parent does not answer for them with its own MAC;
// - IPv6 VMAC: the parent's link-local is copied onto it (nodad), because VRRPv3 adverts must come
//   from a link-local address and the VMAC has none of its own.
// - rp_filter: the kernel uses max(all, <if>), so rp_filter=0 on the VMAC means nothing while
//   net.ipv4.conf.all.rp_filter is set (Debian's systemd sets 2). Like keepalived, while any IPv4
//   VMAC exists we set all.rp_filter=0 and raise every other interface's own value to the old
//   `all` value, so their effective filtering is unchanged; all is put back with the last VMAC.
// Unlike keepalived 2.2.7 (which leaves the parent at arp_ignore=1/arp_filter=1 after exit), we
// restore the parent's values when its last VMAC is removed.
import { readSysctl, SysctlJournal, ipv4Conf, ipv6Conf } from './sysctl.js';
import { rtnl } from './rtnl.js';
import { isLinkLocal6 } from './ipaddr.js';

export const MACVLAN_MODES = { private: 1, vepa: 2, bridge: 4, passthru: 8, source: 16 } as const;
export type MacvlanMode = keyof typeof MACVLAN_MODES;

export function vmacAddress(vrid: number, family: 4 | 6): string {
  if (!Number.isInteger(vrid) || vrid < 1 || vrid > 255) throw new Error(`VRID ${vrid} is not in 1..255`);
  return `00:00:5e:00:0${family === 4 ? 1 : 2}:${vrid.toString(16).padStart(2, '0')}`;
}

export function vmacName(vrid: number, prefix = 'vrrp'): string {
  return `${prefix}.${vrid}`;
}

/** Is this a VMAC we (or keepalived) would have created? */
export function looksLikeVmac(mac: string | undefined): boolean {
  return !!mac && /^00:00:5e:00:0[12]:[0-9a-f]{2}$/i.test(mac);
}

export interface VmacOptions {
  parent: string;
  vrid: number;
  family: 4 | 6;
  /** interface name; default vrrp.<VRID> (max 15 characters) */
  name?: string;
  /** override the MAC (keepalived's `use_vmac … MAC`) */
  mac?: string;
  mode?: MacvlanMode;
}

/** Parent sysctls are shared by all VMACs on it: restore when the last one goes. */
const parents = new Map<string, { refs: number; journal: SysctlJournal }>();
/** all.rp_filter handling, shared by every IPv4 VMAC of the process. */
let rpFilter: { refs: number; journal: SysctlJournal } | undefined;

async function acquireRpFilter(exclude: string): Promise<void> {
  if (rpFilter) { rpFilter.refs++; return; }
  const journal = new SysctlJournal();
  const all = Number(readSysctl('net/ipv4/conf/all/rp_filter') ?? '0');
  if (all > 0) {
    for (const l of await rtnl().listLinks()) {
      if (l.ifname === exclude) continue;
      const key = ipv4Conf(l.ifname, 'rp_filter');
      const own = Number(readSysctl(key) ?? 'NaN');
      if (own < all) journal.set(key, all);
    }
    journal.set('net/ipv4/conf/all/rp_filter', 0);
  }
  rpFilter = { refs: 1, journal };
}

function releaseRpFilter(): void {
  if (!rpFilter) return;
  if (--rpFilter.refs <= 0) {
    rpFilter.journal.restore();
    rpFilter = undefined;
  }
}

export class Vmac {
  private constructor(readonly ifname: string, readonly index: number, readonly mac: string, readonly parent: string,
    readonly family: 4 | 6, private readonly journal: SysctlJournal) {}

  static async create(opts: VmacOptions): Promise<Vmac> {
    const nl = rtnl();
    const name = opts.name ?? vmacName(opts.vrid);
    if (name.length > 15) throw new Error(`VMAC name ${JSON.stringify(name)} is longer than 15 characters`);
    const mac = (opts.mac ?? vmacAddress(opts.vrid, opts.family)).toLowerCase();
    const parentLink = await nl.getLink(opts.parent);
    if (!parentLink) throw new Error(`use_vmac: parent interface ${opts.parent} does not exist`);
    // A leftover from a crash (same name) is replaced so its state is exactly ours.
    const existing = await nl.getLink(name);
    if (existing) {
      if (existing.kind !== 'macvlan') throw new Error(`use_vmac: ${name} exists and is not a macvlan (${existing.kind ?? 'unknown kind'})`);
      await nl.delLink(existing.index);
    }
    await nl.addMacvlan(parentLink.index, name, mac, MACVLAN_MODES[opts.mode ?? 'private']);
    const journal = new SysctlJournal();
    let parentRef = false, rpRef = false;
    try {
      const index = nl.index(name);
      if (opts.family === 4) {
        journal.set(ipv4Conf(name, 'arp_ignore'), 1);
        journal.set(ipv4Conf(name, 'accept_local'), 1);
        journal.set(ipv4Conf(name, 'rp_filter'), 0);
        journal.set(ipv4Conf(name, 'promote_secondaries'), 1);
        if (readSysctl(ipv6Conf(name, 'disable_ipv6')) !== undefined) journal.set(ipv6Conf(name, 'disable_ipv6'), 1);
        let p = parents.get(opts.parent);
        if (!p) { p = { refs: 0, journal: new SysctlJournal() }; parents.set(opts.parent, p); }
        p.journal.set(ipv4Conf(opts.parent, 'arp_ignore'), 1);
        p.journal.set(ipv4Conf(opts.parent, 'arp_filter'), 1);
        p.refs++;
        parentRef = true;
        await acquireRpFilter(name);
        rpRef = true;
      } else {
        const ll = await nl.linkLocal6(parentLink.index);
        if (ll) await nl.addAddress({ index, family: 6, addr: ll, prefix: 64, scope: 'link', nodad: true });
      }
      await nl.setLinkUp(index, true);
      if (opts.family === 6) {
        // addrgenmode none + up: make sure the link-local is present (the kernel may have flushed it).
        const ll = (await nl.listAddresses(index, 6)).find((a) => isLinkLocal6(a.address));
        const pll = await nl.linkLocal6(parentLink.index);
        if (!ll && pll) await nl.addAddress({ index, family: 6, addr: pll, prefix: 64, scope: 'link', nodad: true });
      }
      return new Vmac(name, index, mac, opts.parent, opts.family, journal);
    } catch (e) {
      await nl.delLink(name).catch(() => false);
      if (parentRef) releaseParent(opts.parent);
      if (rpRef) releaseRpFilter();
      throw e;
    }
  }

  /** Delete the macvlan and restore the parent's sysctls if this was its last VMAC. */
  async destroy(): Promise<void> {
    await rtnl().delLink(this.ifname);
    this.journal.restore(); // keys of the deleted VMAC are skipped; kept for symmetry
    if (this.family === 4) {
      releaseParent(this.parent);
      releaseRpFilter();
    }
  }
}

function releaseParent(parent: string): void {
  const p = parents.get(parent);
  if (!p) return;
  if (--p.refs <= 0) {
    p.journal.restore();
    parents.delete(parent);
  }
}

/**
 * Delete macvlans left by a previous run: name `<prefix>.<anything>` and a VRRP virtual MAC.
 * `keep` names are spared. Returns the names deleted.
 */
export async function cleanupStaleVmacs(opts: { prefix?: string; keep?: Iterable<string> } = {}): Promise<string[]> {
  const prefix = `${opts.prefix ?? 'vrrp'}.`;
  const keep = new Set(opts.keep ?? []);
  const deleted: string[] = [];
  for (const l of await rtnl().listLinks()) {
    if (l.kind === 'macvlan' && l.ifname.startsWith(prefix) && looksLikeVmac(l.mac) && !keep.has(l.ifname)) {
      if (await rtnl().delLink(l.index)) deleted.push(l.ifname);
    }
  }
  return deleted;
}
