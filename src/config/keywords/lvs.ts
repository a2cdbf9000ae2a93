// Tables for the checker side: virtual_server_group, virtual_server, real_server, every checker
// block (TCP_CHECK, HTTP_GET/SSL_GET + url, SMTP_CHECK, DNS_CHECK, UDP_CHECK, PING_CHECK,
// MISC_CHECK, FILE_CHECK, BFD_CHECK) and the root SSL block. Keyword sets are keepalived 2.2.7's.
import type { ConfigNode, SourcePos } from '../tree.js';
import type {
  CheckerCommon, CheckerConfig, Family, HttpUrlConfig, RealServerConfig, SslConfig, VirtualServerConfig, VirtualServerGroupConfig, VsGroupEntry,
} from '../model.js';
import { endPos, kw, runBlock, type BuildCtx, type KeywordSpec, type KeywordTable } from './table.js';
import { flag, str } from './common.js';
import { arg, familyOf, readBool, readFloat, readInt, readScript } from './values.js';

const U32 = 4294967295;
const TIMER_MAX = 18446744073709.551614;

const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'sh', 'mh', 'dh', 'fo', 'ovf', 'lblcr', 'sed', 'nq', 'twos'];

/** Fields shared by virtual_server, real_server and checkers (timing inheritance). */
interface Timing {
  delayLoop?: number;
  connectTimeout?: number;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  alpha?: boolean;
  inhibitOnFailure?: boolean;
  smtpAlert?: boolean;
  virtualhost?: string;
}

function timer<T>(what: string, min: number, set: (t: T, v: number) => void): KeywordSpec<T> {
  return kw((n, t, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), min, TIMER_MAX);
    if (v === undefined) ctx.error(n, `${what} '${n.args[0]}' invalid - ignoring`);
    else set(t, v);
  });
}

function timingTable<T extends Timing>(what: string): KeywordTable<T> {
  return {
    delay_loop: timer<T>(`${what} delay loop`, 0.000001, (t, v) => (t.delayLoop = v)),
    connect_timeout: timer<T>(`${what} connect_timeout`, 0.000001, (t, v) => (t.connectTimeout = v)),
    retry: kw<T>((n, t, ctx) => {
      const v = readInt(ctx, n, arg(n, 1), 0, U32, 'retry');
      if (v !== undefined) t.retry = v;
    }),
    delay_before_retry: timer<T>(`${what} delay_before_retry`, 0, (t, v) => (t.delayBeforeRetry = v)),
    warmup: timer<T>(`${what} warmup`, 0, (t, v) => (t.warmup = v)),
    alpha: kw<T>((n, t, ctx) => (t.alpha = readBool(ctx, n))),
  };
}

// ---------------------------------------------------------------- checkers

type C = CheckerConfig;

const connectionTable: KeywordTable<C> = {
  connect_ip: kw((n, c, ctx) => {
    const v = arg(n, 1);
    if (!familyOf(v)) ctx.error(n, `Invalid checker connect_ip '${v}'`);
    else c.connectIp = v;
  }),
  connect_port: kw((n, c, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, 65535);
    if (v === undefined) ctx.error(n, `Invalid checker connect_port '${n.args[0]}'`);
    else c.connectPort = v;
  }),
  bindto: kw((n, c, ctx) => {
    const v = arg(n, 1);
    if (!familyOf(v)) ctx.error(n, `Invalid checker bindto '${v}'`);
    else c.bindto = v;
  }),
  bind_if: str((c, v) => (c.bindIf = v)),
  bind_port: kw((n, c, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, 65535);
    if (v === undefined) ctx.error(n, `Invalid checker bind_port '${n.args[0]}'`);
    else c.bindPort = v;
  }),
  fwmark: kw((n, c, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, U32, 'fwmark');
    if (v !== undefined) c.fwmark = v;
  }),
};

const checkerTimingTable: KeywordTable<C> = {
  ...(timingTable<CheckerCommon>('checker') as KeywordTable<C>),
  log_all_failures: kw((n, c, ctx) => (c.logAllFailures = readBool(ctx, n))),
};

const networkCheckerTable: KeywordTable<C> = { ...connectionTable, ...checkerTimingTable };

type Http = Extract<C, { kind: 'HTTP_GET' | 'SSL_GET' }>;

function parseStatusCodes(n: ConfigNode, ctx: BuildCtx): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const w of n.args) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(w);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo < 100 || hi > 599 || lo > hi) ctx.error(n, `Invalid HTTP_GET status code '${w}'`);
    else out.push([lo, hi]);
  }
  return out;
}

export const urlTable: KeywordTable<HttpUrlConfig> = {
  path: kw((n, u) => (u.path = arg(n, 1))),
  digest: kw((n, u, ctx) => {
    const v = arg(n, 1);
    if (v.length !== 32) ctx.error(n, `digest '${v}' character length should be 32 rather than ${v.length}`);
    else if (!/^[0-9a-f]+$/i.test(v)) ctx.error(n, `digest '${v}' is not a hex MD5 digest`);
    else u.digest = v.toLowerCase();
  }),
  status_code: kw((n, u, ctx) => {
    const codes = parseStatusCodes(n, ctx);
    u.statusCodes = [...(u.statusCodes ?? []), ...codes];
  }),
  virtualhost: kw((n, u) => (u.virtualhost = arg(n, 1))),
  regex: kw((n, u) => (u.regex = arg(n, 1))),
  regex_no_match: flag((u) => (u.regexNoMatch = true)),
  regex_options: kw((n, u) => u.regexOptions.push(...n.args)),
  regex_stack: kw((n, _u, ctx) => void readInt(ctx, n, arg(n, 1), 1, U32, 'regex_stack')),
  regex_min_offset: kw((n, _u, ctx) => void readInt(ctx, n, arg(n, 1), 0, U32, 'regex_min_offset')),
  regex_max_offset: kw((n, _u, ctx) => void readInt(ctx, n, arg(n, 1), 0, U32, 'regex_max_offset')),
};

const httpTable: KeywordTable<C> = {
  ...networkCheckerTable,
  url: kw(
    (n, c, ctx) => {
      const u: HttpUrlConfig = { file: n.file, line: n.line, regexNoMatch: false, regexOptions: [] };
      runBlock(n.children, urlTable, u, ctx);
      if (u.path === undefined) {
        ctx.error(endPos(n), 'HTTP/SSL_GET checker url has no path - ignoring');
        return;
      }
      (c as Http).urls.push(u);
    },
    { block: true },
  ),
  http_protocol: kw((n, c, ctx) => {
    const v = arg(n, 1);
    if (v === '1.0' || v === '1.1' || v === '1.0C' || v === '1.0c') (c as Http).httpProtocol = v === '1.0c' ? '1.0C' : v;
    else ctx.error(n, `Invalid http_protocol version ${v}`);
  }),
  virtualhost: kw((n, c) => ((c as Http).virtualhost = arg(n, 1))),
  fast_recovery: kw((n, c, ctx) => ((c as Http).fastRecovery = readBool(ctx, n))),
  enable_sni: kw((n, c, ctx) => ((c as Http).enableSni = readBool(ctx, n))),
  nb_get_retry: {
    handler: (n, c, ctx) => {
      const v = readInt(ctx, n, arg(n, 1), 0, U32, 'nb_get_retry');
      if (v !== undefined) c.retry = v;
    },
    deprecated: true,
  },
};

const smtpTable: KeywordTable<C> = {
  ...networkCheckerTable,
  helo_name: kw((n, c) => ((c as Extract<C, { kind: 'SMTP_CHECK' }>).heloName = arg(n, 1))),
  // `host { … }` is a compile-time option (disabled in Debian's build): the block is accepted
  // and its connection keywords apply to the checker, as 2.2.7 does without WITH_HOST_BLOCK.
  host: kw((n, c, ctx) => runBlock(n.children, networkCheckerTable, c, ctx), { block: true, deprecated: true }),
};

const DNS_TYPES = ['A', 'NS', 'CNAME', 'SOA', 'MX', 'TXT', 'AAAA'] as const;
const dnsTable: KeywordTable<C> = {
  ...networkCheckerTable,
  type: kw((n, c, ctx) => {
    const v = arg(n, 1).toUpperCase();
    const t = DNS_TYPES.find((x) => x === v);
    if (!t) ctx.error(n, `Unknown DNS check type ${n.args[0]} - ignoring`);
    else (c as Extract<C, { kind: 'DNS_CHECK' }>).type = t;
  }),
  name: kw((n, c) => ((c as Extract<C, { kind: 'DNS_CHECK' }>).name = arg(n, 1))),
};

type Udp = Extract<C, { kind: 'UDP_CHECK' }>;
const udpTable: KeywordTable<C> = {
  ...networkCheckerTable,
  payload: kw((n, c, ctx) => {
    const v = n.args.join('');
    if (!/^[0-9a-f\s]+$/i.test(v)) ctx.error(n, 'Invalid hex string for UDP_CHECK payload');
    else (c as Udp).payload = v;
  }),
  require_reply: kw((n, c, ctx) => {
    if (n.args.length === 0) {
      (c as Udp).requireReply = true;
      return;
    }
    const v = n.args.join('');
    if (!/^([0-9a-fx]{2}[\s:,.-]?)+$/i.test(v)) ctx.error(n, 'Invalid hex string for UDP_CHECK require_reply');
    else (c as Udp).requireReply = v;
  }),
  min_reply_length: kw((n, c, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, 65535, 'min_reply_length');
    if (v !== undefined) (c as Udp).minReplyLength = v;
  }),
  max_reply_length: kw((n, c, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, 65535, 'max_reply_length');
    if (v !== undefined) (c as Udp).maxReplyLength = v;
  }),
};

type Misc = Extract<C, { kind: 'MISC_CHECK' }>;
/** Line of a MISC_CHECK's `user` keyword (its errors are reported there). */
export const miscUserPos = new WeakMap<object, SourcePos>();
// MISC_CHECK has the timing keywords except connect_timeout (its limit is misc_timeout).
const { connect_timeout: _noConnectTimeout, ...miscTimingTable } = checkerTimingTable;
const miscTable: KeywordTable<C> = {
  ...miscTimingTable,
  misc_path: kw((n, c) => ((c as Misc).miscPath = readScript(n, 1, false))),
  misc_timeout: kw((n, c, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), 0.000001, TIMER_MAX, 'misc_timeout');
    if (v !== undefined) (c as Misc).miscTimeout = v;
  }),
  misc_dynamic: flag((c) => ((c as Misc).miscDynamic = true)),
  user: kw((n, c) => {
    miscUserPos.set(c, { file: n.file, line: n.line });
    (c as Misc).user = arg(n, 1);
    if (n.args[1] !== undefined) (c as Misc).group = n.args[1];
  }),
};

type FileC = Extract<C, { kind: 'FILE_CHECK' }>;
const fileTable: KeywordTable<C> = {
  track_file: kw((n, c) => ((c as FileC).trackFile = arg(n, 1))),
  weight: kw((n, c, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), -2147483648, 2147483647, 'weight');
    if (v === undefined) return;
    (c as FileC).weight = v;
    if (n.args[1] === 'reverse') (c as FileC).reverse = true;
    else if (n.args[1] !== undefined) ctx.error(n, `unknown track file weight option ${n.args[1]} - ignoring`);
  }),
};

const bfdCheckTable: KeywordTable<C> = {
  name: kw((n, c) => ((c as Extract<C, { kind: 'BFD_CHECK' }>).name = arg(n, 1))),
  alpha: kw((n, c, ctx) => (c.alpha = readBool(ctx, n))),
};

function newChecker(kind: C['kind'], n: ConfigNode): C {
  const base = { file: n.file, line: n.line };
  switch (kind) {
    case 'HTTP_GET':
    case 'SSL_GET':
      return { ...base, kind, urls: [], fastRecovery: false, enableSni: false, tlsCompliant: false };
    case 'DNS_CHECK':
      return { ...base, kind, type: 'SOA', name: '.' };
    case 'UDP_CHECK':
      return { ...base, kind, minReplyLength: 0, maxReplyLength: 255 };
    case 'MISC_CHECK':
      return { ...base, kind, miscDynamic: false };
    case 'SMTP_CHECK':
    case 'TCP_CHECK':
    case 'PING_CHECK':
    case 'FILE_CHECK':
    case 'BFD_CHECK':
      return { ...base, kind } as C;
  }
}

export const CHECKER_TABLES: Record<C['kind'], KeywordTable<C>> = {
  TCP_CHECK: networkCheckerTable,
  PING_CHECK: networkCheckerTable,
  HTTP_GET: httpTable,
  SSL_GET: httpTable,
  SMTP_CHECK: smtpTable,
  DNS_CHECK: dnsTable,
  UDP_CHECK: udpTable,
  MISC_CHECK: miscTable,
  FILE_CHECK: fileTable,
  BFD_CHECK: bfdCheckTable,
};

/** Per-checker completeness rules keepalived applies when the checker block closes. */
function finishChecker(c: C, n: SourcePos, ctx: BuildCtx): boolean {
  switch (c.kind) {
    case 'HTTP_GET':
    case 'SSL_GET':
      if (c.urls.length === 0) {
        ctx.error(n, 'HTTP/SSL_GET checker has no urls specified - ignoring');
        return false;
      }
      return true;
    case 'MISC_CHECK':
      if (!c.miscPath) {
        ctx.error(n, 'No script path has been specified for MISC_CHECKER - skipping');
        return false;
      }
      return true;
    case 'FILE_CHECK':
      if (!c.trackFile) {
        ctx.error(n, 'FILE_CHECK has no track_file specified - ignoring');
        return false;
      }
      return true;
    default:
      return true;
  }
}

// ---------------------------------------------------------------- real_server

type R = RealServerConfig;

function checkerBlock(kind: C['kind']): KeywordSpec<R> {
  return kw(
    (n, rs, ctx) => {
      const c = newChecker(kind, n);
      runBlock(n.children, CHECKER_TABLES[kind], c, ctx);
      if (finishChecker(c, endPos(n), ctx)) rs.checkers.push(c);
    },
    { block: true },
  );
}

export const realServerTable: KeywordTable<R> = {
  ...timingTable<R>('real server'),
  weight: kw((n, rs, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, 2147483647, 'weight');
    if (v === undefined) ctx.error(n, `Real server weight ${n.args[0]} is outside range 0-2147483647`);
    else rs.weight = v;
  }),
  lvs_method: kw((n, rs, ctx) => {
    const v = arg(n, 1).toUpperCase();
    if (v !== 'NAT' && v !== 'DR' && v !== 'TUN') ctx.error(n, `PARSER : unknown [${n.args[0]}] routing method for real server.`);
    else rs.lvsMethod = v;
  }),
  inhibit_on_failure: kw((n, rs, ctx) => (rs.inhibitOnFailure = readBool(ctx, n))),
  notify_up: kw((n, rs) => (rs.notifyUp = readScript(n, 1, true))),
  notify_down: kw((n, rs) => (rs.notifyDown = readScript(n, 1, true))),
  uthreshold: kw((n, rs, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, U32, 'uthreshold');
    if (v !== undefined) rs.uthreshold = v;
  }),
  lthreshold: kw((n, rs, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, U32, 'lthreshold');
    if (v !== undefined) rs.lthreshold = v;
  }),
  smtp_alert: kw((n, rs, ctx) => (rs.smtpAlert = readBool(ctx, n))),
  virtualhost: kw((n, rs) => (rs.virtualhost = arg(n, 1))),
  snmp_name: kw(() => undefined),
  HTTP_GET: checkerBlock('HTTP_GET'),
  SSL_GET: checkerBlock('SSL_GET'),
  TCP_CHECK: checkerBlock('TCP_CHECK'),
  SMTP_CHECK: checkerBlock('SMTP_CHECK'),
  DNS_CHECK: checkerBlock('DNS_CHECK'),
  UDP_CHECK: checkerBlock('UDP_CHECK'),
  PING_CHECK: checkerBlock('PING_CHECK'),
  MISC_CHECK: checkerBlock('MISC_CHECK'),
  FILE_CHECK: checkerBlock('FILE_CHECK'),
  BFD_CHECK: checkerBlock('BFD_CHECK'),
};

/** `IP [PORT]` of a real/sorry server; undefined (reported) when invalid. */
function parseEndpoint(ctx: BuildCtx, n: ConfigNode, words: string[], what: string): { addr: string; port: number; family: Family } | undefined {
  const addr = words[0];
  const family = addr === undefined ? undefined : familyOf(addr);
  let port = 0;
  if (words[1] !== undefined) {
    const p = readInt(ctx, n, words[1], 0, 65535);
    if (p === undefined) {
      ctx.error(n, `Invalid ${what} IP address/port ${addr}/${words[1]} - skipping`);
      return undefined;
    }
    port = p;
  }
  if (!family || addr === undefined) {
    ctx.error(n, `Invalid ${what} IP address/port ${addr ?? ''}/${words[1] ?? ''} - skipping`);
    return undefined;
  }
  return { addr, port, family };
}

// ---------------------------------------------------------------- virtual_server

type V = VirtualServerConfig & { explicit: Set<string> };

function lvsMethod(n: ConfigNode, v: V, ctx: BuildCtx): void {
  const m = arg(n, 1).toUpperCase();
  if (m !== 'NAT' && m !== 'DR' && m !== 'TUN') {
    ctx.error(n, `PARSER : unknown [${n.args[0]}] routing method for virtual server.`);
    return;
  }
  v.lvsMethod = m;
  v.lvsMethodOptions = n.args.slice(1);
  v.explicit.add('lvs_method');
  // Words after the method are tunnel options: type ipip|gue|gre, port N, nocsum|csum|remcsum.
  const opts = n.args.slice(1);
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    if (o === 'type' && ['ipip', 'gue', 'gre'].includes(opts[i + 1] ?? '')) i++;
    else if (o === 'port' && /^\d+$/.test(opts[i + 1] ?? '') && Number(opts[i + 1]) <= 65535) i++;
    else if (!['nocsum', 'csum', 'remcsum'].includes(o)) ctx.error(n, `Invalid tunnel option ${o} for virtual server.`);
  }
}

function lvsSched(n: ConfigNode, v: V, ctx: BuildCtx): void {
  const s = arg(n, 1);
  if (!SCHEDULERS.includes(s)) {
    ctx.error(n, `Invalid lvs_scheduler '${s}' - ignoring`);
    return;
  }
  v.lvsSched = s;
  v.explicit.add('lvs_sched');
}

const schedFlag = (name: string) => flag<V>((v) => void v.schedFlags.push(name));

export const virtualServerTable: KeywordTable<V> = {
  ...timingTable<V>('virtual server'),
  // At virtual_server level keepalived 2.2.7 treats these as plain flags (any word after is ignored).
  alpha: flag((v) => (v.alpha = true)),
  lvs_sched: kw(lvsSched),
  lb_algo: { handler: lvsSched, deprecated: true },
  lvs_method: kw(lvsMethod),
  lb_kind: { handler: lvsMethod, deprecated: true },
  protocol: kw((n, v, ctx) => {
    const p = arg(n, 1).toUpperCase();
    if (p !== 'TCP' && p !== 'UDP' && p !== 'SCTP') {
      ctx.error(n, `Unknown protocol ${n.args[0]} - ignoring`);
      return;
    }
    v.protocol = p;
    v.explicit.add('protocol');
    if (v.kind === 'fwmark') ctx.error(n, `Warning: Virtual server FWM ${v.fwmark}: protocol specified for fwmark - protocol will be ignored`);
  }),
  persistence_timeout: kw((n, v, ctx) => {
    if (n.args[0] === undefined) {
      v.persistenceTimeout = 360;
      return;
    }
    const t = readInt(ctx, n, n.args[0], 1, U32, 'persistence_timeout');
    if (t !== undefined) v.persistenceTimeout = t;
  }),
  persistence_granularity: kw((n, v) => (v.persistenceGranularity = arg(n, 1))),
  persistence_engine: kw((n, v) => (v.persistenceEngine = arg(n, 1))),
  ops: schedFlag('ops'),
  'flag-1': schedFlag('flag-1'),
  'flag-2': schedFlag('flag-2'),
  'flag-3': schedFlag('flag-3'),
  'sh-port': schedFlag('sh-port'),
  'sh-fallback': schedFlag('sh-fallback'),
  'mh-port': schedFlag('mh-port'),
  'mh-fallback': schedFlag('mh-fallback'),
  hashed: flag(() => undefined),
  ha_suspend: flag((v) => (v.haSuspend = true)),
  virtualhost: kw((n, v) => (v.virtualhost = arg(n, 1))),
  smtp_alert: kw((n, v, ctx) => (v.smtpAlert = readBool(ctx, n))),
  snmp_name: kw((n, v) => (v.snmpName = arg(n, 1))),
  weight: kw((n, _v, ctx) => void readInt(ctx, n, arg(n, 1), 0, 2147483647, 'weight')),
  omega: flag((v) => (v.omega = true)),
  inhibit_on_failure: flag((v) => (v.inhibitOnFailure = true)),
  quorum: kw((n, v, ctx) => {
    const q = readInt(ctx, n, arg(n, 1), 1, U32);
    if (q === undefined) {
      ctx.error(n, `Quorum ${n.args[0]} must be in [1, ${U32}]. Setting to 1.`);
      v.quorum = 1;
    } else v.quorum = q;
  }),
  hysteresis: kw((n, v, ctx) => {
    const h = readInt(ctx, n, arg(n, 1), 0, U32);
    if (h === undefined) ctx.error(n, `Hysteresis ${n.args[0]} must be in [0, ${U32}] - ignoring`);
    else v.hysteresis = h;
  }),
  quorum_up: kw((n, v) => (v.quorumUp = readScript(n, 1, true))),
  quorum_down: kw((n, v) => (v.quorumDown = readScript(n, 1, true))),
  ip_family: kw((n, v, ctx) => {
    const f = arg(n, 1);
    const fam = f === 'inet' ? 4 : f === 'inet6' ? 6 : undefined;
    if (fam === undefined) ctx.error(n, `unknown ip_family ${f}`);
    else if (v.kind === 'ip' && v.family !== undefined && v.family !== fam) ctx.error(n, `Virtual server specified family ${f} conflicts with server family`);
    else v.family = fam;
  }),
  sorry_server: kw((n, v, ctx) => {
    const ep = parseEndpoint(ctx, n, n.args, 'sorry server');
    if (ep) v.sorryServer = { file: n.file, line: n.line, addr: ep.addr, port: ep.port };
  }),
  sorry_server_inhibit: flag((v) => (v.sorryServerInhibit = true)),
  sorry_server_lvs_method: kw((n, v, ctx) => {
    const m = arg(n, 1).toUpperCase();
    if (m !== 'NAT' && m !== 'DR' && m !== 'TUN') ctx.error(n, `PARSER : unknown [${n.args[0]}] routing method for sorry server.`);
    else v.sorryServerLvsMethod = m;
  }),
  real_server: kw(
    (n, v, ctx) => {
      const ep = parseEndpoint(ctx, n, n.args, 'real server');
      if (!ep) return;
      const rs: R = { file: n.file, line: n.line, addr: ep.addr, port: ep.port, family: ep.family, weight: 1, checkers: [] };
      runBlock(n.children, realServerTable, rs, ctx);
      if (v.family !== undefined && v.kind === 'ip' && v.family !== ep.family) {
        ctx.error(endPos(n), `Address family of virtual server and real server ${ep.addr} don't match - skipping real server.`);
        return;
      }
      v.realServers.push(rs);
    },
    { block: true },
  ),
};

/** `virtual_server IP [PORT] | fwmark N | group NAME { … }`. Undefined if the header is invalid. */
export function buildVirtualServer(node: ConfigNode, ctx: BuildCtx): VirtualServerConfig | undefined {
  const base = {
    file: node.file,
    line: node.line,
    protocol: 'TCP' as const,
    lvsSched: 'wlc',
    lvsMethod: 'NAT' as const,
    lvsMethodOptions: [],
    schedFlags: [],
    delayLoop: 60,
    alpha: false,
    omega: false,
    haSuspend: false,
    inhibitOnFailure: false,
    quorum: 1,
    hysteresis: 0,
    sorryServerInhibit: false,
    realServers: [],
    explicit: new Set<string>(),
  };
  let v: V;
  const first = arg(node, 1);
  if (first === 'fwmark') {
    const m = readInt(ctx, node, arg(node, 2), 1, U32, 'fwmark');
    if (m === undefined) return undefined;
    v = { ...base, kind: 'fwmark', fwmark: m };
  } else if (first === 'group') {
    v = { ...base, kind: 'group', group: arg(node, 2) };
  } else {
    const ep = parseEndpoint(ctx, node, node.args, 'virtual server');
    if (!ep) return undefined;
    v = { ...base, kind: 'ip', addr: ep.addr, port: ep.port, family: ep.family };
  }
  runBlock(node.children, virtualServerTable, v, ctx);
  const { explicit, ...cfg } = v;
  vsExplicit.set(cfg, explicit);
  return cfg;
}

/** Which of protocol / lvs_method / lvs_sched a virtual server set explicitly (for validate). */
export const vsExplicit = new WeakMap<VirtualServerConfig, Set<string>>();

/**
 * End-of-configuration checks keepalived 2.2.7 makes on each virtual server. Returns false when
 * the virtual server is dropped. A `group` service whose group does not exist is dropped silently.
 */
export function finishVirtualServer(v: VirtualServerConfig, model: { virtualServerGroups: Map<string, unknown> }, ctx: BuildCtx): boolean {
  if (v.kind === 'group' && !model.virtualServerGroups.has(v.group!)) return false;
  const explicit = vsExplicit.get(v) ?? new Set<string>();
  const name = vsLabel(v);
  if (v.realServers.length === 0) {
    ctx.error(v, `Virtual server ${name} has no real servers - ignoring`);
    return false;
  }
  // keepalived 2.2.7 reports each missing essential as a config error and then defaults it.
  if (v.kind !== 'fwmark' && !explicit.has('protocol')) {
    ctx.error(v, `Virtual server ${name}: no protocol set - defaulting to UDP`);
    v.protocol = 'UDP';
  }
  if (!explicit.has('lvs_method')) ctx.error(v, `Virtual server ${vsLabel(v)}: no forwarding method set, setting default NAT`);
  if (v.kind === 'ip' && v.port === 0 && v.persistenceTimeout === undefined) {
    ctx.error(v, `Virtual server ${vsLabel(v)}: zero port only valid for persistent services - setting`);
    v.persistenceTimeout = 360;
  }
  if (!explicit.has('lvs_sched')) ctx.error(v, `Virtual server ${vsLabel(v)}: no scheduler set, setting default 'wlc'`);
  const total = v.realServers.reduce((sum, rs) => sum + rs.weight, 0);
  if (total < v.quorum) {
    ctx.error(v, `Warning - quorum ${v.quorum} for ${vsLabel(v)} exceeds total weight of real servers ${total}, reducing quorum to ${total}`);
    v.quorum = total;
  }
  if (v.hysteresis >= v.quorum && (v.hysteresis > 0 || v.quorum === 0)) {
    ctx.error(v, `Virtual server ${vsLabel(v)}: hysteresis ${v.hysteresis} >= quorum ${v.quorum}; setting hysteresis to ${v.quorum ? v.quorum - 1 : 4294967295}`);
  }
  if (v.kind === 'ip' && (v.lvsMethod === 'DR' || v.lvsMethod === 'TUN')) {
    for (const rs of v.realServers) {
      if ((rs.lvsMethod ?? v.lvsMethod) === 'NAT' || rs.port === 0 || rs.port === v.port) continue;
      ctx.error(rs, `WARNING - virtual server ${vsLabel(v)} and real server [${rs.addr}]:${v.protocol.toLowerCase()}:${rs.port} ports don't match - resetting`);
      rs.port = v.port ?? rs.port;
    }
  }
  const seen = new Set<string>();
  v.realServers = v.realServers.filter((rs) => {
    const key = `${rs.addr}:${rs.port}`;
    if (seen.has(key)) {
      ctx.error(rs, `VS ${vsLabel(v)}: real server [${rs.addr}]:${rs.port} is duplicated - removing second rs`);
      return false;
    }
    seen.add(key);
    return true;
  });
  return true;
}

export function vsLabel(v: VirtualServerConfig): string {
  if (v.kind === 'fwmark') return `FWM ${v.fwmark}`;
  if (v.kind === 'group') return `[${v.group}]:0`;
  return `[${v.addr}]:${v.protocol ? v.protocol.toLowerCase() : 'none'}:${v.port}`;
}

// ---------------------------------------------------------------- virtual_server_group

/** Entries are free-form lines: `IP [PORT]`, `IP-LAST [PORT]`, `IP/PREFIX [PORT]`, `fwmark N`. */
export function buildVsGroup(node: ConfigNode, ctx: BuildCtx): VirtualServerGroupConfig {
  const g: VirtualServerGroupConfig = { file: node.file, line: node.line, name: arg(node, 1), entries: [] };
  for (const c of node.children ?? []) {
    if (c.keyword === 'fwmark') {
      const m = readInt(ctx, c, arg(c, 1), 1, U32, 'fwmark');
      if (m !== undefined) g.entries.push({ file: c.file, line: c.line, kind: 'fwmark', fwmark: m, family: c.args[1] === 'inet6' ? 6 : 4 });
      continue;
    }
    const e = parseGroupEntry(c);
    if (!e) {
      ctx.error(c, `Invalid virtual server group IP address ${c.keyword} /port/${c.args[0] ?? ''} - skipping`);
      continue;
    }
    g.entries.push(e);
  }
  if (g.entries.length === 0) ctx.error(node, `virtual server group ${g.name} has no entries - removing`);
  return g;
}

function parseGroupEntry(c: ConfigNode): VsGroupEntry | undefined {
  const text = c.keyword;
  let port: number | undefined;
  if (c.args[0] !== undefined) {
    if (!/^\d+$/.test(c.args[0]) || Number(c.args[0]) > 65535) return undefined;
    port = Number(c.args[0]);
  }
  const pos = { file: c.file, line: c.line, ...(port !== undefined ? { port } : {}) };
  const dash = text.lastIndexOf('-');
  if (dash > 0 && !text.includes('/')) {
    const start = text.slice(0, dash);
    const family = familyOf(start);
    const last = text.slice(dash + 1);
    if (!family) return undefined;
    if (family === 4) {
      if (!/^\d+$/.test(last) || Number(last) > 255) return undefined;
      const parts = start.split('.');
      if (Number(last) < Number(parts[3])) return undefined;
      parts[3] = last;
      return { ...pos, kind: 'range', addr: start, rangeEnd: parts.join('.'), family };
    }
    if (!/^[0-9a-f]{1,4}$/i.test(last)) return undefined;
    return { ...pos, kind: 'range', addr: start, rangeEnd: start.replace(/[0-9a-f]*$/i, last), family };
  }
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const family = familyOf(addr);
  if (!family) return undefined;
  if (slash >= 0) {
    const p = Number(text.slice(slash + 1));
    if (!/^\d+$/.test(text.slice(slash + 1)) || p > (family === 4 ? 32 : 128)) return undefined;
    return { ...pos, kind: 'range', addr, prefix: p, family };
  }
  return { ...pos, kind: 'ip', addr, family };
}

// ---------------------------------------------------------------- SSL

export const sslTable: KeywordTable<SslConfig> = {
  password: kw((n, s) => (s.password = arg(n, 1))),
  ca: kw((n, s) => (s.ca = arg(n, 1))),
  certificate: kw((n, s) => (s.certificate = arg(n, 1))),
  key: kw((n, s) => (s.key = arg(n, 1))),
};
