// Parsers for the list blocks that hold addresses, routes and rules: virtual_ipaddress[_excluded],
// static_ipaddress, virtual_routes/static_routes, virtual_rules/static_rules. Each list line is a
// ConfigNode whose keyword is the first word. Messages and error/accept decisions follow keepalived
// 2.2.7 under -t (probed): e.g. a route without `dev` that is tracked is a config error.
import { readFileSync } from 'node:fs';
import type { ConfigNode, SourcePos } from '../tree.js';
import type { Family, IpAddressConfig, RouteConfig, RuleConfig } from '../model.js';
import type { BuildCtx } from './table.js';
import { FatalConfigError, familyOf, parsePrefix, readInt } from './values.js';

/**
 * The value after option word `i`; keepalived's route/rule parsers stop reading the whole
 * configuration when it is missing (exit 2), naming the option.
 */
function need(node: ConfigNode, words: string[], i: number): string {
  const v = words[i + 1];
  if (v === undefined) {
    throw new FatalConfigError(
      node,
      `Configuration line starting \`${words[0]}\` is missing a parameter after keyword \`${words[i]}\` at word position ${i + 2}`,
    );
  }
  return v;
}

const SCOPES = new Set(['global', 'site', 'link', 'host', 'nowhere']);
const ADDR_FLAGS = new Set(['home', '-nodad', 'nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin']);

export interface AddrParseOptions {
  /** static_ipaddress/static_routes/static_rules accept `track_group NAME`. */
  allowTrackGroup?: boolean;
}

/** Records an interface name that keepalived -t would look up on this host. */
export type IfRef = (name: string, pos: SourcePos, what: string) => void;

export function parseIpAddress(ctx: BuildCtx, node: ConfigNode, opts: AddrParseOptions, ifRef: IfRef): IpAddressConfig | undefined {
  const words = [node.keyword, ...node.args];
  const first = words[0]!;
  const slash = first.indexOf('/');
  const addr = slash < 0 ? first : first.slice(0, slash);
  const family = familyOf(addr);
  if (!family) {
    ctx.error(node, `VRRP parsed invalid IP ${first}. skipping IP...`);
    return undefined;
  }
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = readInt(ctx, node, first.slice(slash + 1), 0, max, 'address prefix length');
    if (p === undefined) ctx.error(node, `Invalid address prefix len ${first.slice(slash + 1)} for address ${first} - using ${max}`);
    else prefix = p;
  }
  const ip: IpAddressConfig = { file: node.file, line: node.line, addr, prefix, family, flags: [], noTrack: false };
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    switch (w) {
      case 'dev':
        if (next === undefined) {
          ctx.error(node, `No dev parameter specified for ${addr}`);
          return undefined;
        }
        ip.dev = next;
        ifRef(next, node, `ip address ${addr}`);
        i++;
        break;
      case 'scope':
        if (next === undefined || !(SCOPES.has(next) || /^\d+$/.test(next))) ctx.error(node, `Invalid scope '${next ?? ''}' specified for ${addr} - ignoring`);
        else ip.scope = next;
        i++;
        break;
      case 'brd':
      case 'broadcast':
        if (family === 6) ctx.error(node, `Cannot specify broadcast for IPv6 addresses (${addr}) - ignoring`);
        else if (next === undefined || !(next === '+' || next === '-' || familyOf(next) === 4)) ctx.error(node, `Invalid broadcast address '${next ?? ''}' for ${addr}`);
        else ip.brd = next;
        i++;
        break;
      case 'label':
        if (family === 6) ctx.error(node, `Cannot specify label for IPv6 addresses (${addr}) - ignoring label`);
        else if (next === undefined) ctx.error(node, `No label specified for ${addr}`);
        else ip.label = next;
        i++;
        break;
      case 'peer': {
        const p = next === undefined ? undefined : parsePrefix(next);
        if (!p || p.family !== family || (next ?? '').includes('/')) {
          ctx.error(node, `Invalid peer address ${next ?? ''}`);
        } else ip.peer = p.addr;
        i++;
        break;
      }
      case 'preferred_lft':
        if (next === 'forever') ip.preferredLft = 'forever';
        else if (next !== undefined) {
          const v = readInt(ctx, node, next, 0, 4294967295, 'preferred_lft');
          if (v !== undefined) ip.preferredLft = v;
        } else ctx.error(node, `No preferred_lft value specified for ${addr}`);
        i++;
        break;
      case 'no_track':
        ip.noTrack = true;
        break;
      case 'use_vmac':
        // An optional VMAC name may follow; it never looks like another option.
        if (next !== undefined && !isAddrOption(next)) {
          ip.useVmac = next;
          i++;
        } else ip.useVmac = true;
        break;
      case 'track_group':
        if (!opts.allowTrackGroup) {
          ctx.error(node, `track_group is only valid for static addresses - ignoring`);
          i++;
          break;
        }
        if (next === undefined) ctx.error(node, `track_group missing a group name`);
        else ip.trackGroup = next;
        i++;
        break;
      default:
        if (ADDR_FLAGS.has(w)) ip.flags.push(w === '-nodad' ? 'nodad' : w);
        else ctx.error(node, `Unknown configuration entry '${w}' for ip address - ignoring`);
    }
  }
  return ip;
}

function isAddrOption(w: string): boolean {
  return ['dev', 'scope', 'brd', 'broadcast', 'label', 'peer', 'preferred_lft', 'no_track', 'use_vmac', 'track_group'].includes(w) || ADDR_FLAGS.has(w);
}

// ---------------------------------------------------------------- routing tables

let rtTablesCache: Map<string, number> | undefined;

/** Names from rt_tables (main/local/default always known). */
function routingTables(): Map<string, number> {
  if (rtTablesCache) return rtTablesCache;
  const m = new Map<string, number>([['local', 255], ['main', 254], ['default', 253], ['unspec', 0]]);
  for (const path of ['/etc/iproute2/rt_tables', '/usr/share/iproute2/rt_tables']) {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const f = line.replace(/#.*/, '').trim().split(/\s+/);
      if (f.length >= 2 && /^\d+$/.test(f[0]!)) m.set(f[1]!, Number(f[0]));
    }
  }
  rtTablesCache = m;
  return m;
}

function validTable(t: string): boolean {
  return /^\d+$/.test(t) || routingTables().has(t);
}

// ---------------------------------------------------------------- routes

/** Thrown to abandon the rest of a route/rule line, as keepalived does after a bad address. */
const STOP_LINE = new Error('stop reading this line');

const ROUTE_TYPES = new Set(['unicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'local', 'broadcast', 'anycast', 'multicast', 'nat']);
/** `ip route` attributes that take one value and that vipd passes through as options. */
const ROUTE_VALUE_OPTS = new Set([
  'mtu', 'advmss', 'rtt', 'rttvar', 'reordering', 'window', 'cwnd', 'ssthresh', 'realms', 'rto_min',
  'initcwnd', 'initrwnd', 'features', 'quickack', 'congctl', 'pref', 'fastopen_no_cookie', 'hoplimit',
  'tos', 'dsfield', 'expires', 'encap', 'weight',
]);
const ROUTE_FLAG_OPTS = new Set(['onlink', 'nexthop', 'add', 'append', 'prepend', 'lock']);

export function parseRoute(ctx: BuildCtx, node: ConfigNode, opts: AddrParseOptions, ifRef: IfRef): RouteConfig | undefined {
  try {
    return parseRouteWords(ctx, node, opts, ifRef);
  } catch (e) {
    if (e === STOP_LINE) return undefined;
    throw e;
  }
}

function parseRouteWords(ctx: BuildCtx, node: ConfigNode, opts: AddrParseOptions, ifRef: IfRef): RouteConfig | undefined {
  const words = [node.keyword, ...node.args];
  let family: Family | undefined;
  const route: RouteConfig = { file: node.file, line: node.line, family: 4, dst: '', options: [], noTrack: false };
  let ok = true;
  const setFamily = (f: Family): boolean => {
    if (family !== undefined && family !== f) {
      ctx.error(node, 'Cannot mix IPv4 and IPv6 addresses for route');
      ok = false;
      return false;
    }
    family = f;
    return true;
  };
  const addrArg = (w: string | undefined, what: string): string | undefined => {
    const p = w === undefined ? undefined : parsePrefix(w);
    if (!p) {
      ctx.error(node, `VRRP parsed invalid IP ${w ?? ''}. skipping IP...`);
      ctx.error(node, `invalid route ${what} address ${w ?? ''}`);
      // keepalived abandons the rest of the line here.
      throw STOP_LINE;
    }
    if (!setFamily(p.family)) return undefined;
    return w;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (w === 'inet6') {
      setFamily(6);
    } else if (w === 'inet') {
      setFamily(4);
    } else if (w === 'src') {
      const v = addrArg(need(node, words, i), 'src');
      if (v) route.src = v;
      i++;
    } else if (w === 'via' || w === 'gw') {
      const v = addrArg(need(node, words, i), 'via');
      if (v) route.via = v;
      i++;
    } else if (w === 'or') {
      i++;
    } else if (w === 'dev' || w === 'oif') {
      need(node, words, i);
      if (next === undefined) {
        ctx.error(node, 'missing interface for route');
        ok = false;
      } else {
        route.dev = next;
        ifRef(next, node, 'VROUTE nexthop');
      }
      i++;
    } else if (w === 'table') {
      if (!validTable(need(node, words, i))) {
        ctx.error(node, `Routing table ${next ?? ''} not found for route`);
        ok = false;
      } else route.table = next;
      i++;
    } else if (w === 'metric' || w === 'priority' || w === 'preference') {
      const v = readInt(ctx, node, need(node, words, i), 0, 4294967295, 'route metric');
      if (v === undefined) ok = false;
      else route.metric = v;
      i++;
    } else if (w === 'scope') {
      if (!(SCOPES.has(need(node, words, i)) || /^\d+$/.test(next ?? ''))) {
        ctx.error(node, `Invalid route scope '${next ?? ''}'`);
        ok = false;
      } else route.scope = next;
      i++;
    } else if (w === 'protocol') {
      route.protocol = need(node, words, i);
      i++;
    } else if (w === 'no_track') {
      route.noTrack = true;
    } else if (w === 'track_group' && opts.allowTrackGroup) {
      if (next !== undefined) route.trackGroup = next;
      i++;
    } else if ((ROUTE_TYPES.has(w) || (/^\d+$/.test(w) && Number(w) <= 255)) && route.dst === '' && route.type === undefined) {
      // A route type, by name or number (rtnetlink types 0-255); the destination must follow.
      need(node, words, i);
      route.type = w;
    } else if (ROUTE_VALUE_OPTS.has(w)) {
      route.options.push(w, need(node, words, i));
      i++;
    } else if (ROUTE_FLAG_OPTS.has(w)) {
      route.options.push(w);
    } else if (w === 'to' || route.dst === '') {
      const d = w === 'to' ? next : w;
      if (w === 'to') i++;
      if (d === 'default') route.dst = 'default';
      else {
        const p = d === undefined ? undefined : parsePrefix(d);
        if (!p) {
          ctx.error(node, `VRRP parsed invalid IP ${d ?? ''}. skipping IP...`);
          ctx.error(node, `unknown route keyword ${d ?? ''}`);
          throw STOP_LINE;
        } else if (setFamily(p.family)) route.dst = d!;
      }
    } else if (parsePrefix(w)) {
      // Another address: keepalived takes the last one as the destination.
      const p = parsePrefix(w)!;
      if (setFamily(p.family)) route.dst = w;
    } else if (/^(0x[0-9a-f]+|\d+)$/i.test(w)) {
      // inet_aton() reads a bare number as an IPv4 address, so keepalived takes it as another
      // destination without complaint; we keep the first one.
    } else {
      ctx.error(node, `VRRP parsed invalid IP ${w}. skipping IP...`);
      need(node, words, i);
      ctx.error(node, `unknown route keyword ${w}`);
      ok = false;
      i++; // keepalived's route parser treats the unknown word as an option with a value
    }
  }
  if (!ok) return undefined;
  if (route.dst === '') {
    ctx.error(node, 'Route has no destination');
    return undefined;
  }
  route.family = family ?? 4;
  if (!route.dev && !route.noTrack) {
    ctx.error(node, `Warning - cannot track route ${route.dst} with no interface specified, not tracking`);
    route.noTrack = true;
  }
  return route;
}

// ---------------------------------------------------------------- rules

const RULE_ACTIONS = new Set(['blackhole', 'unreachable', 'prohibit', 'nop']);
const RULE_VALUE_OPTS = new Set([
  'tos', 'dsfield', 'realms', 'suppress_prefixlength', 'suppress_ifgroup', 'uidrange', 'ipproto', 'sport', 'dport', 'tunnel-id', 'l3mdev',
]);

export function parseRule(ctx: BuildCtx, node: ConfigNode, opts: AddrParseOptions, ifRef: IfRef): RuleConfig | undefined {
  try {
    return parseRuleWords(ctx, node, opts, ifRef);
  } catch (e) {
    if (e === STOP_LINE) return undefined;
    throw e;
  }
}

function parseRuleWords(ctx: BuildCtx, node: ConfigNode, opts: AddrParseOptions, ifRef: IfRef): RuleConfig | undefined {
  const words = [node.keyword, ...node.args];
  const rule: RuleConfig = { file: node.file, line: node.line, family: 4, options: [], noTrack: false };
  let family: Family | undefined;
  let ok = true;
  const addr = (w: string | undefined): string | undefined => {
    if (w === 'all') return 'all';
    const p = w === undefined ? undefined : parsePrefix(w);
    if (!p) {
      ctx.error(node, `Invalid rule address '${w ?? ''}'`);
      // keepalived abandons the rest of the line here (no further option is read).
      throw STOP_LINE;
    }
    if (family !== undefined && family !== p.family) {
      ctx.error(node, 'rule specification has mixed IPv4 and IPv6');
      ok = false;
      return undefined;
    }
    family = p.family;
    return w;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    switch (w) {
      case 'from': {
        const v = addr(need(node, words, i));
        if (v) rule.from = v;
        i++;
        break;
      }
      case 'to': {
        const v = addr(need(node, words, i));
        if (v) rule.to = v;
        i++;
        break;
      }
      case 'table':
      case 'lookup':
        if (!validTable(need(node, words, i))) {
          ctx.error(node, `Routing table ${next ?? ''} not found for rule`);
          ok = false;
        } else rule.table = next;
        i++;
        break;
      case 'preference':
      case 'priority':
      case 'order': {
        const v = readInt(ctx, node, need(node, words, i), 0, 4294967295, 'rule preference');
        if (v === undefined) ok = false;
        else rule.priority = v;
        i++;
        break;
      }
      case 'iif':
      case 'oif':
        {
          const v = need(node, words, i);
          rule[w] = v;
          ifRef(v, node, `rule ${w}`);
        }
        i++;
        break;
      case 'fwmark':
        if (!/^(0x[0-9a-f]+|\d+)(\/(0x[0-9a-f]+|\d+))?$/i.test(need(node, words, i))) {
          ctx.error(node, `Invalid rule fwmark '${next ?? ''}'`);
          ok = false;
        } else rule.fwmark = next;
        i++;
        break;
      case 'goto':
        if (!/^\d+$/.test(need(node, words, i))) {
          ctx.error(node, `Invalid rule goto target '${next ?? ''}'`);
          ok = false;
        } else rule.action = `goto ${next}`;
        i++;
        break;
      case 'inet6':
        family = 6;
        break;
      case 'inet':
        family = 4;
        break;
      case 'no_track':
        rule.noTrack = true;
        break;
      case 'track_group':
        if (opts.allowTrackGroup && next !== undefined) rule.trackGroup = next;
        i++;
        break;
      case 'not':
        rule.options.push('not');
        break;
      default:
        if (RULE_ACTIONS.has(w)) rule.action = w;
        else if (RULE_VALUE_OPTS.has(w)) {
          const v = need(node, words, i);
          if (w === 'tos' || w === 'dsfield') rule.tos = v;
          else rule.options.push(w, v);
          i++;
        } else {
          ctx.error(node, `Unknown rule option ${w}`);
          ok = false;
        }
    }
  }
  if (!ok) return undefined;
  rule.family = family ?? 4;
  if (rule.priority === undefined) {
    ctx.error(node, 'Rule has no preference specified - setting to 16384. This is probably not what you want.');
    rule.priority = 16384;
  }
  return rule;
}

/** Rules/routes/addresses in one list block. */
export function parseList<R>(
  node: ConfigNode,
  parse: (n: ConfigNode) => R | undefined,
): R[] {
  const out: R[] = [];
  for (const c of node.children ?? []) {
    const r = parse(c);
    if (r !== undefined) out.push(r);
  }
  return out;
}
