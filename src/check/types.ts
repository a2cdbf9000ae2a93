// Input types for the health checkers and their scheduler. These are vipd's own shapes (the config
// model maps onto them in from-config.ts); every optional field documents keepalived's default so
// that a spec built by hand behaves like the same keepalived.conf block.
// All durations are in SECONDS, as in keepalived.conf (fractions allowed).

/** Outcome of one check attempt. `weight` (MISC_CHECK misc_dynamic) replaces the RS weight;
 *  `weightDelta` (FILE_CHECK with a weight) is added to the configured RS weight. */
export interface CheckResult {
  ok: boolean;
  detail: string;
  weight?: number;
  weightDelta?: number;
}

/** Options every network checker shares (keepalived "generic connection options"). */
export interface CheckCommon {
  connectIp?: string; // d: the real server's address
  connectPort?: number; // d: the real server's port
  bindto?: string; // source address
  bindPort?: number; // source port
  connectTimeout?: number; // d: RS, else VS, else 5
  retry?: number; // d: RS/VS, else 1 (DNS 3, MISC 0)
  delayBeforeRetry?: number; // d: RS/VS, else 1 (HTTP/SSL 3; DNS = delay_loop)
  warmup?: number; // d: delay_loop (random start in [0, warmup]); 0 = start at once
  delayLoop?: number; // d: RS, else VS, else 60
  alpha?: boolean; // d: RS/VS, else false (checker starts UP)
}

export interface TcpCheckSpec extends CheckCommon { kind: 'TCP_CHECK' }

export interface HttpUrlSpec {
  path: string;
  digest?: string; // lower-case hex MD5 of the body bytes as genhash prints it
  statusCodes?: Array<[number, number]>; // inclusive ranges; d: [[200, 299]]
  virtualhost?: string; // d: checker, RS, VS virtualhost, else "ip:port" Host header
  /** keepalived `regex` (PCRE2 there; a JavaScript RegExp here) searched in the body */
  regex?: string;
  regexNoMatch?: boolean; // a match fails the check
  regexOptions?: string[]; // supported: caseless, multiline, dotall, utf
  regexMinOffset?: number; // search from this body offset
  regexMaxOffset?: number; // a match must start at or before this offset
}

export interface HttpCheckSpec extends CheckCommon {
  kind: 'HTTP_GET' | 'SSL_GET';
  urls: HttpUrlSpec[];
  httpProtocol?: '1.0' | '1.0C' | '1.1'; // d: 1.0
  virtualhost?: string;
  enableSni?: boolean; // SSL_GET: send SNI (sniName, else virtualhost)
  sniName?: string;
  /** vipd extension: stop reading after this many bytes (d: 1 MiB) and fail the check. */
  maxResponseBytes?: number;
  /** TLS client context (keepalived's root SSL block); d: no verification, as keepalived. */
  tls?: { ca?: string; cert?: string; key?: string; passphrase?: string; verify?: boolean };
}

export interface SmtpCheckSpec extends CheckCommon {
  kind: 'SMTP_CHECK';
  heloName?: string; // d: smtpchecker.keepalived.org
}

export type DnsType = 'A' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'AAAA';
export interface DnsCheckSpec extends CheckCommon {
  kind: 'DNS_CHECK';
  type?: DnsType; // d: SOA
  name?: string; // d: "."
}

export interface UdpCheckSpec extends CheckCommon {
  kind: 'UDP_CHECK';
  payload?: string; // keepalived free-format hex; d: random payload
  requireReply?: boolean;
  requireReplyHex?: string; // hex with x/X nibble wildcards
  minReplyLength?: number; // d: 0
  maxReplyLength?: number; // d: 255
}

export interface PingCheckSpec extends CheckCommon { kind: 'PING_CHECK' }

export interface MiscCheckSpec extends CheckCommon {
  kind: 'MISC_CHECK';
  miscPath: string; // command line, run through /bin/sh -c like keepalived's notify scripts
  miscTimeout?: number; // d: delay_loop
  miscDynamic?: boolean;
}

export interface FileCheckSpec extends CheckCommon {
  kind: 'FILE_CHECK';
  trackFile: string; // path of the tracked file
  weight?: number; // d: the track_file's weight (1 in keepalived; 0 = non-zero value is a failure)
  reverse?: boolean;
}

export type CheckerSpec =
  | TcpCheckSpec | HttpCheckSpec | SmtpCheckSpec | DnsCheckSpec
  | UdpCheckSpec | PingCheckSpec | MiscCheckSpec | FileCheckSpec;

export type CheckerKind = CheckerSpec['kind'];

/** Where and how long one check attempt may take, after defaults were resolved. */
export interface CheckTarget {
  ip: string;
  port: number;
  timeoutMs: number;
  bindto?: string;
  bindPort?: number;
}

/** A checker spec ready to run: `run(spec, signal)` for each kind takes this. */
export type Runnable<T extends CheckerSpec = CheckerSpec> = T & { target: CheckTarget };

export interface RealServerSpec {
  ip: string;
  port: number; // 0 for fwmark services without a port
  weight?: number; // d: 1
  inhibitOnFailure?: boolean; // d: VS, else false (weight 0 instead of removal)
  notifyUp?: string;
  notifyDown?: string;
  alpha?: boolean;
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  delayLoop?: number;
  connectTimeout?: number;
  virtualhost?: string;
  checkers: CheckerSpec[];
}

export type LbAlgo =
  | 'rr' | 'wrr' | 'lc' | 'wlc' | 'lblc' | 'lblcr' | 'sh' | 'mh' | 'dh' | 'fo' | 'ovf' | 'sed' | 'nq' | 'twos';
export type LbKind = 'NAT' | 'DR' | 'TUN';

export interface VirtualServerSpec {
  name?: string; // d: derived "ip:port" / "fwmark N"
  vip?: string; // absent for fwmark services
  port?: number;
  fwmark?: number;
  /** virtual_server_group entries (one set of checks for all of them); see lb/types ServiceMatch */
  matches?: Array<{ vip?: string; vipEnd?: string; prefix?: number; port?: number; fwmark?: number }>;
  family?: 'inet' | 'inet6'; // d: from vip, else inet
  protocol?: 'TCP' | 'UDP'; // d: TCP
  lbAlgo?: LbAlgo; // d: wlc (keepalived's default; nftables rejects it, pick rr/wrr/sh/mh)
  lbKind?: LbKind; // d: NAT
  persistenceTimeout?: number; // seconds; bare keyword in keepalived = 360
  quorum?: number; // d: 1
  hysteresis?: number; // d: 0
  quorumUp?: string;
  quorumDown?: string;
  sorryServer?: { ip: string; port?: number };
  sorryServerInhibit?: boolean;
  delayLoop?: number; // d: 60
  connectTimeout?: number; // d: 5
  retry?: number;
  delayBeforeRetry?: number;
  warmup?: number;
  alpha?: boolean;
  omega?: boolean;
  inhibitOnFailure?: boolean;
  virtualhost?: string;
  realServers: RealServerSpec[];
}

export function vsName(vs: VirtualServerSpec): string {
  if (vs.name) return vs.name;
  if (vs.fwmark !== undefined) return `FWM ${vs.fwmark}`;
  return formatEndpoint(vs.vip ?? '0.0.0.0', (vs.protocol ?? 'TCP').toLowerCase(), vs.port ?? 0);
}

/** keepalived's lvs_notify_fifo endpoint notation: `[1.2.3.4]:tcp:80`. */
export function formatEndpoint(ip: string, proto: string, port: number): string {
  return `[${ip}]:${proto}:${port}`;
}
