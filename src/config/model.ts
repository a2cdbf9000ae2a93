// The typed keepalived.conf model: what the keyword tables (src/config/keywords/) build from the
// generic ConfigNode tree. Consumers (VRRP daemon, checker process, BFD, CLI dump) read only this.
//
// Conventions:
// - every object that came from a config line carries `file`/`line` (SourcePos) so runtime errors
//   can still point at the configuration;
// - durations are SECONDS as numbers (fractions allowed), exactly as written in keepalived.conf,
//   unless the field name says otherwise (…Us = microseconds);
// - defaults are applied by the builder: a field is optional only when keepalived's own default
//   is "not set / derived at runtime" (documented per field).
import type { SourcePos } from './tree.js';

export type { SourcePos };
export type Family = 4 | 6;

/** A command line from the config (notify_*, script, misc_path, …). */
export interface ScriptSpec extends SourcePos {
  /** The command as written (after quote removal), e.g. `/usr/bin/check "a b"`. */
  cmd: string;
  /** The command split into argv the way keepalived splits script lines (quotes group words). */
  argv: string[];
  /** `[user [group]]` given after the command (notify_* keywords) or by `user` (vrrp_script). */
  user?: string;
  group?: string;
  /** Where `user` was given when it has its own line (MISC_CHECK `user`). */
  userPos?: SourcePos;
}

/** `notify_fifo FIFO [user [group]]` plus its optional `*_script`. */
export interface FifoSpec extends SourcePos {
  path: string;
  user?: string;
  group?: string;
  script?: ScriptSpec;
}

// ---------------------------------------------------------------- global

export interface GlobalDefs extends SourcePos {
  routerId?: string; // d: hostname (resolved at runtime)
  notificationEmail: string[];
  notificationEmailFrom?: string; // d: keepalived@<hostname>
  smtpServer?: { host: string; port: number }; // port d: 25
  smtpHeloName?: string; // d: hostname
  smtpConnectTimeout: number; // d: 30 s
  smtpAlert?: boolean; // d: unset = alerts on when an smtp_server is configured
  smtpAlertVrrp?: boolean;
  smtpAlertChecker?: boolean;
  noEmailFaults: boolean;
  noCheckerEmails: boolean;
  checkerLogAllFailures: boolean;

  enableScriptSecurity: boolean;
  scriptUser?: { user: string; group?: string } & SourcePos;
  startupScript?: ScriptSpec;
  startupScriptTimeout: number; // d: 10
  shutdownScript?: ScriptSpec;
  shutdownScriptTimeout: number; // d: 10

  notifyFifo?: FifoSpec;
  vrrpNotifyFifo?: FifoSpec;
  lvsNotifyFifo?: FifoSpec;
  vrrpNotifyPriorityChanges: boolean;
  fifoWriteVrrpStatesOnReload: boolean;
  rsInitNotifies: boolean;

  vrrpVersion: 2 | 3; // d: 2
  vrrpMcastGroup4: string; // d: 224.0.0.18
  vrrpMcastGroup6: string; // d: ff02::12
  defaultInterface?: string; // d: eth0 if it exists
  vrrpGarpMasterDelay: number; // d: 5 s
  vrrpGarpMasterRepeat: number; // d: 5
  vrrpGarpLowerPrioDelay?: number; // d: = master delay
  vrrpGarpLowerPrioRepeat?: number; // d: = master repeat
  vrrpGarpMasterRefresh: number; // d: 0 = off
  vrrpGarpMasterRefreshRepeat: number; // d: 1
  vrrpGarpInterval: number; // d: 0 s between GARPs
  vrrpGnaInterval: number; // d: 0 s between unsolicited NAs
  vrrpMinGarp: boolean;
  vrrpGarpExtraIf?: { all: boolean; interval: number };
  vrrpDownTimerAdverts: number; // d: 3
  vrrpLowerPrioNoAdvert?: boolean; // d: false, true in strict mode
  vrrpHigherPrioSendAdvert?: boolean;
  vrrpCheckUnicastSrc: boolean;
  vrrpSkipCheckAdvAddr: boolean;
  vrrpStrict: boolean;
  vrrpStartupDelay: number; // d: 0
  vrrpIptables?: { inChain: string; outChain?: string };
  nftables?: { table: string }; // d table name: keepalived
  nftablesPriority: number; // d: -1
  nftablesCounters: boolean;
  nftablesIfindex: boolean;
  nftablesIpvs?: { table: string };
  nftablesIpvsPriority?: number;
  nftablesIpvsStartFwmark: number; // d: 1000
  vmacPrefix: string; // d: vrrp
  vmacAddrPrefix: string; // d: vrrp
  dynamicInterfaces: boolean;
  dynamicInterfacesAllowIfChanges: boolean;
  disableLocalIgmp: boolean;
  logUnknownVrids: boolean;
  vrrpRxBufsPolicy?: string;
  vrrpRxBufsMultiplier: number; // d: 3
  lvsSyncDaemon?: { interface: string; instance?: string; options: string[] } & SourcePos;
  lvsTimeouts: { tcp?: number; tcpfin?: number; udp?: number };
  lvsFlush: boolean;
  lvsFlushOnStop?: string; // 'VS' | 'true'
  maxAutoPriority: number; // d: 0 (off); -1 = 99
  minAutoPriorityDelayUs: number; // d: 1_000_000

  /** Process tuning, per child: vrrp / checker / bfd. */
  processes: Record<'vrrp' | 'checker' | 'bfd', ProcessTuning>;
  processNames: boolean;

  enableDbus: boolean;
  dbusServiceName?: string;
  snmpSocket?: string;
  enableTraps: boolean;
  enableSnmpVrrp: boolean;
  enableSnmpChecker: boolean;
  enableSnmpRfcv2: boolean;
  enableSnmpRfcv3: boolean;

  umask?: number;
  randomSeed?: number;
  dataUseInstance: boolean;
  tmpConfigDirectory?: string;
  configSaveDir?: string;
  reloadCheckConfig?: { logFile?: string };
  reloadTimeFile?: string;
  reloadRepeat: boolean;
  reloadFile?: string;
  includeCheck: string[];
  /** Netlink/proc-connector socket buffer sizes, keyword → {size, force}. */
  rcvBufs: Record<string, { size: number; force: boolean }>;
}

export interface ProcessTuning {
  processName?: string;
  priority?: number; // nice -20..19
  rtPriority?: number; // SCHED_RR 1..99
  noSwap: boolean;
  cpuAffinity: number[];
  rlimitRttimeUs?: number; // d: 10000 when realtime
}

/** Keywords allowed outside any block. */
export interface TopLevel {
  netNamespace?: string;
  netNamespaceIpvs?: string;
  namespaceWithIpsets: boolean;
  instance?: string;
  usePidDir: boolean;
  linkbeatUsePolling: boolean;
  childWaitTime: number; // d: 5
}

// ---------------------------------------------------------------- addresses, routes, rules

export interface IpAddressConfig extends SourcePos {
  addr: string; // canonical textual address
  prefix: number; // d: 32 / 128
  family: Family;
  dev?: string; // d: the instance interface (VIPs) / default_interface (static)
  brd?: string; // explicit broadcast, '+'/'-' as in ip(8)
  scope?: string; // d: global
  label?: string;
  peer?: string;
  peerPrefix?: number;
  flags: string[]; // home, nodad, mngtmpaddr, noprefixroute, autojoin
  noTrack: boolean;
  preferredLft?: number | 'forever';
  useVmac?: string | true;
  trackGroup?: string;
}

export interface RouteConfig extends SourcePos {
  family: Family;
  type?: string; // unicast (d) | blackhole | unreachable | prohibit | throw | local | …
  dst: string; // prefix or 'default'
  src?: string;
  via?: string;
  viaFamily?: Family;
  dev?: string;
  table?: string;
  metric?: number;
  scope?: string;
  protocol?: string;
  /** Remaining `ip route` attributes (mtu, advmss, onlink, nexthop …) in written order. */
  options: string[];
  noTrack: boolean;
  trackGroup?: string;
}

export interface RuleConfig extends SourcePos {
  family: Family;
  from?: string;
  to?: string;
  table?: string;
  priority?: number;
  iif?: string;
  oif?: string;
  fwmark?: string;
  tos?: string;
  action?: string; // goto N / blackhole / unreachable / prohibit / nop
  options: string[];
  noTrack: boolean;
  trackGroup?: string;
}

// ---------------------------------------------------------------- trackers

export interface WeightSpec {
  weight: number;
  reverse: boolean;
}

export interface TrackRef extends SourcePos {
  name: string;
  /** undefined = use the tracked object's own weight (scripts, files, processes, BFD). */
  weight?: number;
  reverse?: boolean;
}

export interface VrrpScriptConfig extends SourcePos {
  name: string;
  script?: ScriptSpec;
  interval: number; // d: 1 s
  timeout?: number; // d: = interval
  weight: number; // d: 0 (failure = FAULT)
  weightReverse: boolean;
  rise: number; // d: 1
  fall: number; // d: 1
  initFail: boolean;
}

export interface TrackProcessConfig extends SourcePos {
  name: string;
  process?: string;
  args?: string[];
  paramMatch?: 'initial' | 'partial';
  weight: number; // d: 0
  weightReverse: boolean;
  quorum: number; // d: 1
  quorumMax?: number;
  forkDelay?: number;
  terminateDelay?: number;
  fullCommand: boolean;
}

export interface TrackFileConfig extends SourcePos {
  name: string;
  path?: string; // the watched file
  weight: number; // d: 1
  weightReverse: boolean;
  initFile?: { value: number; overwrite: boolean };
}

export interface GarpGroupConfig extends SourcePos {
  garpInterval?: number;
  gnaInterval?: number;
  interfaces: string[];
}

export interface TrackGroupConfig extends SourcePos {
  name: string;
  instances: string[];
}

// ---------------------------------------------------------------- VRRP

export interface UnicastPeer extends SourcePos {
  addr: string;
  family: Family;
  minTtl?: number;
  maxTtl?: number;
}

export interface NotifyScripts {
  master?: ScriptSpec;
  backup?: ScriptSpec;
  fault?: ScriptSpec;
  stop?: ScriptSpec;
  deleted?: ScriptSpec | true;
  notify?: ScriptSpec;
  masterRxLowerPri?: ScriptSpec;
}

export interface VrrpInstanceConfig extends SourcePos {
  name: string;
  state: 'MASTER' | 'BACKUP'; // d: BACKUP
  interface?: string;
  vrid: number; // 0 = not set (a config error unless fixed)
  priority: number; // d: 100
  advertInt: number; // seconds, d: 1
  version: 2 | 3; // d: global vrrp_version; IPv6 forces 3
  family: Family; // from the first VIP (d: 4)
  vips: IpAddressConfig[];
  excludedVips: IpAddressConfig[];
  routes: RouteConfig[];
  rules: RuleConfig[];
  noVirtualIpaddress: boolean;
  promoteSecondaries: boolean;
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  trackProcesses: TrackRef[];
  trackBfds: TrackRef[];
  dontTrackPrimary: boolean;
  unicastSrcIp?: string;
  unicastPeers: UnicastPeer[];
  unicastTtl: number; // d: 255
  unicastFaultNoPeer: boolean;
  checkUnicastSrc: boolean;
  mcastSrcIp?: string;
  mcastDstIp?: string;
  trackSrcIp: boolean;
  authentication?: { type: 'PASS' | 'AH'; pass?: string } & SourcePos;
  nopreempt: boolean;
  preemptDelay: number; // d: 0
  accept?: boolean; // d: true unless strict (then owner only)
  strictMode?: boolean; // d: global vrrp_strict
  skipCheckAdvAddr?: boolean;
  v3ChecksumAsV2?: boolean;
  oldUnicastChecksum?: 'always' | 'never';
  lowerPrioNoAdvert?: boolean;
  higherPrioSendAdvert?: boolean;
  downTimerAdverts: number; // d: global (3)
  timerExpiredBackup?: number | true;
  garpMasterDelay: number; // d: global
  garpMasterRepeat: number;
  garpMasterRefresh: number;
  garpMasterRefreshRepeat: number;
  garpLowerPrioDelay?: number;
  garpLowerPrioRepeat?: number;
  garpExtraIf?: { all: boolean; interval: number };
  useVmac?: { name?: string; mac?: string; options: string[] } & SourcePos;
  vmacXmitBase: boolean;
  useIpvlan?: { name?: string; options: string[] } & SourcePos;
  vrf?: string;
  kernelRxBufSize?: number;
  notify: NotifyScripts;
  notifyPriorityChanges?: boolean;
  smtpAlert?: boolean;
  debug?: number;
  /** Name of the sync group this instance belongs to (filled by the builder). */
  syncGroup?: string;
}

export interface VrrpSyncGroupConfig extends SourcePos {
  name: string;
  members: string[];
  membersPos?: SourcePos;
  trackInterfaces: TrackRef[];
  trackScripts: TrackRef[];
  trackFiles: TrackRef[];
  trackProcesses: TrackRef[];
  trackBfds: TrackRef[];
  notify: NotifyScripts;
  smtpAlert?: boolean;
  notifyPriorityChanges?: boolean;
  syncGroupTrackingWeight: boolean;
}

// ---------------------------------------------------------------- BFD

export interface BfdInstanceConfig extends SourcePos {
  name: string;
  neighborIp?: string;
  sourceIp?: string;
  minRxMs: number; // d: 10
  minTxMs: number; // d: 10
  idleTxMs: number; // d: 1000
  multiplier: number; // d: 5
  passive: boolean;
  ttl?: number;
  maxHops?: number;
  weight: number;
  weightReverse: boolean;
  vrrpOnly: boolean;
  checkerOnly: boolean;
}

// ---------------------------------------------------------------- LVS

export interface CheckerCommon extends SourcePos {
  connectIp?: string;
  connectPort?: number;
  bindto?: string;
  bindIf?: string;
  bindPort?: number;
  fwmark?: number;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  delayLoop?: number;
  alpha?: boolean;
  logAllFailures?: boolean;
}

export interface HttpUrlConfig extends SourcePos {
  path?: string;
  digest?: string;
  statusCodes?: Array<[number, number]>; // inclusive ranges; unset = 200-299
  virtualhost?: string;
  regex?: string;
  regexNoMatch: boolean;
  regexOptions: string[];
}

export type CheckerConfig =
  | (CheckerCommon & { kind: 'TCP_CHECK' })
  | (CheckerCommon & { kind: 'PING_CHECK' })
  | (CheckerCommon & {
      kind: 'HTTP_GET' | 'SSL_GET';
      urls: HttpUrlConfig[];
      httpProtocol?: '1.0' | '1.0C' | '1.1';
      virtualhost?: string;
      fastRecovery: boolean;
      enableSni: boolean;
      sniName?: string;
      tlsCompliant: boolean;
    })
  | (CheckerCommon & { kind: 'SMTP_CHECK'; heloName?: string })
  | (CheckerCommon & { kind: 'DNS_CHECK'; type: 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA'; name: string })
  | (CheckerCommon & {
      kind: 'UDP_CHECK';
      payload?: string;
      requireReply?: string | true;
      minReplyLength: number;
      maxReplyLength: number;
    })
  | (CheckerCommon & { kind: 'MISC_CHECK'; miscPath?: ScriptSpec; miscTimeout?: number; miscDynamic: boolean; user?: string; group?: string })
  | (CheckerCommon & { kind: 'FILE_CHECK'; trackFile?: string; weight?: number; reverse?: boolean })
  | (CheckerCommon & { kind: 'BFD_CHECK'; name?: string });

export type CheckerKind = CheckerConfig['kind'];

export interface RealServerConfig extends SourcePos {
  addr: string;
  port: number; // 0 when not given
  family: Family;
  weight: number; // d: 1
  lvsMethod?: string;
  inhibitOnFailure?: boolean;
  notifyUp?: ScriptSpec;
  notifyDown?: ScriptSpec;
  uthreshold?: number;
  lthreshold?: number;
  alpha?: boolean;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  connectTimeout?: number;
  delayLoop?: number;
  smtpAlert?: boolean;
  virtualhost?: string;
  checkers: CheckerConfig[];
}

export interface VirtualServerConfig extends SourcePos {
  kind: 'ip' | 'fwmark' | 'group';
  addr?: string;
  port?: number;
  fwmark?: number;
  group?: string;
  family?: Family; // from addr, or ip_family
  protocol: 'TCP' | 'UDP' | 'SCTP'; // d: TCP
  lvsSched: string; // d: wlc
  lvsMethod: 'NAT' | 'DR' | 'TUN'; // d: NAT
  lvsMethodOptions: string[];
  persistenceTimeout?: number;
  persistenceGranularity?: string;
  persistenceEngine?: string;
  schedFlags: string[]; // ops, flag-1.., sh-port, sh-fallback, mh-port, mh-fallback
  delayLoop: number; // d: 60
  connectTimeout?: number; // d: 5 at checker level
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  alpha: boolean;
  omega: boolean;
  haSuspend: boolean;
  inhibitOnFailure: boolean;
  quorum: number; // d: 1
  hysteresis: number; // d: 0
  quorumUp?: ScriptSpec;
  quorumDown?: ScriptSpec;
  sorryServer?: { addr: string; port: number } & SourcePos;
  sorryServerInhibit: boolean;
  sorryServerLvsMethod?: string;
  virtualhost?: string;
  smtpAlert?: boolean;
  snmpName?: string;
  realServers: RealServerConfig[];
}

export interface VsGroupEntry extends SourcePos {
  kind: 'ip' | 'range' | 'fwmark';
  addr?: string;
  /** Last address of a range (`a.b.c.d-e` → the `e` expanded to a full address). */
  rangeEnd?: string;
  prefix?: number;
  port?: number;
  fwmark?: number;
  family: Family;
}

export interface VirtualServerGroupConfig extends SourcePos {
  name: string;
  entries: VsGroupEntry[];
}

export interface SslConfig extends SourcePos {
  password?: string;
  ca?: string;
  certificate?: string;
  key?: string;
}

// ---------------------------------------------------------------- the whole file

export interface KeepalivedConfig {
  /** Every file that was read (the main file first, then includes). */
  files: string[];
  top: TopLevel;
  global: GlobalDefs;
  vrrpScripts: Map<string, VrrpScriptConfig>;
  trackProcesses: Map<string, TrackProcessConfig>;
  trackFiles: Map<string, TrackFileConfig>;
  vrrpSyncGroups: VrrpSyncGroupConfig[];
  vrrpInstances: VrrpInstanceConfig[];
  staticIpaddresses: IpAddressConfig[];
  staticRoutes: RouteConfig[];
  staticRules: RuleConfig[];
  garpGroups: GarpGroupConfig[];
  linkbeatInterfaces: Array<{ name: string; method?: string } & SourcePos>;
  interfaceUpDownDelays: Array<{ name: string; downDelay: number; upDelay: number } & SourcePos>;
  trackGroups: Map<string, TrackGroupConfig>;
  bfdInstances: Map<string, BfdInstanceConfig>;
  ssl?: SslConfig;
  virtualServerGroups: Map<string, VirtualServerGroupConfig>;
  virtualServers: VirtualServerConfig[];
}
