// Tables for `vrrp_instance` (with its sub-blocks) and `vrrp_sync_group`. Handlers store what was
// written; defaults that depend on global_defs (version, GARP timers, strict mode) are resolved
// by finishInstance() once the whole file was read, because keepalived also applies them late
// (global_defs may come after the instance).
import type { ConfigNode, SourcePos } from '../tree.js';
import type { NotifyScripts, UnicastPeer, VrrpInstanceConfig, VrrpSyncGroupConfig } from '../model.js';
import { kw, runBlock, type BuildCtx, type KeywordTable } from './table.js';
import { bool, flag } from './common.js';
import { arg, familyOf, readFloat, readInt, readScript, listWords } from './values.js';
import { parseIpAddress, parseList, parseRoute, parseRule, type IfRef } from './addresses.js';
import { readTrackRefs } from './trackers.js';

const U32 = 4294967295;

/** Per-instance parse state that is not part of the model (which keywords were explicit). */
export interface InstanceDraft {
  cfg: VrrpInstanceConfig;
  explicit: Set<string>;
  /** Where some keywords were written (for rules that keepalived reports at that line). */
  positions: Map<string, SourcePos>;
  /** The instance block's closing brace (end-of-block checks are reported there). */
  end: SourcePos;
  ifRef: IfRef;
  /** auth_pass seen before auth_type (keepalived accepts either order). */
  pendingPass?: { pass: string; pos: ConfigNode };
}

export function newInstance(node: ConfigNode, name: string): VrrpInstanceConfig {
  return {
    file: node.file,
    line: node.line,
    name,
    state: 'BACKUP',
    vrid: 0,
    priority: 100,
    advertInt: 1,
    version: 2,
    family: 4,
    vips: [],
    excludedVips: [],
    routes: [],
    rules: [],
    noVirtualIpaddress: false,
    promoteSecondaries: false,
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackProcesses: [],
    trackBfds: [],
    dontTrackPrimary: false,
    unicastPeers: [],
    unicastTtl: 255,
    unicastFaultNoPeer: false,
    checkUnicastSrc: false,
    trackSrcIp: false,
    nopreempt: false,
    preemptDelay: 0,
    downTimerAdverts: 3,
    garpMasterDelay: 5,
    garpMasterRepeat: 5,
    garpMasterRefresh: 0,
    garpMasterRefreshRepeat: 1,
    vmacXmitBase: false,
    notify: {},
  };
}

type D = InstanceDraft;

/** Marks a keyword as explicitly set so finishInstance() does not overwrite it with a global. */
function mark(d: D, key: string): void {
  d.explicit.add(key);
}

function uint(key: string, min: number, max: number, set: (c: VrrpInstanceConfig, v: number) => void) {
  return kw<D>((n, d, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), min, max, n.keyword);
    if (v === undefined) {
      ctx.error(n, `(${d.cfg.name}) ${n.keyword} '${n.args[0]}' invalid - ignoring`);
      return;
    }
    set(d.cfg, v);
    mark(d, key);
  });
}

function ibool(key: string, set: (c: VrrpInstanceConfig, v: boolean) => void) {
  return kw<D>((n, d, ctx) => {
    const w = n.args[0];
    if (w !== undefined && !/^(on|off|true|false|yes|no)$/i.test(w)) {
      ctx.error(n, `(${d.cfg.name}) invalid value '${w}' for ${n.keyword}`);
      return;
    }
    set(d.cfg, w === undefined || /^(on|true|yes)$/i.test(w));
    mark(d, key);
  });
}

function notifyKw(key: keyof NotifyScripts) {
  return kw<D>((n, d) => {
    (d.cfg.notify as Record<string, unknown>)[key] = readScript(n, 1, true);
  });
}

function addrList(which: 'vips' | 'excludedVips') {
  return kw<D>(
    (n, d, ctx) => {
      const list = parseList(n, (c) => parseIpAddress(ctx, c, {}, d.ifRef));
      d.cfg[which].push(...list);
    },
    { block: 'list' },
  );
}

function garpExtra() {
  return kw<D>((n, d, ctx) => {
    const all = n.args[0] === 'all';
    const v = readInt(ctx, n, arg(n, all ? 2 : 1), 1, 86400, n.keyword);
    if (v !== undefined) d.cfg.garpExtraIf = { all, interval: v };
  });
}

export const vrrpInstanceTable: KeywordTable<D> = {
  state: kw((n, d, ctx) => {
    const v = arg(n, 1);
    if (v === 'MASTER' || v === 'BACKUP') d.cfg.state = v;
    else {
      ctx.error(n, `(${d.cfg.name}) unknown state '${v}', defaulting to BACKUP`);
      d.cfg.state = 'BACKUP';
    }
    mark(d, 'state');
  }),
  interface: kw((n, d) => {
    d.cfg.interface = arg(n, 1);
    d.ifRef(d.cfg.interface, n, `vrrp_instance ${d.cfg.name}`);
  }),
  virtual_router_id: kw((n, d, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, 255);
    if (v === undefined) ctx.error(n, `(${d.cfg.name}): VRID '${n.args[0]}' not valid - must be between 1 & 255`);
    else d.cfg.vrid = v;
  }),
  priority: kw((n, d, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, 255);
    if (v === undefined) ctx.error(n, `(${d.cfg.name}) Priority not valid! must be between 1 & 255. Using default 100`);
    else {
      d.cfg.priority = v;
      mark(d, 'priority');
    }
  }),
  advert_int: kw((n, d, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), 0.01, 255);
    if (v === undefined) ctx.error(n, `(${d.cfg.name}) Advert interval (${n.args[0]}) not valid! Must be > 0 - ignoring`);
    else {
      d.cfg.advertInt = v;
      mark(d, 'advert_int');
    }
  }),
  version: kw((n, d, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 2, 3);
    if (v === undefined) ctx.error(n, `(${d.cfg.name}) VRRP version must be either 2 or 3`);
    else {
      d.cfg.version = v as 2 | 3;
      mark(d, 'version');
    }
  }),
  vrf: kw((n, d) => {
    d.cfg.vrf = arg(n, 1);
    d.ifRef(d.cfg.vrf, n, `vrf of ${d.cfg.name}`);
  }),
  native_ipv6: { ...flag<D>((d) => (d.cfg.family = 6)), deprecated: true },
  dont_track_primary: flag((d) => (d.cfg.dontTrackPrimary = true)),
  debug: kw((n, d, ctx) => {
    const v = n.args[0] === undefined ? 1 : readInt(ctx, n, n.args[0], 0, 4, 'debug');
    if (v !== undefined) d.cfg.debug = v;
  }),
  kernel_rx_buf_size: uint('kernel_rx_buf_size', 0, U32, (c, v) => (c.kernelRxBufSize = v)),
  linkbeat_use_polling: { ...flag<D>(() => undefined), deprecated: true },

  virtual_ipaddress: addrList('vips'),
  virtual_ipaddress_excluded: addrList('excludedVips'),
  virtual_routes: kw((n, d, ctx) => d.cfg.routes.push(...parseList(n, (c) => parseRoute(ctx, c, {}, d.ifRef))), { block: 'list' }),
  virtual_rules: kw((n, d, ctx) => d.cfg.rules.push(...parseList(n, (c) => parseRule(ctx, c, {}, d.ifRef))), { block: 'list' }),
  promote_secondaries: flag((d) => (d.cfg.promoteSecondaries = true)),

  unicast_src_ip: kw((n, d, ctx) => {
    const v = arg(n, 1);
    if (!familyOf(v)) ctx.error(n, `Configuration error: VRRP instance[${d.cfg.name}] malformed src address[${v}]. Skipping...`);
    else d.cfg.unicastSrcIp = v;
    mark(d, 'unicast_keyword');
    d.positions.set('unicast_keyword', n);
  }),
  unicast_peer: kw(
    (n, d, ctx) => {
      // Even an empty unicast_peer block asks for unicast (keepalived then warns it has no peers).
      mark(d, 'unicast_keyword');
      for (const c of n.children ?? []) {
        const family = familyOf(c.keyword);
        if (!family) {
          ctx.error(c, `Configuration error: VRRP instance[${d.cfg.name}] malformed unicast peer address[${c.keyword}]. Skipping...`);
          continue;
        }
        const peer: UnicastPeer = { file: c.file, line: c.line, addr: c.keyword, family };
        for (let i = 0; i < c.args.length; i += 2) {
          const opt = c.args[i]!;
          const val = c.args[i + 1];
          if (val === undefined) {
            ctx.error(c, `(${d.cfg.name}) ${opt} is missing a value`);
            break;
          }
          if (opt === 'min_ttl' || opt === 'max_ttl') {
            const t = readInt(ctx, c, val, 0, 255, opt);
            if (t !== undefined) peer[opt === 'min_ttl' ? 'minTtl' : 'maxTtl'] = t;
          } else ctx.error(c, `(${d.cfg.name}) unknown unicast peer option '${opt}'`);
        }
        d.cfg.unicastPeers.push(peer);
      }
    },
    { block: 'list' },
  ),
  unicast_ttl: kw((n, d, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, 255, n.keyword);
    if (v === undefined) return;
    d.cfg.unicastTtl = v;
    d.positions.set('unicast_ttl', n);
  }),
  unicast_fault_no_peer: flag((d) => (d.cfg.unicastFaultNoPeer = true)),
  check_unicast_src: kw((n, d) => {
    d.cfg.checkUnicastSrc = true;
    mark(d, 'unicast_keyword');
    d.positions.set('unicast_keyword', n);
  }),
  mcast_src_ip: kw((n, d, ctx) => {
    const v = arg(n, 1);
    if (!familyOf(v)) ctx.error(n, `Configuration error: VRRP instance[${d.cfg.name}] malformed src address[${v}]. Skipping...`);
    else d.cfg.mcastSrcIp = v;
  }),
  mcast_dst_ip: kw((n, d, ctx) => {
    const v = arg(n, 1);
    if (!familyOf(v)) ctx.error(n, `(${d.cfg.name}) malformed mcast_dst_ip [${v}]`);
    else d.cfg.mcastDstIp = v;
  }),
  track_src_ip: flag((d) => (d.cfg.trackSrcIp = true)),
  old_unicast_checksum: kw((n, d) => (d.cfg.oldUnicastChecksum = n.args[0] === 'never' ? 'never' : 'always')),
  skip_check_adv_addr: ibool('skip_check_adv_addr', (c, v) => (c.skipCheckAdvAddr = v)),
  strict_mode: ibool('strict_mode', (c, v) => (c.strictMode = v)),

  use_vmac: kw((n, d) => {
    const vm: NonNullable<VrrpInstanceConfig['useVmac']> = { file: n.file, line: n.line, options: [] };
    for (const w of n.args) {
      if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(w)) vm.mac = w;
      else if (vm.name === undefined && vm.options.length === 0 && w !== 'netlink_notify_msg' && w !== 'group') vm.name = w;
      else vm.options.push(w);
    }
    d.cfg.useVmac = vm;
  }),
  use_vmac_addr: flag(() => undefined),
  vmac_xmit_base: flag((d) => (d.cfg.vmacXmitBase = true)),
  use_ipvlan: kw((n, d) => {
    const [name, ...options] = n.args;
    d.cfg.useIpvlan = { file: n.file, line: n.line, ...(name !== undefined ? { name } : {}), options };
    // `use_ipvlan [NAME] [IP[/PREFIX]] [mode]`: remember whether an address was given.
    if (n.args.some((w) => familyOf(w.split('/')[0]!) !== undefined)) mark(d, 'ipvlan_addr');
  }),
  garp_extra_if: garpExtra(),
  vmac_garp_intvl: { ...garpExtra(), deprecated: true },

  track_interface: kw((n, d, ctx) => {
    d.cfg.trackInterfaces.push(...readTrackRefs(n, ctx, -253, 253, d.cfg.name));
    for (const r of d.cfg.trackInterfaces) d.ifRef(r.name, r, `tracked interface of ${d.cfg.name}`);
  }, { block: 'list' }),
  track_script: kw((n, d, ctx) => d.cfg.trackScripts.push(...readTrackRefs(n, ctx, -253, 253, d.cfg.name, true)), { block: 'list' }),
  track_file: kw((n, d, ctx) => d.cfg.trackFiles.push(...readTrackRefs(n, ctx, -254, 254, d.cfg.name)), { block: 'list' }),
  track_process: kw((n, d, ctx) => d.cfg.trackProcesses.push(...readTrackRefs(n, ctx, -254, 254, d.cfg.name)), { block: 'list' }),
  track_bfd: kw((n, d, ctx) => d.cfg.trackBfds.push(...readTrackRefs(n, ctx, -253, 253, d.cfg.name)), { block: 'list' }),

  nopreempt: flag((d) => (d.cfg.nopreempt = true)),
  preempt: { ...flag<D>((d) => (d.cfg.nopreempt = false)), deprecated: true },
  preempt_delay: kw((n, d, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), 0, 1000);
    if (v === undefined) ctx.error(n, `(${d.cfg.name}) Preempt_delay not valid! must be between 0-1000`);
    else d.cfg.preemptDelay = v;
  }),
  accept: flag((d) => (d.cfg.accept = true)),
  no_accept: flag((d) => (d.cfg.accept = false)),
  down_timer_adverts: uint('down_timer_adverts', 1, 100, (c, v) => (c.downTimerAdverts = v)),
  lower_prio_no_advert: ibool('lower_prio_no_advert', (c, v) => (c.lowerPrioNoAdvert = v)),
  higher_prio_send_advert: ibool('higher_prio_send_advert', (c, v) => (c.higherPrioSendAdvert = v)),

  garp_master_delay: uint('garp_master_delay', 0, U32, (c, v) => (c.garpMasterDelay = v)),
  garp_master_repeat: uint('garp_master_repeat', 0, U32, (c, v) => (c.garpMasterRepeat = v)),
  garp_master_refresh: uint('garp_master_refresh', 0, U32, (c, v) => (c.garpMasterRefresh = v)),
  garp_master_refresh_repeat: uint('garp_master_refresh_repeat', 0, U32, (c, v) => (c.garpMasterRefreshRepeat = v)),
  garp_lower_prio_delay: uint('garp_lower_prio_delay', 0, U32, (c, v) => (c.garpLowerPrioDelay = v)),
  garp_lower_prio_repeat: uint('garp_lower_prio_repeat', 0, U32, (c, v) => (c.garpLowerPrioRepeat = v)),

  notify_master: notifyKw('master'),
  notify_backup: notifyKw('backup'),
  notify_fault: notifyKw('fault'),
  notify_stop: notifyKw('stop'),
  notify_deleted: kw((n, d) => {
    d.cfg.notify.deleted = n.args[0] === undefined ? true : readScript(n, 1, true);
  }),
  notify: notifyKw('notify'),
  notify_master_rx_lower_pri: notifyKw('masterRxLowerPri'),
  notify_priority_changes: ibool('notify_priority_changes', (c, v) => (c.notifyPriorityChanges = v)),
  smtp_alert: ibool('smtp_alert', (c, v) => (c.smtpAlert = v)),
  lvs_sync_daemon_interface: {
    ...kw<D>((n, d, ctx) => {
      arg(n, 1);
      ctx.error(n, `(${d.cfg.name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated. Please use global lvs_sync_daemon`);
    }),
    deprecated: true,
  },

  authentication: kw((n, d, ctx) => runBlock(n.children, authTable, d, ctx), { block: true }),
};

export const authTable: KeywordTable<D> = {
  auth_type: kw((n, d, ctx) => {
    const v = arg(n, 1);
    if (v !== 'PASS' && v !== 'AH') {
      ctx.error(n, `(${d.cfg.name}) unknown authentication type '${v}'`);
      return;
    }
    d.cfg.authentication = { file: n.file, line: n.line, type: v, ...(d.cfg.authentication?.pass !== undefined ? { pass: d.cfg.authentication.pass } : {}) };
  }),
  auth_pass: kw((n, d, ctx) => {
    let v = arg(n, 1);
    if (v.length > 8) {
      ctx.error(n, 'Truncating auth_pass to 8 characters');
      v = v.slice(0, 8);
    }
    if (d.cfg.authentication) d.cfg.authentication.pass = v;
    else d.pendingPass = { pass: v, pos: n };
  }),
};


// ---------------------------------------------------------------- sync group

type S = VrrpSyncGroupConfig;

function sgNotify(key: keyof NotifyScripts) {
  return kw<S>((n, g) => {
    (g.notify as Record<string, unknown>)[key] = readScript(n, 1, true);
  });
}

export const syncGroupTable: KeywordTable<S> = {
  group: kw(
    (n, g) => {
      g.membersPos = { file: n.file, line: n.line };
      for (const { word } of listWords(n)) g.members.push(word);
    },
    { block: 'list' },
  ),
  track_interface: kw((n, g, ctx) => g.trackInterfaces.push(...readTrackRefs(n, ctx, -253, 253, g.name)), { block: 'list' }),
  track_script: kw((n, g, ctx) => g.trackScripts.push(...readTrackRefs(n, ctx, -253, 253, g.name, true)), { block: 'list' }),
  track_file: kw((n, g, ctx) => g.trackFiles.push(...readTrackRefs(n, ctx, -254, 254, g.name)), { block: 'list' }),
  track_process: kw((n, g, ctx) => g.trackProcesses.push(...readTrackRefs(n, ctx, -254, 254, g.name)), { block: 'list' }),
  track_bfd: kw((n, g, ctx) => g.trackBfds.push(...readTrackRefs(n, ctx, -253, 253, g.name)), { block: 'list' }),
  notify_master: sgNotify('master'),
  notify_backup: sgNotify('backup'),
  notify_fault: sgNotify('fault'),
  notify_stop: sgNotify('stop'),
  notify: sgNotify('notify'),
  smtp_alert: bool((g, v) => (g.smtpAlert = v)),
  notify_priority_changes: bool((g, v) => (g.notifyPriorityChanges = v)),
  sync_group_tracking_weight: flag((g) => (g.syncGroupTrackingWeight = true)),
  global_tracking: { ...flag<S>((g) => (g.syncGroupTrackingWeight = true)), deprecated: true },
};

export function newSyncGroup(node: ConfigNode, name: string): S {
  return {
    file: node.file,
    line: node.line,
    name,
    members: [],
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackProcesses: [],
    trackBfds: [],
    notify: {},
    syncGroupTrackingWeight: false,
  };
}
