// Translation from the validated configuration model to what the pure VRRP core and the kernel layer
// take. Kept apart from the runtime so it can be unit-tested without sockets.
import type { GlobalDefs, IpAddressConfig, RouteConfig, RuleConfig, ScriptSpec as ModelScript, VrrpInstanceConfig } from '../config/model.js';
import { instanceConfig, type InstanceConfig } from '../vrrp/fsm.js';
import type { LocalInstanceView } from '../vrrp/receive.js';
import type { AddressSpec, RouteSpec, RuleSpec } from '../net/rtnl.js';
import type { ScriptSpec as RunSpec } from '../notify/script.js';
import { scriptContext, prepareScript } from '../notify/prepare.js';
import { formatDiagnostic } from '../config/tree.js';

/** Seconds (config) to centiseconds (wire), as keepalived rounds: v3 to centiseconds, v2 to whole seconds. */
export function advertIntCs(inst: VrrpInstanceConfig): number {
  const cs = Math.round(inst.advertInt * 100);
  if (inst.version === 2) return Math.max(100, Math.round(cs / 100) * 100);
  return Math.min(4095, Math.max(1, cs));
}

/**
 * `ignoreTrackerWeights`: a sync-group member without the group's sync_group_tracking_weight ignores
 * its weighted trackers, as keepalived does (members must not want different masters).
 */
export function fsmConfig(inst: VrrpInstanceConfig, g: GlobalDefs, primaryAddress: string, ignoreTrackerWeights = false): InstanceConfig {
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
    ignoreTrackerWeights,
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

/**
 * Model script → runnable spec, with keepalived's rules: its own command splitting and escape
 * decoding, explicit user else script_user else the default user, and enable_script_security. A
 * script keepalived would drop comes back without `spec`, with the reason at its file:line.
 */
export function runSpec(s: ModelScript, g: GlobalDefs, what: string): { spec?: RunSpec; warnings: string[] } {
  const { ctx, diagnostics } = scriptContext({ enableScriptSecurity: g.enableScriptSecurity, scriptUser: g.scriptUser }, s);
  const p = prepareScript({ cmd: s.cmd, user: s.user, group: s.group, file: s.file, line: s.line }, what, ctx);
  return { spec: p.spec, warnings: [...diagnostics, ...p.diagnostics].map(formatDiagnostic) };
}

/** Structural equality of config objects, ignoring where they were written (file/line). */
export function sameConfig(a: unknown, b: unknown): boolean {
  const strip = (_k: string, v: unknown) => (_k === 'file' || _k === 'line' || _k === 'membersPos' ? undefined : v instanceof Map ? [...v.entries()] : v);
  return JSON.stringify(a, strip) === JSON.stringify(b, strip);
}
