// Translation from the validated configuration model to what the pure VRRP core and the kernel layer
// take. Kept apart from the runtime so it can be unit-tested without sockets.
import type { GlobalDefs, IpAddressConfig, RouteConfig, RuleConfig, ScriptSpec as ModelScript, VrrpInstanceConfig } from '../config/model.js';
import { instanceConfig, type InstanceConfig } from '../vrrp/fsm.js';
import type { LocalInstanceView } from '../vrrp/receive.js';
import type { AddressSpec, RouteSpec, RuleSpec } from '../net/rtnl.js';
import type { ScriptSpec as RunSpec } from '../notify/script.js';
import { resolveScriptUser, defaultScriptUser, type ScriptUser } from '../notify/users.js';

/** Seconds (config) to centiseconds (wire), as keepalived rounds: v3 to centiseconds, v2 to whole seconds. */
export function advertIntCs(inst: VrrpInstanceConfig): number {
  const cs = Math.round(inst.advertInt * 100);
  if (inst.version === 2) return Math.max(100, Math.round(cs / 100) * 100);
  return Math.min(4095, Math.max(1, cs));
}

export function fsmConfig(inst: VrrpInstanceConfig, g: GlobalDefs, primaryAddress: string): InstanceConfig {
  const strict = inst.strictMode ?? g.vrrpStrict;
  return instanceConfig({
    name: inst.name,
    vrid: inst.vrid,
    version: inst.version,
    family: inst.family,
    priority: inst.priority,
    advertIntCs: advertIntCs(inst),
    initialState: inst.state,
    nopreempt: inst.nopreempt,
    preemptDelayMs: Math.round(inst.preemptDelay * 1000),
    downTimerAdverts: inst.downTimerAdverts,
    accept: inst.accept ?? (strict ? inst.priority === 255 : true),
    lowerPrioNoAdvert: inst.lowerPrioNoAdvert ?? g.vrrpLowerPrioNoAdvert ?? strict,
    higherPrioSendAdvert: inst.higherPrioSendAdvert ?? g.vrrpHigherPrioSendAdvert ?? false,
    ownerIgnoreAdverts: strict,
    ignoreTrackerWeights: false,
    primaryAddress,
    vips: inst.vips.map((v) => v.addr),
    garp: {
      masterDelayMs: Math.round(inst.garpMasterDelay * 1000),
      masterRepeat: g.vrrpMinGarp ? 1 : inst.garpMasterRepeat,
      lowerPrioDelayMs: Math.round((inst.garpLowerPrioDelay ?? inst.garpMasterDelay) * 1000),
      lowerPrioRepeat: g.vrrpMinGarp ? 0 : inst.garpLowerPrioRepeat ?? inst.garpMasterRepeat,
      masterRefreshMs: Math.round(inst.garpMasterRefresh * 1000),
      masterRefreshRepeat: inst.garpMasterRefreshRepeat,
    },
  });
}

export function receiveView(inst: VrrpInstanceConfig, g: GlobalDefs): LocalInstanceView {
  return {
    name: inst.name,
    family: inst.family,
    version: inst.version,
    vrid: inst.vrid,
    priority: inst.priority,
    ownerIgnoreAdverts: inst.strictMode ?? g.vrrpStrict,
    authType: inst.authentication ? (inst.authentication.type === 'PASS' ? 1 : 2) : 0,
    authPass: inst.authentication?.pass,
    advertIntCs: advertIntCs(inst),
    vips: inst.vips.map((v) => v.addr),
    unicastPeers: inst.unicastPeers.map((p) => ({ addr: p.addr, minTtl: p.minTtl, maxTtl: p.maxTtl })),
    checkUnicastSrc: inst.checkUnicastSrc || g.vrrpCheckUnicastSrc,
    v3ChecksumAsV2: inst.v3ChecksumAsV2,
    oldUnicastChecksum: inst.oldUnicastChecksum ?? 'auto',
    mcastGroup4: g.vrrpMcastGroup4,
    skipCheckAdvAddr: inst.skipCheckAdvAddr ?? g.vrrpSkipCheckAdvAddr,
  };
}

const SCOPES = new Set(['global', 'universe', 'site', 'link', 'host', 'nowhere']);

export function addressSpec(v: IpAddressConfig, defaultDev: string): AddressSpec {
  return {
    ifname: v.dev ?? defaultDev,
    family: v.family,
    addr: v.addr,
    prefix: v.prefix,
    label: v.label,
    brd: v.brd,
    scope: v.scope && SCOPES.has(v.scope) ? (v.scope as AddressSpec['scope']) : undefined,
    peer: v.peer,
    nodad: v.family === 6 ? true : undefined, // a VIP must not wait for DAD (keepalived adds IFA_F_NODAD)
    noprefixroute: v.flags.includes('noprefixroute') || undefined,
    // keepalived: a /128 VIP is deprecated (preferred_lft 0) unless told, so it is never a source address.
    preferredLft: v.preferredLft === 'forever' ? undefined : v.preferredLft ?? (v.family === 6 && v.prefix === 128 ? 0 : undefined),
  };
}

export function vipText(v: IpAddressConfig, defaultDev: string): string {
  return `${v.addr}/${v.prefix} dev ${v.dev ?? defaultDev} scope ${v.scope ?? 'global'}${v.label ? ` label ${v.label}` : ''}`;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isInteger(n) ? n : undefined;
}

export function routeSpec(r: RouteConfig, defaultDev: string): RouteSpec {
  const type = r.type && r.type !== 'unicast' ? (r.type as RouteSpec['type']) : undefined;
  return {
    dst: r.dst, family: r.family, via: r.via, dev: r.dev ?? (type || r.via ? r.dev : defaultDev), src: r.src,
    table: num(r.table), metric: r.metric, scope: r.scope && SCOPES.has(r.scope) ? (r.scope as RouteSpec['scope']) : undefined,
    type, op: 'replace',
  };
}

export function ruleSpec(r: RuleConfig): RuleSpec {
  const [mark, mask] = (r.fwmark ?? '').split('/');
  return {
    family: r.family, from: r.from, to: r.to, iif: r.iif, oif: r.oif, table: num(r.table), priority: r.priority,
    fwmark: mark ? Number(mark) : undefined, fwmask: mask ? Number(mask) : undefined,
  };
}

/** Model script → runnable spec, with keepalived's user rules (explicit user, else script_user, else default). */
export function runSpec(s: ModelScript, g: GlobalDefs): { spec: RunSpec; warning?: string } {
  let user: ScriptUser | undefined;
  let warning: string | undefined;
  const name = s.user ?? g.scriptUser?.user;
  const group = s.user ? s.group : g.scriptUser?.group;
  if (name) {
    const r = resolveScriptUser(name, group);
    if (r.ok) user = r.user;
    else warning = `${s.file}:${s.line}: ${r.error}; running as the default script user`;
  }
  user ??= defaultScriptUser().user;
  return { spec: { argv: s.argv, user }, warning };
}

/** Structural equality of config objects, ignoring where they were written (file/line). */
export function sameConfig(a: unknown, b: unknown): boolean {
  const strip = (_k: string, v: unknown) => (_k === 'file' || _k === 'line' || _k === 'membersPos' ? undefined : v instanceof Map ? [...v.entries()] : v);
  return JSON.stringify(a, strip) === JSON.stringify(b, strip);
}
