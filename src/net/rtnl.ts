// rtnetlink adapter: the only file that imports `netlink` (0.3.0, pinned exactly: its README says
// the API is not kept compatible). Everything the daemon needs from the kernel's routing layer goes
// through here: VIPs, virtual_routes, virtual_rules, link lookup, macvlan creation, link flags.
// All calls are asynchronous netlink requests on the current network namespace; none blocks the loop.
import { createRequire } from 'node:module';
import type * as NL from 'netlink';
import { bufferToIp, bufferToMac, ipFamily, ipToBuffer, isLinkLocal6 } from './ipaddr.js';
import { ifIndex } from './rawsock.js';

const nl = createRequire(import.meta.url)('netlink') as typeof NL;

export const NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_APPEND = 0x800;
const REQUEST_TIMEOUT_MS = 5000;

/** A rejected netlink request with the errno name (`EEXIST`…) in `.code`; netlink 0.3.0 only gives text. */
export class RtnlError extends Error {
  constructor(readonly op: string, readonly code: string, detail: string) {
    super(`${op}: ${code}${detail ? ` (${detail})` : ''}`);
  }
}

function errnoName(e: unknown): string {
  const m = /Request rejected: (\w+)/.exec(e instanceof Error ? e.message : String(e));
  return m ? m[1]! : 'EUNKNOWN';
}

/** Interface by name or index. */
export type IfRef = string | number;

export interface LinkInfo {
  index: number;
  ifname: string;
  mac?: string;
  mtu?: number;
  up: boolean; // IFF_UP (administrative)
  running: boolean; // IFF_RUNNING (carrier and operstate up)
  lowerUp: boolean;
  operstate?: number; // IF_OPER_*: 2 down, 6 up
  kind?: string; // IFLA_INFO_KIND: macvlan, veth, bridge…
  parentIndex?: number; // IFLA_LINK
  macvlanMode?: number;
}

export interface AddrInfo {
  index: number;
  family: 4 | 6;
  address: string; // IFA_LOCAL (IPv4) / IFA_ADDRESS (IPv6): the address configured on this host
  prefix: number;
  peer?: string;
  label?: string;
  scope: number;
  secondary: boolean;
  nodad: boolean;
  deprecated: boolean;
  tentative: boolean;
  noprefixroute: boolean;
}

export type ScopeName = 'global' | 'universe' | 'site' | 'link' | 'host' | 'nowhere';
const SCOPES: Record<ScopeName, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };
function scopeValue(s: ScopeName | number | undefined, dflt: number): number {
  if (s === undefined) return dflt;
  if (typeof s === 'number') return s;
  const v = SCOPES[s];
  if (v === undefined) throw new Error(`unknown scope ${JSON.stringify(s)}`);
  return v;
}

export interface AddressSpec {
  ifname?: string;
  index?: number;
  family?: 4 | 6; // derived from addr when omitted
  addr: string;
  prefix?: number; // default /32 or /128 (keepalived's VIP default)
  label?: string; // IPv4 only; must be `<ifname>` or `<ifname>:<x>` (kernel rule)
  brd?: string; // IPv4 broadcast; '+' = computed from the prefix
  scope?: ScopeName | number;
  peer?: string;
  nodad?: boolean;
  noprefixroute?: boolean;
  /** seconds; 0 = deprecated at once (keepalived's default for /128 VIPs); undefined = forever */
  preferredLft?: number;
}

export interface RouteSpec {
  dst: string; // 'default' or an address; with `prefix`, or 'a.b.c.d/nn'
  prefix?: number;
  family?: 4 | 6;
  via?: string;
  dev?: string;
  index?: number;
  src?: string; // preferred source (RTA_PREFSRC)
  table?: number; // default main (254)
  metric?: number;
  scope?: ScopeName | number;
  proto?: number | 'boot' | 'static' | 'kernel' | 'keepalived';
  type?: 'unicast' | 'blackhole' | 'unreachable' | 'prohibit' | 'throw' | 'local';
  /** ECMP: `nexthop via X dev Y weight N` (RTA_MULTIPATH); replaces via/dev */
  nexthops?: Array<{ via?: string; dev?: string; weight?: number; onlink?: boolean }>;
  /** IPv6 source-specific routing: `from PREFIX` (RTA_SRC) */
  from?: string;
  /** route metrics (RTA_METRICS) */
  mtu?: number;
  advmss?: number;
  hoplimit?: number;
  initcwnd?: number;
  /** gateway reachable without a covering route (RTNH_F_ONLINK) */
  onlink?: boolean;
  /** add = fail-free create (EEXIST counts as unchanged), replace = create or overwrite, append = add another path */
  op?: 'add' | 'replace' | 'append';
}

export interface RuleSpec {
  family: 4 | 6;
  from?: string; // address or prefix 'a/nn'
  to?: string;
  iif?: string;
  oif?: string;
  fwmark?: number;
  fwmask?: number;
  tos?: number;
  table?: number;
  priority?: number;
  goto?: number;
  action?: 'lookup' | 'blackhole' | 'unreachable' | 'prohibit' | 'goto' | 'nop';
  invert?: boolean; // `not`
  proto?: number;
  /** ip rule `ipproto`: IP protocol number (6 tcp, 17 udp…) */
  ipproto?: number;
  sport?: number | [number, number];
  dport?: number | [number, number];
  uidrange?: [number, number];
  /** suppress_prefixlength N: ignore lookup results with a prefix length <= N */
  suppressPrefixlength?: number;
  /** l3mdev: look up the VRF table of the iif/oif */
  l3mdev?: boolean;
}

const ROUTE_TYPES = { unicast: 1, local: 2, blackhole: 6, unreachable: 7, prohibit: 8, throw: 9 } as const;
const RULE_ACTIONS = { lookup: 1, goto: 2, nop: 3, blackhole: 6, unreachable: 7, prohibit: 8 } as const;
const PROTOS = { kernel: 2, boot: 3, static: 4, keepalived: 18 } as const;
const RT_TABLE_MAIN = 254, RT_TABLE_COMPAT = 252;

/** 'a/nn' -> [a, nn]; bare address -> [a, full length]. */
export function splitPrefix(s: string, prefix?: number): { addr: string; prefix: number; family: 4 | 6 } {
  if (s === 'default' || s === 'any') return { addr: '0.0.0.0', prefix: 0, family: 4 };
  const [a, p] = s.split('/') as [string, string | undefined];
  const family = ipFamily(a);
  const max = family === 4 ? 32 : 128;
  const n = p !== undefined ? Number(p) : prefix ?? max;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`bad prefix length in ${JSON.stringify(s)}`);
  return { addr: a, prefix: n, family };
}

export function broadcastOf(addr: string, prefix: number): string {
  const b = ipToBuffer(addr);
  // (JS shifts are mod 32, so /32 needs its own case)
  const hostBits = prefix >= 32 ? 0 : 0xffffffff >>> prefix;
  const v = b.readUInt32BE(0) | hostBits;
  const o = Buffer.alloc(4);
  o.writeUInt32BE(v >>> 0);
  return bufferToIp(o);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** One netlink attribute (for nesting by hand where netlink 0.3.0 types a nest as a raw Buffer). */
export function nla(type: number, data: Buffer): Buffer {
  const len = 4 + data.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  data.copy(b, 4);
  return b;
}

/** Walk a stream of attributes (a nest's payload). */
export function parseNlas(buf: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  for (let o = 0; o + 4 <= buf.length;) {
    const len = buf.readUInt16LE(o);
    if (len < 4 || o + len > buf.length) break;
    m.set(buf.readUInt16LE(o + 2) & 0x3fff, buf.subarray(o + 4, o + len));
    o += (len + 3) & ~3;
  }
  return m;
}

export function linkFromMessage(m: NL.rt.LinkMessage): LinkInfo {
  const f = m.data.flags ?? {};
  const info: LinkInfo = {
    index: m.data.index ?? 0,
    ifname: m.attrs.ifname ?? '',
    up: !!f.up,
    running: !!f.running,
    lowerUp: !!f.lowerUp,
  };
  if (m.attrs.address && m.attrs.address.length === 6) info.mac = bufferToMac(m.attrs.address);
  if (m.attrs.mtu !== undefined) info.mtu = m.attrs.mtu;
  if (m.attrs.operstate !== undefined) info.operstate = m.attrs.operstate;
  if (m.attrs.link && m.attrs.link.length >= 4) info.parentIndex = m.attrs.link.readUInt32LE(0);
  if (m.attrs.linkinfo) {
    const li = parseNlas(m.attrs.linkinfo);
    const kind = li.get(1);
    if (kind) info.kind = kind.toString('utf8').replace(/\0+$/, '');
    const data = li.get(2);
    if (info.kind === 'macvlan' && data) {
      const mode = parseNlas(data).get(1);
      if (mode && mode.length >= 4) info.macvlanMode = mode.readUInt32LE(0);
    }
  }
  return info;
}

export function addrFromMessage(m: NL.rt.AddressMessage): AddrInfo | undefined {
  const fam = m.data.family === 2 ? 4 : m.data.family === 10 ? 6 : undefined;
  if (!fam) return undefined;
  const local = m.attrs.local ?? m.attrs.address;
  if (!local) return undefined;
  const flags = { ...(m.data.flags ?? {}), ...(m.attrs.flags ?? {}) };
  const a: AddrInfo = {
    index: m.data.index ?? 0,
    family: fam,
    address: bufferToIp(local),
    prefix: m.data.prefixlen ?? 0,
    scope: m.data.scope ?? 0,
    secondary: !!flags.secondary,
    nodad: !!flags.nodad,
    deprecated: !!flags.deprecated,
    tentative: !!flags.tentative,
    noprefixroute: !!flags.noprefixroute,
  };
  if (m.attrs.local && m.attrs.address && !m.attrs.local.equals(m.attrs.address)) a.peer = bufferToIp(m.attrs.address);
  if (m.attrs.label) a.label = m.attrs.label;
  return a;
}

/**
 * A request socket on the current network namespace. Open one per daemon (cheap) and keep it; it
 * does not hold the event loop open (netlink sockets are unref'd while idle).
 */
export class Rtnl {
  private readonly sock: NL.RtNetlinkSocket;

  constructor() {
    this.sock = nl.createRtNetlink();
  }

  close(): void { this.sock.socket.close(); }

  /** Name -> index via if_nametoindex (synchronous, one ioctl); numbers pass through. */
  index(ref: IfRef): number {
    if (typeof ref === 'number') return ref;
    try {
      return ifIndex(ref);
    } catch (e) {
      const code = (e as { code?: string }).code ?? 'ENODEV';
      throw Object.assign(new Error(`interface ${JSON.stringify(ref)} does not exist (${code})`), { code });
    }
  }

  private async call<T>(op: string, p: () => Promise<T>): Promise<T> {
    try {
      return await p();
    } catch (e) {
      throw new RtnlError(op, errnoName(e), e instanceof Error ? e.message : String(e));
    }
  }

  // ---- links ----

  async listLinks(): Promise<LinkInfo[]> {
    const msgs = await this.call('list links', () => this.sock.getLinks(undefined, undefined, { timeout: REQUEST_TIMEOUT_MS }));
    return msgs.map(linkFromMessage);
  }

  /** undefined when the interface does not exist. */
  async getLink(ref: IfRef): Promise<LinkInfo | undefined> {
    const links = await this.listLinks();
    return links.find((l) => (typeof ref === 'number' ? l.index === ref : l.ifname === ref));
  }

  async setLinkUp(ref: IfRef, up: boolean): Promise<void> {
    const index = this.index(ref);
    await this.call(`set link ${ref} ${up ? 'up' : 'down'}`, () =>
      this.sock.setLink({ index, flags: up ? { up: true } : {}, change: { up: true } }, {}, { timeout: REQUEST_TIMEOUT_MS }));
  }

  /** Create a macvlan `name` on `parent` (mode: 1 private, 2 vepa, 4 bridge, 8 passthru). */
  async addMacvlan(parent: IfRef, name: string, mac: string, mode = 1, addrGenModeNone = true): Promise<void> {
    const parentIndex = this.index(parent);
    const linkinfo = Buffer.concat([nla(1 /* IFLA_INFO_KIND */, Buffer.from('macvlan\0')),
      nla(2 /* IFLA_INFO_DATA */, nla(1 /* IFLA_MACVLAN_MODE */, u32(mode)))]);
    const attrs: NL.ifla.LinkAttrs = { ifname: name, link: u32(parentIndex), address: Buffer.from(mac.split(':').map((x) => parseInt(x, 16))), linkinfo };
    await this.call(`create macvlan ${name}`, () =>
      this.sock.newLink({}, attrs, { flags: NLM_F_CREATE | NLM_F_EXCL, timeout: REQUEST_TIMEOUT_MS }));
    // The kernel rejects IFLA_AF_SPEC in the create request (EAFNOSUPPORT: the IPv6 part of the
    // device does not exist yet, `ip link add … addrgenmode none` fails the same way), so set it now,
    // while the link is still down and has no link-local yet.
    if (addrGenModeNone) await this.setAddrGenModeNone(name);
  }

  /**
   * IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE = NONE } }: no EUI-64 link-local from the
   * link's MAC when it comes up, like keepalived's VMACs (it copies the parent's link-local instead).
   */
  async setAddrGenModeNone(ref: IfRef): Promise<void> {
    const index = this.index(ref);
    const afSpec = new Map([[10, nla(8 /* IFLA_INET6_ADDR_GEN_MODE */, Buffer.from([1]))]]);
    await this.call(`set addrgenmode none on ${ref}`, () => this.sock.setLink({ index }, { afSpec }, { timeout: REQUEST_TIMEOUT_MS }));
  }

  /** Delete a link; false when it did not exist. */
  async delLink(ref: IfRef): Promise<boolean> {
    let index: number;
    try { index = this.index(ref); } catch { return false; }
    try {
      await this.call(`delete link ${ref}`, () => this.sock.delLink({ index }, {}, { timeout: REQUEST_TIMEOUT_MS }));
      return true;
    } catch (e) {
      if (e instanceof RtnlError && e.code === 'ENODEV') return false;
      throw e;
    }
  }

  // ---- addresses ----

  async listAddresses(ref?: IfRef, family?: 4 | 6): Promise<AddrInfo[]> {
    const index = ref === undefined ? undefined : this.index(ref);
    const msgs = await this.call('list addresses', () => this.sock.getAddresses(undefined, undefined, { timeout: REQUEST_TIMEOUT_MS }));
    return msgs.map(addrFromMessage).filter((a): a is AddrInfo =>
      !!a && (index === undefined || a.index === index) && (family === undefined || a.family === family));
  }

  /** The interface's primary IPv4 address (first non-secondary, global or site scope preferred). */
  async primaryIPv4(ref: IfRef): Promise<string | undefined> {
    const addrs = (await this.listAddresses(ref, 4)).filter((a) => !a.secondary);
    return (addrs.find((a) => a.scope === 0 || a.scope === 200) ?? addrs[0])?.address;
  }

  /** The interface's IPv6 link-local address (the VRRPv3 source, RFC 5798 §5.1.2.1). */
  async linkLocal6(ref: IfRef): Promise<string | undefined> {
    const addrs = await this.listAddresses(ref, 6);
    return addrs.find((a) => isLinkLocal6(a.address) && !a.tentative)?.address
      ?? addrs.find((a) => isLinkLocal6(a.address))?.address;
  }

  private addressMessage(spec: AddressSpec): { data: NL.rt.Address; attrs: NL.rt.AddressAttrs; what: string } {
    const family = spec.family ?? ipFamily(spec.addr);
    const index = spec.index ?? this.index(spec.ifname ?? '');
    const prefix = spec.prefix ?? (family === 4 ? 32 : 128);
    const local = ipToBuffer(spec.addr);
    const flags: NL.rt.AddressFlags = {};
    if (spec.nodad) flags.nodad = true;
    if (spec.noprefixroute) flags.noprefixroute = true;
    const data: NL.rt.Address = { family: family === 4 ? 2 : 10, prefixlen: prefix, index, scope: scopeValue(spec.scope, 0), flags: spec.nodad ? { nodad: true } : {} };
    const attrs: NL.rt.AddressAttrs = { local, address: spec.peer ? ipToBuffer(spec.peer) : local, flags };
    if (spec.label !== undefined && family === 4) {
      if (spec.ifname && spec.label !== spec.ifname && !spec.label.startsWith(`${spec.ifname}:`)) {
        throw new Error(`label ${JSON.stringify(spec.label)} must be "${spec.ifname}" or start with "${spec.ifname}:"`);
      }
      if (spec.label.length > 15) throw new Error(`label ${JSON.stringify(spec.label)} is longer than 15 characters`);
      attrs.label = spec.label;
    }
    if (spec.brd !== undefined && family === 4) {
      attrs.broadcast = ipToBuffer(spec.brd === '+' ? broadcastOf(spec.addr, prefix) : spec.brd);
    }
    if (spec.preferredLft !== undefined) attrs.cacheInfo = { ifaPrefered: spec.preferredLft, ifaValid: 0xffffffff };
    return { data, attrs, what: `${spec.addr}/${prefix} dev ${spec.ifname ?? index}` };
  }

  /** Add an address; `false` when it was already there (EEXIST is not an error for a VIP). */
  async addAddress(spec: AddressSpec): Promise<boolean> {
    const { data, attrs, what } = this.addressMessage(spec);
    try {
      await this.call(`add address ${what}`, () => this.sock.newAddress(data, attrs, { flags: NLM_F_CREATE | NLM_F_EXCL, timeout: REQUEST_TIMEOUT_MS }));
      return true;
    } catch (e) {
      if (e instanceof RtnlError && e.code === 'EEXIST') return false;
      throw e;
    }
  }

  /** Delete an address; `false` when it was not there (or the interface is gone). */
  async delAddress(spec: AddressSpec): Promise<boolean> {
    let msg;
    try { msg = this.addressMessage(spec); } catch (e) {
      if ((e as { code?: string }).code === 'ENODEV') return false;
      throw e;
    }
    const { data, attrs, what } = msg;
    delete attrs.flags; // flags and lifetimes do not identify an address
    delete attrs.cacheInfo;
    data.flags = {};
    try {
      await this.call(`delete address ${what}`, () => this.sock.delAddress(data, attrs, { timeout: REQUEST_TIMEOUT_MS }));
      return true;
    } catch (e) {
      if (e instanceof RtnlError && (e.code === 'EADDRNOTAVAIL' || e.code === 'ENODEV' || e.code === 'ESRCH')) return false;
      throw e;
    }
  }

  // ---- routes ----

  private routeMessage(spec: RouteSpec, forDelete: boolean): { data: NL.rt.Route; attrs: NL.rt.RouteAttrs; what: string } {
    const d = splitPrefix(spec.dst, spec.prefix);
    const family = spec.family ?? (spec.dst === 'default' && spec.via ? ipFamily(spec.via) : d.family);
    const table = spec.table ?? RT_TABLE_MAIN;
    const type = ROUTE_TYPES[spec.type ?? 'unicast'];
    const attrs: NL.rt.RouteAttrs = {};
    if (d.prefix > 0) attrs.dst = ipToBuffer(d.addr);
    if (family === 6 && spec.dst === 'default') delete attrs.dst;
    if (spec.via) attrs.gateway = ipToBuffer(spec.via);
    const dev = spec.index ?? (spec.dev ? this.index(spec.dev) : undefined);
    if (dev !== undefined) attrs.oif = dev;
    if (spec.src) attrs.prefsrc = ipToBuffer(spec.src);
    if (spec.metric !== undefined) attrs.priority = spec.metric;
    if (table > 255) attrs.table = table;
    if (spec.nexthops && spec.nexthops.length > 0) attrs.multipath = this.multipath(spec.nexthops);
    let srcLen = 0;
    if (spec.from) { const f = splitPrefix(spec.from); attrs.src = ipToBuffer(f.addr); srcLen = f.prefix; }
    const metrics: NL.rt.RouteMetrics = {};
    if (spec.mtu !== undefined) metrics.mtu = u32(spec.mtu);
    if (spec.advmss !== undefined) metrics.advmss = u32(spec.advmss);
    if (spec.hoplimit !== undefined) metrics.hoplimit = u32(spec.hoplimit);
    if (spec.initcwnd !== undefined) metrics.initcwnd = u32(spec.initcwnd);
    if (Object.keys(metrics).length > 0 && !forDelete) attrs.metrics = metrics;
    // Like `ip route`: a device route without gateway is link scope; deletes match any scope.
    const dfltScope = type === ROUTE_TYPES.local ? 254 : (type === 1 && !spec.via && !spec.nexthops?.some((h) => h.via) && family === 4 ? 253 : 0);
    const data: NL.rt.Route = {
      family: family === 4 ? 2 : 10,
      dstLen: d.prefix,
      srcLen,
      table: table > 255 ? RT_TABLE_COMPAT : table,
      scope: forDelete && spec.scope === undefined ? 255 : scopeValue(spec.scope, dfltScope),
    };
    if (!forDelete || spec.type) data.type = type;
    if (spec.onlink) data.flags = { __unknown: 4 /* RTNH_F_ONLINK, absent from netlink 0.3.0 RouteFlags */ };
    if (!forDelete || spec.proto !== undefined) {
      const p = spec.proto ?? 'boot';
      data.protocol = typeof p === 'number' ? p : PROTOS[p];
    }
    return { data, attrs, what: `${spec.type ?? ''} ${spec.dst}${spec.prefix !== undefined ? `/${spec.prefix}` : ''}${spec.via ? ` via ${spec.via}` : ''}${spec.dev ? ` dev ${spec.dev}` : ''} table ${table}`.trim() };
  }

  /** RTA_MULTIPATH payload: struct rtnexthop { u16 len; u8 flags; u8 hops (weight-1); i32 ifindex } + RTA_GATEWAY. */
  private multipath(hops: NonNullable<RouteSpec['nexthops']>): Buffer {
    return Buffer.concat(hops.map((h) => {
      const gw = h.via ? nla(5 /* RTA_GATEWAY */, ipToBuffer(h.via)) : Buffer.alloc(0);
      const b = Buffer.alloc(8);
      b.writeUInt16LE(8 + gw.length, 0);
      b[2] = h.onlink ? 4 /* RTNH_F_ONLINK */ : 0;
      const w = h.weight ?? 1;
      if (!Number.isInteger(w) || w < 1 || w > 256) throw new Error(`nexthop weight ${w} is not in 1..256`);
      b[3] = w - 1;
      b.writeInt32LE(h.dev ? this.index(h.dev) : 0, 4);
      return Buffer.concat([b, gw]);
    }));
  }

  /** Add a route; `false` when an identical one existed (op 'add'). */
  async addRoute(spec: RouteSpec): Promise<boolean> {
    const { data, attrs, what } = this.routeMessage(spec, false);
    const op = spec.op ?? 'add';
    const flags = NLM_F_CREATE | (op === 'replace' ? NLM_F_REPLACE : op === 'append' ? NLM_F_APPEND : NLM_F_EXCL);
    try {
      await this.call(`add route ${what}`, () => this.sock.newRoute(data, attrs, { flags, timeout: REQUEST_TIMEOUT_MS }));
      return true;
    } catch (e) {
      if (e instanceof RtnlError && e.code === 'EEXIST' && op === 'add') return false;
      throw e;
    }
  }

  async delRoute(spec: RouteSpec): Promise<boolean> {
    const { data, attrs, what } = this.routeMessage(spec, true);
    try {
      await this.call(`delete route ${what}`, () => this.sock.delRoute(data, attrs, { timeout: REQUEST_TIMEOUT_MS }));
      return true;
    } catch (e) {
      if (e instanceof RtnlError && (e.code === 'ESRCH' || e.code === 'ENOENT')) return false;
      throw e;
    }
  }

  async listRoutes(family: 4 | 6, table = RT_TABLE_MAIN): Promise<NL.rt.RouteMessage[]> {
    const msgs = await this.call('list routes', () => this.sock.getRoutes({ family: family === 4 ? 2 : 10 }, undefined, { timeout: REQUEST_TIMEOUT_MS }));
    return msgs.filter((m) => (m.attrs.table ?? m.data.table) === table);
  }

  // ---- rules ----

  private ruleMessage(spec: RuleSpec, forDelete: boolean): { data: NL.rt.Rule; attrs: NL.rt.RuleAttrs; what: string } {
    const attrs: NL.rt.RuleAttrs = {};
    const data: NL.rt.Rule = { family: spec.family === 4 ? 2 : 10, tos: spec.tos ?? 0 };
    if (spec.from) { const p = splitPrefix(spec.from); attrs.src = ipToBuffer(p.addr); data.srcLen = p.prefix; }
    if (spec.to) { const p = splitPrefix(spec.to); attrs.dst = ipToBuffer(p.addr); data.dstLen = p.prefix; }
    if (spec.iif) attrs.iifname = spec.iif;
    if (spec.oif) attrs.oifname = spec.oif;
    if (spec.fwmark !== undefined) { attrs.fwmark = spec.fwmark; if (spec.fwmask !== undefined) attrs.fwmask = spec.fwmask; }
    if (spec.priority !== undefined) attrs.priority = spec.priority;
    if (spec.goto !== undefined) attrs.goto = spec.goto;
    if (spec.proto !== undefined) attrs.protocol = spec.proto;
    if (spec.ipproto !== undefined) attrs.ipProto = spec.ipproto;
    const range = (r: number | [number, number]) => (typeof r === 'number' ? { start: r, end: r } : { start: r[0], end: r[1] });
    if (spec.sport !== undefined) attrs.sportRange = range(spec.sport);
    if (spec.dport !== undefined) attrs.dportRange = range(spec.dport);
    if (spec.uidrange) attrs.uidRange = { start: spec.uidrange[0], end: spec.uidrange[1] };
    if (spec.suppressPrefixlength !== undefined) attrs.suppressPrefixlen = u32(spec.suppressPrefixlength);
    if (spec.l3mdev) attrs.l3Mdev = 1;
    const action = spec.action ?? (spec.goto !== undefined ? 'goto' : 'lookup');
    if (!forDelete || spec.action || spec.table !== undefined) data.action = RULE_ACTIONS[action];
    if (spec.table !== undefined) {
      if (spec.table > 255) { attrs.table = spec.table; data.table = 0; } else data.table = spec.table;
    }
    if (spec.invert) data.flags = { invert: true };
    const what = [spec.invert ? 'not' : '', spec.from ? `from ${spec.from}` : '', spec.to ? `to ${spec.to}` : '',
      spec.fwmark !== undefined ? `fwmark ${spec.fwmark}` : '', spec.table !== undefined ? `table ${spec.table}` : action,
      spec.priority !== undefined ? `pref ${spec.priority}` : ''].filter(Boolean).join(' ');
    return { data, attrs, what };
  }

  async addRule(spec: RuleSpec): Promise<boolean> {
    const { data, attrs, what } = this.ruleMessage(spec, false);
    try {
      await this.call(`add rule ${what}`, () => this.sock.newRule(data, attrs, { flags: NLM_F_CREATE | NLM_F_EXCL, timeout: REQUEST_TIMEOUT_MS }));
      return true;
    } catch (e) {
      if (e instanceof RtnlError && e.code === 'EEXIST') return false;
      throw e;
    }
  }

  async delRule(spec: RuleSpec): Promise<boolean> {
    const { data, attrs, what } = this.ruleMessage(spec, true);
    try {
      await this.call(`delete rule ${what}`, () => this.sock.delRule(data, attrs, { timeout: REQUEST_TIMEOUT_MS }));
      return true;
    } catch (e) {
      if (e instanceof RtnlError && (e.code === 'ENOENT' || e.code === 'ESRCH')) return false;
      throw e;
    }
  }
}

let shared: Rtnl | undefined;
/** A process-wide request socket (lazily opened). */
export function rtnl(): Rtnl {
  if (!shared) shared = new Rtnl();
  return shared;
}
