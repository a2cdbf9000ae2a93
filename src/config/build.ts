// Tree → model: walks the ConfigNode list produced by the reader through the keyword tables and
// returns a KeepalivedConfig with defaults applied. Per-line errors are reported here; rules that
// need the whole file (references, duplicates, strict mode …) live in validate.ts.
import type { ConfigNode, SourcePos } from './tree.js';
import type { IpAddressConfig, KeepalivedConfig, SslConfig, VrrpInstanceConfig } from './model.js';
import { BuildCtx, endPos, kw, runBlock, type BuildOptions, type KeywordTable } from './keywords/table.js';
import { arg, FatalConfigError } from './keywords/values.js';
import { buildGlobalDefs, defaultGlobalDefs, defaultTopLevel, globalDefsTable, topLevelTable } from './keywords/global.js';
import { parseIpAddress, parseList, parseRoute, parseRule, type IfRef } from './keywords/addresses.js';
import {
  buildNamed, newTrackFile, newTrackProcess, newVrrpScript, trackFileTable, trackProcessTable, vrrpScriptTable,
} from './keywords/trackers.js';
import { authTable, newInstance, newSyncGroup, syncGroupTable, vrrpInstanceTable, type InstanceDraft } from './keywords/vrrp.js';
import { bfdInstanceTable, newBfdInstance } from './keywords/bfd.js';
import { buildVirtualServer, buildVsGroup, CHECKER_TABLES, realServerTable, sslTable, urlTable, virtualServerTable } from './keywords/lvs.js';

export { BuildCtx, type BuildOptions };

/** An interface name used somewhere in the configuration (checked against the host later). */
export interface InterfaceRef extends SourcePos {
  name: string;
  what: string;
}

export interface InstanceInfo {
  explicit: Set<string>;
  positions: Map<string, SourcePos>;
  end: SourcePos;
}

/** What the builder hands to validation besides the model. */
export interface BuildResult {
  model: KeepalivedConfig;
  ctx: BuildCtx;
  interfaceRefs: InterfaceRef[];
  /** Per instance: keywords given explicitly, where some were written, where the block ends. */
  instanceInfo: Map<VrrpInstanceConfig, InstanceInfo>;
  /** Set when keepalived would have stopped reading (exit code 2). */
  fatal?: FatalConfigError;
}

export function emptyModel(files: string[] = []): KeepalivedConfig {
  return {
    files,
    top: defaultTopLevel(),
    global: defaultGlobalDefs(files[0] ?? '', 0),
    vrrpScripts: new Map(),
    trackProcesses: new Map(),
    trackFiles: new Map(),
    vrrpSyncGroups: [],
    vrrpInstances: [],
    staticIpaddresses: [],
    staticRoutes: [],
    staticRules: [],
    garpGroups: [],
    linkbeatInterfaces: [],
    interfaceUpDownDelays: [],
    trackGroups: new Map(),
    bfdInstances: new Map(),
    virtualServerGroups: new Map(),
    virtualServers: [],
  };
}

interface Root {
  model: KeepalivedConfig;
  drafts: InstanceDraft[];
  ifRef: IfRef;
}

const rootBlocks: KeywordTable<Root> = {
  global_defs: kw((n, r, ctx) => buildGlobalDefs(n, r.model.global, ctx), { block: true }),
  vrrp_script: kw(
    (n, r, ctx) => {
      const name = arg(n, 1);
      if (unclosed(n)) {
        // keepalived registers a vrrp_script when its block closes; an unclosed one never is.
        runBlock(n.children, vrrpScriptTable, newVrrpScript(n, name), ctx);
        return;
      }
      if (r.model.vrrpScripts.has(name)) {
        // keepalived 2.2.7 keeps a second definition too (and checks its script); the model keeps
        // the first, validation also checks the shadowed one.
        const dup = newVrrpScript(n, name);
        runBlock(n.children, vrrpScriptTable, dup, ctx);
        if (!dup.script) ctx.error(endPos(n), `No script set for vrrp_script ${name} - removing`);
        else ctx.shadowedScripts.push(dup);
        return;
      }
      const s = buildNamed(n, ctx, 'vrrp_script', newVrrpScript, vrrpScriptTable, r.model.vrrpScripts, false);
      if (s && !s.script) {
        ctx.error(endPos(n), `No script set for vrrp_script ${s.name} - removing`);
        r.model.vrrpScripts.delete(s.name);
      }
    },
    { block: true },
  ),
  vrrp_track_process: kw(
    (n, r, ctx) => {
      const p = buildNamed(n, ctx, 'vrrp_track_process', newTrackProcess, trackProcessTable, r.model.trackProcesses);
      if (p && p.process === undefined) {
        ctx.error(endPos(n), `track process '${p.name}' process name not specified`);
        r.model.trackProcesses.delete(p.name);
      }
    },
    { block: true },
  ),
  track_file: kw((n, r, ctx) => buildTrackFile(n, r, ctx), { block: true }),
  vrrp_track_file: kw((n, r, ctx) => buildTrackFile(n, r, ctx), { block: true, deprecated: true }),
  vrrp_sync_group: kw(
    (n, r, ctx) => {
      const name = n.args[0];
      if (name === undefined) {
        ctx.error(n, 'vrrp_sync_group must have a name - skipping');
        return;
      }
      if (r.model.vrrpSyncGroups.some((g) => g.name === name)) {
        ctx.error(n, `vrrp sync group ${name} already defined`);
        return;
      }
      const g = newSyncGroup(n, name);
      runBlock(n.children, syncGroupTable, g, ctx);
      r.model.vrrpSyncGroups.push(g);
    },
    { block: true },
  ),
  vrrp_instance: kw(
    (n, r, ctx) => {
      const name = n.args[0];
      if (name === undefined || n.args.length > 1) {
        ctx.error(n, 'vrrp_instance must have a name');
        return;
      }
      if (r.drafts.some((d) => d.cfg.name === name)) {
        ctx.error(n, `vrrp instance ${name} already defined`);
        return;
      }
      const d: InstanceDraft = { cfg: newInstance(n, name), explicit: new Set(), positions: new Map(), end: endPos(n), ifRef: r.ifRef };
      runBlock(n.children, vrrpInstanceTable, d, ctx);
      if (d.pendingPass) {
        // auth_pass without auth_type: keepalived ignores the password silently.
        delete d.pendingPass;
      }
      r.drafts.push(d);
    },
    { block: true },
  ),
  static_ipaddress: kw(
    (n, r, ctx) => r.model.staticIpaddresses.push(...parseList(n, (c) => parseIpAddress(ctx, c, { allowTrackGroup: true }, r.ifRef))),
    { block: 'list' },
  ),
  static_routes: kw(
    (n, r, ctx) => r.model.staticRoutes.push(...parseList(n, (c) => parseRoute(ctx, c, { allowTrackGroup: true }, r.ifRef))),
    { block: 'list' },
  ),
  static_rules: kw(
    (n, r, ctx) => r.model.staticRules.push(...parseList(n, (c) => parseRule(ctx, c, { allowTrackGroup: true }, r.ifRef))),
    { block: 'list' },
  ),
  garp_group: kw((n, r, ctx) => buildGarpGroup(n, r, ctx), { block: true }),
  track_group: kw(
    (n, r, ctx) => {
      const name = arg(n, 1);
      const tg = { file: n.file, line: n.line, name, instances: [] as string[] };
      runBlock(n.children, trackGroupTable, tg, ctx);
      r.model.trackGroups.set(name, tg);
    },
    { block: true },
  ),
  linkbeat_interfaces: kw(
    (n, r, ctx) => {
      for (const c of n.children ?? []) {
        const method = c.args[0];
        if (method !== undefined && !['MII', 'ETHTOOL', 'IOCTL'].includes(method)) {
          ctx.error(c, `extra characters ${method} in linkbeat interface`);
          continue;
        }
        r.model.linkbeatInterfaces.push({ file: c.file, line: c.line, name: c.keyword, ...(method ? { method } : {}) });
        r.ifRef(c.keyword, c, 'linkbeat interface');
      }
    },
    { block: 'list' },
  ),
  interface_up_down_delays: kw(
    (n, r, ctx) => {
      for (const c of n.children ?? []) {
        r.ifRef(c.keyword, c, 'up/down delay');
        const down = c.args[0] === undefined ? undefined : readDelay(ctx, c, c.args[0]);
        const up = c.args[1] === undefined ? down : readDelay(ctx, c, c.args[1]);
        if (down === undefined || up === undefined) {
          if (c.args[0] === undefined) ctx.upDownWithoutDelay.push({ name: c.keyword, pos: c });
          continue;
        }
        r.model.interfaceUpDownDelays.push({ file: c.file, line: c.line, name: c.keyword, downDelay: down, upDelay: up });
      }
    },
    { block: 'list' },
  ),
  bfd_instance: kw(
    (n, r, ctx) => {
      const b = buildNamed(n, ctx, 'BFD instance', newBfdInstance, bfdInstanceTable, r.model.bfdInstances);
      if (b && !b.neighborIp) {
        ctx.error(endPos(n), `Configuration error: BFD instance ${b.name} has no neighbor address set, disabling instance`);
        r.model.bfdInstances.delete(b.name);
      } else if (b && [...r.model.bfdInstances.values()].some((o) => o !== b && o.neighborIp === b.neighborIp)) {
        ctx.error(endPos(n), `Configuration error: BFD instance ${b.name} has duplicate neighbor address ${b.neighborIp}, ignoring instance`);
        r.model.bfdInstances.delete(b.name);
      }
    },
    { block: true },
  ),
  SSL: kw(
    (n, r, ctx) => {
      const s: SslConfig = { file: n.file, line: n.line };
      runBlock(n.children, sslTable, s, ctx);
      r.model.ssl = s;
    },
    { block: true },
  ),
  virtual_server_group: kw(
    (n, r, ctx) => {
      const g = buildVsGroup(n, ctx);
      if (g.entries.length) r.model.virtualServerGroups.set(g.name, g);
    },
    { block: true },
  ),
  virtual_server: kw(
    (n, r, ctx) => {
      const vs = buildVirtualServer(n, ctx);
      if (vs) r.model.virtualServers.push(vs);
    },
    { block: true },
  ),
};

/** A block the reader saw opened but never closed (reader nodes carry `close` when closed). */
function unclosed(n: ConfigNode): boolean {
  const r = n as ConfigNode & { raw?: string; close?: SourcePos };
  return r.children !== undefined && r.raw !== undefined && r.close === undefined;
}

function buildTrackFile(n: ConfigNode, r: Root, ctx: BuildCtx): void {
  const f = buildNamed(n, ctx, 'track_file', newTrackFile, trackFileTable, r.model.trackFiles);
  if (f && f.path === undefined) {
    ctx.error(endPos(n), `No file set for track_file ${f.name} - ignoring`);
    r.model.trackFiles.delete(f.name);
  }
}

const trackGroupTable: KeywordTable<{ name: string; instances: string[] }> = {
  group: kw(
    (n, tg, ctx) => {
      for (const c of n.children ?? []) tg.instances.push(c.keyword, ...c.args);
      if (tg.instances.length === 0) ctx.error(endPos(n), `Warning - track group ${tg.name} has empty group block`);
    },
    { block: 'list' },
  ),
};

function readDelay(ctx: BuildCtx, pos: SourcePos, text: string): number | undefined {
  const v = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || v > 255) {
    ctx.error(pos, `Invalid interface up/down delay '${text}' (expected 0..255 seconds)`);
    return undefined;
  }
  return v;
}

const garpGroupTable: KeywordTable<{ g: KeepalivedConfig['garpGroups'][number]; ifRef: IfRef }> = {
  garp_interval: kw((n, t, ctx) => {
    const v = Number(arg(n, 1));
    if (!/^\d+(\.\d+)?$/.test(n.args[0]!) || v > 4294) ctx.error(n, `garp_group garp_interval '${n.args[0]}' invalid`);
    else t.g.garpInterval = v;
  }),
  gna_interval: kw((n, t, ctx) => {
    const v = Number(arg(n, 1));
    if (!/^\d+(\.\d+)?$/.test(n.args[0]!) || v > 4294) ctx.error(n, `garp_group gna_interval '${n.args[0]}' invalid`);
    else t.g.gnaInterval = v;
  }),
  interface: kw((n, t) => {
    t.g.interfaces.push(arg(n, 1));
    t.ifRef(arg(n, 1), n, 'garp_group');
  }),
  interfaces: kw(
    (n, t) => {
      for (const c of n.children ?? []) {
        for (const w of [c.keyword, ...c.args]) {
          t.g.interfaces.push(w);
          t.ifRef(w, c, 'garp_group');
        }
      }
    },
    { block: 'list' },
  ),
};

function buildGarpGroup(n: ConfigNode, r: Root, ctx: BuildCtx): void {
  const g = { file: n.file, line: n.line, interfaces: [] as string[] };
  runBlock(n.children, garpGroupTable, { g, ifRef: r.ifRef }, ctx);
  // keepalived 2.2.7 accepts a garp_group without interfaces (it just never applies).
  r.model.garpGroups.push(g);
}

/** The top-level table: single-line keywords plus the root blocks. */
function topTable(): KeywordTable<Root> {
  const t: KeywordTable<Root> = { ...rootBlocks };
  for (const [name, spec] of Object.entries(topLevelTable)) {
    t[name] = { ...spec, handler: (n, r, ctx) => spec.handler(n, r.model.top, ctx) };
  }
  return t;
}

const TOP = topTable();

/** Builds the model; never throws for configuration problems (they become diagnostics). */
export function buildModel(nodes: ConfigNode[], files: string[] = [], options: BuildOptions = {}): BuildResult {
  const model = emptyModel(files);
  const ctx = new BuildCtx(model, options);
  const interfaceRefs: InterfaceRef[] = [];
  const root: Root = {
    model,
    drafts: [],
    ifRef: (name, pos, what) => interfaceRefs.push({ file: pos.file, line: pos.line, name, what }),
  };
  const instanceInfo = new Map<VrrpInstanceConfig, InstanceInfo>();
  let fatal: FatalConfigError | undefined;
  try {
    runBlock(nodes, TOP, root, ctx);
  } catch (e) {
    if (!(e instanceof FatalConfigError)) throw e;
    fatal = e;
    ctx.error(e.pos, e.message);
  }
  for (const d of root.drafts) {
    finishInstance(d, model, ctx);
    model.vrrpInstances.push(d.cfg);
    instanceInfo.set(d.cfg, { explicit: d.explicit, positions: d.positions, end: d.end });
  }
  return { model, ctx, interfaceRefs, instanceInfo, ...(fatal ? { fatal } : {}) };
}

/**
 * Applies global_defs defaults and the per-instance normalisations keepalived performs after
 * parsing (address family, version forced by IPv6, advert_int rounding, …).
 */
function finishInstance(d: InstanceDraft, model: KeepalivedConfig, ctx: BuildCtx): void {
  const c = d.cfg;
  const g = model.global;
  const has = (k: string): boolean => d.explicit.has(k);
  if (!has('version')) c.version = g.vrrpVersion;
  if (!has('garp_master_delay')) c.garpMasterDelay = g.vrrpGarpMasterDelay;
  if (!has('garp_master_repeat')) c.garpMasterRepeat = g.vrrpGarpMasterRepeat;
  if (!has('garp_master_refresh')) c.garpMasterRefresh = g.vrrpGarpMasterRefresh;
  if (!has('garp_master_refresh_repeat')) c.garpMasterRefreshRepeat = g.vrrpGarpMasterRefreshRepeat;
  if (!has('garp_lower_prio_delay') && g.vrrpGarpLowerPrioDelay !== undefined) c.garpLowerPrioDelay = g.vrrpGarpLowerPrioDelay;
  if (!has('garp_lower_prio_repeat') && g.vrrpGarpLowerPrioRepeat !== undefined) c.garpLowerPrioRepeat = g.vrrpGarpLowerPrioRepeat;
  if (!has('down_timer_adverts')) c.downTimerAdverts = g.vrrpDownTimerAdverts;
  if (!has('strict_mode')) c.strictMode = g.vrrpStrict;
  if (!has('skip_check_adv_addr')) c.skipCheckAdvAddr = g.vrrpSkipCheckAdvAddr;
  if (!has('lower_prio_no_advert') && g.vrrpLowerPrioNoAdvert !== undefined) c.lowerPrioNoAdvert = g.vrrpLowerPrioNoAdvert;
  if (!has('higher_prio_send_advert') && g.vrrpHigherPrioSendAdvert !== undefined) c.higherPrioSendAdvert = g.vrrpHigherPrioSendAdvert;
  if (!c.checkUnicastSrc && g.vrrpCheckUnicastSrc) c.checkUnicastSrc = true;
  if (c.garpExtraIf === undefined && g.vrrpGarpExtraIf) c.garpExtraIf = { ...g.vrrpGarpExtraIf };
  if (c.interface === undefined && g.defaultInterface !== undefined) c.interface = g.defaultInterface;
  // keepalived: an instance that starts as MASTER without a priority is the address owner.
  if (c.state === 'MASTER' && !has('priority')) c.priority = 255;

  // The instance family is the first VIP's; VIPs of the other family are dropped with an error.
  const first = c.vips[0];
  if (first) c.family = first.family;
  const kept: IpAddressConfig[] = [];
  for (const v of c.vips) {
    if (v.family !== c.family) ctx.error(v, `(${c.name}): address family must match VRRP instance [${v.addr}/${v.prefix}] - ignoring`);
    else kept.push(v);
  }
  c.vips = kept;
  // IPv6 is VRRPv3-only: keepalived silently upgrades the instance.
  if (c.family === 6) c.version = 3;
}

/** Number of keywords per block table, for the report and `vipd -d`. */
export function keywordCounts(): Record<string, number> {
  const count = (t: object): number => Object.keys(t).length;
  return {
    'top-level': count(topLevelTable) + count(rootBlocks),
    global_defs: count(globalDefsTable),
    vrrp_script: count(vrrpScriptTable),
    vrrp_track_process: count(trackProcessTable),
    track_file: count(trackFileTable),
    vrrp_sync_group: count(syncGroupTable),
    vrrp_instance: count(vrrpInstanceTable),
    authentication: count(authTable),
    garp_group: count(garpGroupTable),
    track_group: count(trackGroupTable),
    bfd_instance: count(bfdInstanceTable),
    SSL: count(sslTable),
    virtual_server: count(virtualServerTable),
    real_server: count(realServerTable),
    TCP_CHECK: count(CHECKER_TABLES.TCP_CHECK),
    HTTP_GET: count(CHECKER_TABLES.HTTP_GET),
    SSL_GET: count(CHECKER_TABLES.SSL_GET),
    url: count(urlTable),
    SMTP_CHECK: count(CHECKER_TABLES.SMTP_CHECK),
    DNS_CHECK: count(CHECKER_TABLES.DNS_CHECK),
    UDP_CHECK: count(CHECKER_TABLES.UDP_CHECK),
    PING_CHECK: count(CHECKER_TABLES.PING_CHECK),
    MISC_CHECK: count(CHECKER_TABLES.MISC_CHECK),
    FILE_CHECK: count(CHECKER_TABLES.FILE_CHECK),
    BFD_CHECK: count(CHECKER_TABLES.BFD_CHECK),
  };
}

/** Keyword names per block (tests compare them with what keepalived 2.2.7 accepts). */
export function keywordNames(): Record<string, string[]> {
  const names = (t: object): string[] => Object.keys(t).sort();
  return {
    'top-level': names({ ...topLevelTable, ...rootBlocks }),
    global_defs: names(globalDefsTable),
    vrrp_script: names(vrrpScriptTable),
    vrrp_track_process: names(trackProcessTable),
    track_file: names(trackFileTable),
    vrrp_sync_group: names(syncGroupTable),
    vrrp_instance: names(vrrpInstanceTable),
    authentication: names(authTable),
    garp_group: names(garpGroupTable),
    track_group: names(trackGroupTable),
    bfd_instance: names(bfdInstanceTable),
    SSL: names(sslTable),
    virtual_server: names(virtualServerTable),
    real_server: names(realServerTable),
    url: names(urlTable),
    ...Object.fromEntries(Object.entries(CHECKER_TABLES).map(([k, t]) => [k, names(t)])),
  };
}


