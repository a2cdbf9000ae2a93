// Keyword tables for the top level (outside any block) and `global_defs`, with the keyword set of
// keepalived 2.2.7 (Debian build): keywords added later (json_version, use_symlink_paths,
// vrrp_owner_ignore_adverts, …) are deliberately absent so they are "Unknown keyword" like in 2.2.7.
import { availableParallelism } from 'node:os';
import type { GlobalDefs, ProcessTuning, TopLevel } from '../model.js';
import { lookupGroup, lookupUser } from '../../notify/users.js';
import { endPos, kw, runBlock, type BuildCtx, type KeywordTable } from './table.js';
import { flag, float, int, optStr, script, str } from './common.js';
import { arg, familyOf, isMulticast, readBool, readInt, readScript } from './values.js';
import type { ConfigNode } from '../tree.js';

const U32 = 4294967295;

export function defaultProcessTuning(): ProcessTuning {
  return { noSwap: false, cpuAffinity: [] };
}

export function defaultGlobalDefs(file = '', line = 0): GlobalDefs {
  return {
    file,
    line,
    notificationEmail: [],
    smtpConnectTimeout: 30,
    noEmailFaults: false,
    noCheckerEmails: false,
    checkerLogAllFailures: false,
    enableScriptSecurity: false,
    startupScriptTimeout: 10,
    shutdownScriptTimeout: 10,
    vrrpNotifyPriorityChanges: false,
    fifoWriteVrrpStatesOnReload: false,
    rsInitNotifies: false,
    vrrpVersion: 2,
    vrrpMcastGroup4: '224.0.0.18',
    vrrpMcastGroup6: 'ff02::12',
    vrrpGarpMasterDelay: 5,
    vrrpGarpMasterRepeat: 5,
    vrrpGarpMasterRefresh: 0,
    vrrpGarpMasterRefreshRepeat: 1,
    vrrpGarpInterval: 0,
    vrrpGnaInterval: 0,
    vrrpMinGarp: false,
    vrrpDownTimerAdverts: 3,
    vrrpCheckUnicastSrc: false,
    vrrpSkipCheckAdvAddr: false,
    vrrpStrict: false,
    vrrpStartupDelay: 0,
    nftablesPriority: -1,
    nftablesCounters: false,
    nftablesIfindex: false,
    nftablesIpvsStartFwmark: 1000,
    vmacPrefix: 'vrrp',
    vmacAddrPrefix: 'vrrp',
    dynamicInterfaces: false,
    dynamicInterfacesAllowIfChanges: false,
    disableLocalIgmp: false,
    vrrpRxBufsMultiplier: 3,
    lvsTimeouts: {},
    lvsFlush: false,
    maxAutoPriority: 0,
    minAutoPriorityDelayUs: 1_000_000,
    processes: { vrrp: defaultProcessTuning(), checker: defaultProcessTuning(), bfd: defaultProcessTuning() },
    processNames: false,
    enableDbus: false,
    enableTraps: false,
    enableSnmpVrrp: false,
    enableSnmpChecker: false,
    enableSnmpRfcv2: false,
    enableSnmpRfcv3: false,
    dataUseInstance: false,
    reloadRepeat: false,
    includeCheck: [],
    rcvBufs: {},
    logUnknownVrids: false,
  };
}

export function defaultTopLevel(): TopLevel {
  return { namespaceWithIpsets: false, usePidDir: false, linkbeatUsePolling: false, childWaitTime: 5 };
}

type G = GlobalDefs;

/** `BOOL` keywords whose bad value keepalived reports (and then ignores). */
function gbool(set: (g: G, v: boolean) => void) {
  return kw<G>((n, g, ctx) => {
    const w = n.args[0];
    if (w !== undefined && !/^(on|off|true|false|yes|no)$/i.test(w)) {
      ctx.error(n, `Invalid value '${w}' for global ${n.keyword} specified`);
      return;
    }
    set(g, readBool(ctx, n));
  });
}

function fifo(set: (g: G, f: GlobalDefs['notifyFifo']) => void) {
  return kw<G>((n, g) => {
    const f: NonNullable<GlobalDefs['notifyFifo']> = { file: n.file, line: n.line, path: arg(n, 1) };
    if (n.args[1] !== undefined) f.user = n.args[1];
    if (n.args[2] !== undefined) f.group = n.args[2];
    set(g, f);
  });
}

/** `*_fifo_script CMD`: only meaningful once the FIFO itself is configured (else ignored). */
function fifoScript(get: (g: G) => GlobalDefs['notifyFifo']) {
  return kw<G>((n, g) => {
    const f = get(g);
    if (f) f.script = readScript(n, 1, true);
  });
}

type Proc = 'vrrp' | 'checker' | 'bfd';
function procTable(p: Proc): KeywordTable<G> {
  const t: KeywordTable<G> = {};
  t[`${p}_process_name`] = str((g, v) => (g.processes[p].processName = v));
  t[`${p}_priority`] = int(-20, 19, (g, v) => (g.processes[p].priority = v));
  t[`${p}_no_swap`] = flag((g) => (g.processes[p].noSwap = true));
  t[`${p}_rt_priority`] = kw((n, g, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, 99, n.keyword);
    if (v !== undefined) g.processes[p].rtPriority = v;
  });
  t[`${p}_cpu_affinity`] = kw((n, g, ctx) => {
    const cpus: number[] = [];
    for (const w of n.args) {
      const v = readInt(ctx, n, w, 0, availableParallelism() - 1, `${p} cpu_id`);
      if (v !== undefined) cpus.push(v);
    }
    g.processes[p].cpuAffinity = cpus;
  });
  const rl = kw<G>((n, g, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, U32, n.keyword);
    if (v !== undefined) g.processes[p].rlimitRttimeUs = v;
  });
  t[`${p}_rlimit_rttime`] = rl;
  t[`${p}_rlimit_rtime`] = { ...rl, deprecated: true };
  return t;
}

function rcvBufs(name: string): KeywordTable<G> {
  return {
    [name]: kw((n, g, ctx) => {
      const v = readInt(ctx, n, arg(n, 1), 0, U32, n.keyword);
      if (v !== undefined) g.rcvBufs[name] = { size: v, force: g.rcvBufs[name]?.force ?? false };
    }),
    [`${name}_force`]: kw((n, g, ctx) => {
      const f = readBool(ctx, n);
      g.rcvBufs[name] = { size: g.rcvBufs[name]?.size ?? 0, force: f };
    }),
  };
}

function mcastGroup(family: 4 | 6, set: (g: G, v: string) => void) {
  return kw<G>((n, g, ctx) => {
    const v = arg(n, 1);
    if (familyOf(v) !== family) ctx.error(n, `Can't parse ${n.keyword} [${v}]. Skipping`);
    else if (!isMulticast(v, family)) ctx.error(n, `${n.keyword} [${v}] is not multicast. Skipping`);
    else set(g, v);
  });
}

// keepalived 2.2.7 knows only these three (`readable` came later and is an error there).
const INCLUDE_CHECKS = ['match', 'wildcard_match', 'brace_match'];
const UMASK_BITS: Record<string, number> = {
  IRUSR: 0o400, IWUSR: 0o200, IXUSR: 0o100, IRGRP: 0o40, IWGRP: 0o20, IXGRP: 0o10,
  IROTH: 0o4, IWOTH: 0o2, IXOTH: 0o1, IRWXU: 0o700, IRWXG: 0o70, IRWXO: 0o7,
};

export const globalDefsTable: KeywordTable<G> = {
  router_id: kw((n, g, ctx) => {
    if (n.args[0] === undefined) ctx.error(n, 'routerid name missing - ignoring');
    else g.routerId = n.args[0];
  }),
  notification_email: kw(
    (n, g, ctx) => {
      for (const c of n.children ?? []) for (const w of [c.keyword, ...c.args]) g.notificationEmail.push(w);
      if (!n.children?.length) ctx.error(endPos(n), 'Warning - empty notification_email block');
    },
    { block: 'list' },
  ),
  notification_email_from: optStr((g, v) => (g.notificationEmailFrom = v), 'emailfrom'),
  smtp_server: kw((n, g, ctx) => {
    const host = arg(n, 1);
    let port = 25;
    if (n.args[1] !== undefined) {
      const p = readInt(ctx, n, n.args[1], 1, 65535, 'smtp_server port');
      if (p === undefined) {
        ctx.error(n, `Invalid smtp server ${n.args.join(' ')}`);
        return;
      }
      port = p;
    }
    g.smtpServer = { host, port };
  }),
  smtp_helo_name: str((g, v) => (g.smtpHeloName = v)),
  smtp_connect_timeout: kw((n, g, ctx) => {
    const v = arg(n, 1);
    const t = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!(t > 0)) {
      ctx.error(n, 'smtp_connect_timeout must be greater than 0, setting to 1');
      g.smtpConnectTimeout = 1;
    } else g.smtpConnectTimeout = t;
  }),
  smtp_alert: gbool((g, v) => (g.smtpAlert = v)),
  smtp_alert_vrrp: gbool((g, v) => (g.smtpAlertVrrp = v)),
  smtp_alert_checker: gbool((g, v) => (g.smtpAlertChecker = v)),
  no_email_faults: flag((g) => (g.noEmailFaults = true)),
  no_checker_emails: flag((g) => (g.noCheckerEmails = true)),
  checker_log_all_failures: gbool((g, v) => (g.checkerLogAllFailures = v)),

  enable_script_security: flag((g) => (g.enableScriptSecurity = true)),
  script_user: kw((n, g, ctx) => {
    let user = arg(n, 1);
    let group = n.args[1];
    // `user:group` and `user :group` are accepted spellings.
    if (group === undefined && user.includes(':')) [user, group] = user.split(':', 2) as [string, string];
    if (group?.startsWith(':')) group = group.slice(1);
    if (!lookupUser(user) || (group !== undefined && !/^\d+$/.test(group) && !lookupGroup(group))) {
      ctx.error(n, `Error setting global script uid/gid (user '${user}'${group !== undefined ? ` group '${group}'` : ''} not found)`);
      return;
    }
    g.scriptUser = { file: n.file, line: n.line, user, ...(group ? { group } : {}) };
  }),
  startup_script: script((g, v) => (g.startupScript = v)),
  startup_script_timeout: int(1, 1000, (g, v) => (g.startupScriptTimeout = v)),
  shutdown_script: script((g, v) => (g.shutdownScript = v)),
  shutdown_script_timeout: int(1, 1000, (g, v) => (g.shutdownScriptTimeout = v)),

  notify_fifo: fifo((g, f) => (g.notifyFifo = f)),
  notify_fifo_script: fifoScript((g) => g.notifyFifo),
  vrrp_notify_fifo: fifo((g, f) => (g.vrrpNotifyFifo = f)),
  vrrp_notify_fifo_script: fifoScript((g) => g.vrrpNotifyFifo),
  lvs_notify_fifo: fifo((g, f) => (g.lvsNotifyFifo = f)),
  lvs_notify_fifo_script: fifoScript((g) => g.lvsNotifyFifo),
  vrrp_notify_priority_changes: gbool((g, v) => (g.vrrpNotifyPriorityChanges = v)),
  fifo_write_vrrp_states_on_reload: flag((g) => (g.fifoWriteVrrpStatesOnReload = true)),
  rs_init_notifies: flag((g) => (g.rsInitNotifies = true)),

  vrrp_version: kw((n, g, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 2, 3, 'vrrp_version');
    if (v === undefined) ctx.error(n, 'VRRP Error: Version must be either 2 or 3');
    else g.vrrpVersion = v as 2 | 3;
  }),
  vrrp_mcast_group4: mcastGroup(4, (g, v) => (g.vrrpMcastGroup4 = v)),
  vrrp_mcast_group6: mcastGroup(6, (g, v) => (g.vrrpMcastGroup6 = v)),
  default_interface: str((g, v) => (g.defaultInterface = v)),
  vrrp_garp_master_delay: int(0, U32, (g, v) => (g.vrrpGarpMasterDelay = v)),
  vrrp_garp_master_repeat: int(0, U32, (g, v) => (g.vrrpGarpMasterRepeat = v)),
  vrrp_garp_lower_prio_delay: int(0, U32, (g, v) => (g.vrrpGarpLowerPrioDelay = v)),
  vrrp_garp_lower_prio_repeat: int(0, U32, (g, v) => (g.vrrpGarpLowerPrioRepeat = v)),
  vrrp_garp_master_refresh: int(0, U32, (g, v) => (g.vrrpGarpMasterRefresh = v)),
  vrrp_garp_master_refresh_repeat: int(0, U32, (g, v) => (g.vrrpGarpMasterRefreshRepeat = v)),
  vrrp_garp_interval: float(0.000001, U32 / 1e6, (g, v) => (g.vrrpGarpInterval = v)),
  vrrp_gna_interval: float(0.000001, U32 / 1e6, (g, v) => (g.vrrpGnaInterval = v)),
  vrrp_min_garp: gbool((g, v) => (g.vrrpMinGarp = v)),
  vrrp_garp_extra_if: kw((n, g, ctx) => {
    const all = n.args[0] === 'all';
    const v = readInt(ctx, n, arg(n, all ? 2 : 1), 1, 86400, n.keyword);
    if (v !== undefined) g.vrrpGarpExtraIf = { all, interval: v };
  }),
  vrrp_vmac_garp_intvl: {
    handler: (n, g, ctx) => {
      const all = n.args[0] === 'all';
      const v = readInt(ctx, n, arg(n, all ? 2 : 1), 1, 86400, n.keyword);
      if (v !== undefined) g.vrrpGarpExtraIf = { all, interval: v };
    },
    deprecated: true,
  },
  vrrp_down_timer_adverts: int(1, 100, (g, v) => (g.vrrpDownTimerAdverts = v)),
  vrrp_lower_prio_no_advert: gbool((g, v) => (g.vrrpLowerPrioNoAdvert = v)),
  vrrp_higher_prio_send_advert: gbool((g, v) => (g.vrrpHigherPrioSendAdvert = v)),
  vrrp_check_unicast_src: flag((g) => (g.vrrpCheckUnicastSrc = true)),
  vrrp_skip_check_adv_addr: flag((g) => (g.vrrpSkipCheckAdvAddr = true)),
  vrrp_strict: flag((g) => (g.vrrpStrict = true)),
  vrrp_startup_delay: float(0, U32 / 1e6, (g, v) => (g.vrrpStartupDelay = v)),
  vrrp_iptables: kw((n, _g, ctx) => {
    // Debian's 2.2.7 is built without iptables support: the keyword is known but refused.
    ctx.error(n, "iptables not supported, using nftables instead. Please replace 'vrrp_iptables' with 'nftables'");
  }),
  nftables: kw((n, g) => (g.nftables = { table: n.args[0] ?? 'keepalived' })),
  nftables_priority: int(-2147483648, 2147483647, (g, v) => (g.nftablesPriority = v)),
  nftables_counters: flag((g) => (g.nftablesCounters = true)),
  nftables_ifindex: flag((g) => (g.nftablesIfindex = true)),
  nftables_ipvs: kw((n, g) => (g.nftablesIpvs = { table: n.args[0] ?? 'keepalived_ipvs' })),
  nftables_ipvs_priority: int(-2147483648, 2147483647, (g, v) => (g.nftablesIpvsPriority = v)),
  nftables_ipvs_start_fwmark: int(1, U32, (g, v) => (g.nftablesIpvsStartFwmark = v)),
  vmac_prefix: str((g, v) => (g.vmacPrefix = v)),
  vmac_addr_prefix: str((g, v) => (g.vmacAddrPrefix = v)),
  dynamic_interfaces: kw((n, g) => {
    g.dynamicInterfaces = true;
    if (n.args[0] === 'allow_if_changes') g.dynamicInterfacesAllowIfChanges = true;
  }),
  disable_local_igmp: flag((g) => (g.disableLocalIgmp = true)),
  vrrp_rx_bufs_policy: kw((n, g, ctx) => {
    const v = arg(n, 1);
    if (/^(MTU|ADVERT)$/i.test(v)) g.vrrpRxBufsPolicy = v.toUpperCase();
    else if (readInt(ctx, n, v, 1, U32, n.keyword) !== undefined) g.vrrpRxBufsPolicy = v;
    else ctx.error(n, `Invalid vrrp_rx_bufs_policy ${v}`);
  }),
  vrrp_rx_bufs_multiplier: int(1, U32, (g, v) => (g.vrrpRxBufsMultiplier = v)),
  lvs_sync_daemon: kw((n, g) => {
    const iface = arg(n, 1);
    const rest = n.args.slice(1);
    const inst = rest[0] !== undefined && !/^(id|maxlen|port|ttl|group)$/.test(rest[0]) ? rest.shift() : undefined;
    g.lvsSyncDaemon = { file: n.file, line: n.line, interface: iface, ...(inst ? { instance: inst } : {}), options: rest };
  }),
  lvs_timeouts: kw((n, g, ctx) => {
    for (let i = 0; i < n.args.length; i++) {
      const w = n.args[i]!;
      if (w === 'tcp' || w === 'tcpfin' || w === 'udp') {
        const v = n.args[i + 1];
        const t = v === undefined ? undefined : readInt(ctx, n, v, 0, 86400 * 31, `lvs_timeouts ${w}`);
        if (t !== undefined) g.lvsTimeouts[w] = t;
        i++;
      } else ctx.error(n, `Unknown option ${w} specified for lvs_timeouts`);
    }
  }),
  lvs_flush: flag((g) => (g.lvsFlush = true)),
  lvs_flush_on_stop: kw((n, g) => (g.lvsFlushOnStop = n.args[0] === 'VS' ? 'VS' : 'true')),
  lvs_flush_onstop: { handler: (n, g) => (g.lvsFlushOnStop = n.args[0] === 'VS' ? 'VS' : 'true'), deprecated: true },
  max_auto_priority: kw((n, g, ctx) => {
    const w = n.args[0];
    if (w === undefined) {
      g.maxAutoPriority = 99;
      return;
    }
    const v = readInt(ctx, n, w, -1, 99, n.keyword);
    if (v === undefined) ctx.error(n, `max_auto_priority '${w}' must be in [0, 99] (or -1 to disable) - ignoring`);
    else g.maxAutoPriority = v;
  }),
  min_auto_priority_delay: int(1, U32, (g, v) => (g.minAutoPriorityDelayUs = v)),
  process_names: flag((g) => (g.processNames = true)),
  // `process_name` names the parent; kept with the vrrp tuning slot's siblings for the dump.
  process_name: str(() => undefined),
  lvs_process_name: { ...str<G>((g, v) => (g.processes.checker.processName = v)), deprecated: true },
  ...procTable('vrrp'),
  ...procTable('checker'),
  ...procTable('bfd'),
  ...rcvBufs('vrrp_netlink_cmd_rcv_bufs'),
  ...rcvBufs('vrrp_netlink_monitor_rcv_bufs'),
  ...rcvBufs('lvs_netlink_cmd_rcv_bufs'),
  ...rcvBufs('lvs_netlink_monitor_rcv_bufs'),
  ...rcvBufs('process_monitor_rcv_bufs'),

  enable_dbus: flag((g) => (g.enableDbus = true)),
  dbus_service_name: str((g, v) => (g.dbusServiceName = v)),
  snmp_socket: str((g, v) => (g.snmpSocket = v)),
  enable_traps: flag((g) => (g.enableTraps = true)),
  enable_snmp_vrrp: flag((g) => (g.enableSnmpVrrp = true)),
  enable_snmp_keepalived: { ...flag<G>((g) => (g.enableSnmpVrrp = true)), deprecated: true },
  enable_snmp_checker: flag((g) => (g.enableSnmpChecker = true)),
  enable_snmp_rfc: flag((g) => {
    g.enableSnmpRfcv2 = true;
    g.enableSnmpRfcv3 = true;
  }),
  enable_snmp_rfcv2: flag((g) => (g.enableSnmpRfcv2 = true)),
  enable_snmp_rfcv3: flag((g) => (g.enableSnmpRfcv3 = true)),

  umask: kw((n, g, ctx) => {
    const w = arg(n, 1);
    if (/^\d+$/.test(w)) {
      g.umask = parseInt(w, w.startsWith('0') ? 8 : 10);
      return;
    }
    let mask = 0;
    for (const part of n.args.join(' ').split(/[\s|]+/).filter(Boolean)) {
      const bit = UMASK_BITS[part];
      if (bit === undefined) {
        ctx.error(n, `Unknown umask bit ${part}`);
        return;
      }
      mask |= bit;
    }
    g.umask = mask;
  }),
  random_seed: kw((n, g, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, U32, n.keyword);
    if (v === undefined) ctx.error(n, `random_seed ${n.args[0]} invalid`);
    else g.randomSeed = v;
  }),
  data_use_instance: gbool((g, v) => (g.dataUseInstance = v)),
  tmp_config_directory: str((g, v) => (g.tmpConfigDirectory = v)),
  config_save_dir: str((g, v) => (g.configSaveDir = v)),
  reload_check_config: kw((n, g) => (g.reloadCheckConfig = n.args[0] !== undefined ? { logFile: n.args[0] } : {})),
  reload_time_file: kw((n, g, ctx) => {
    if (n.args[0] === undefined) ctx.error(n, 'reload_time_file invalid');
    else g.reloadTimeFile = n.args[0];
  }),
  reload_repeat: flag((g) => (g.reloadRepeat = true)),
  reload_file: kw((n, g) => (g.reloadFile = n.args[0] ?? 'keepalived.reload')),
  log_unknown_vrids: flag((g) => (g.logUnknownVrids = true)),
  include_check: kw((n, g, ctx) => {
    const list = n.args.length ? n.args : INCLUDE_CHECKS;
    for (const raw of list) {
      const w = raw.replace(/^[+-]/, '');
      if (!INCLUDE_CHECKS.includes(w)) ctx.error(n, `Unknown include_check type '${raw}' - ignoring`);
      else g.includeCheck.push(raw);
    }
  }),
};

type T = TopLevel;
/** Top-level single-line keywords; the block keywords are added by build.ts. */
export const topLevelTable: KeywordTable<T> = {
  net_namespace: str((t, v) => (t.netNamespace = v)),
  net_namespace_ipvs: str((t, v) => (t.netNamespaceIpvs = v)),
  namespace_with_ipsets: flag((t) => (t.namespaceWithIpsets = true)),
  instance: str((t, v) => (t.instance = v)),
  use_pid_dir: flag((t) => (t.usePidDir = true)),
  linkbeat_use_polling: flag((t) => (t.linkbeatUsePolling = true)),
  child_wait_time: int(0, U32, (t, v) => (t.childWaitTime = v)),
};

export function buildGlobalDefs(node: ConfigNode, g: GlobalDefs, ctx: BuildCtx): void {
  g.file = node.file;
  g.line = node.line;
  runBlock(node.children, globalDefsTable, g, ctx);
}
