// keepalived 2.2.7's command line, parsed exactly the way its getopt_long() loop does it, into a typed
// CliOptions. Hand-written rather than commander because keepalived's syntax relies on getopt details that
// commander cannot express or gets differently:
//   - optional arguments only when attached: `-tFILE`, `--config-test=FILE`, `-MPATTERN` (`-t FILE` leaves FILE
//     as a stray argument; commander would swallow it as the value);
//   - unique prefixes of long options are accepted (`--use=FILE`, `--sig=JSON`), ambiguous ones are unknown;
//   - short options cluster and a required argument may be glued on or be the next word even if it starts
//     with '-' (`-lDf FILE`, `-i -f` makes "-f" the config id);
//   - -v, -h and --signum act as soon as they are met, later words are not looked at;
//   - -T (genhash) must be first; later it warns and hands the remaining words to genhash;
//   - stray words are reported ("Unexpected argument(s)") but are not an error.
// Pure logic: no I/O, so every rule is unit-tested (test/unit/cli-options.test.ts).

export const DEFAULT_CONFIG_FILE = '/etc/keepalived/keepalived.conf';

export type CliMode =
  | 'daemon' // normal run (the daemon engineer's runDaemon)
  | 'config-test' // -t / --config-test
  | 'signum' // --signum=SIGFUNC
  | 'version' // -v
  | 'help' // -h
  | 'genhash' // -T / --genhash (keepalived) or `vipd genhash` (subcommand)
  | 'demo'; // `vipd demo` (subcommand)

export interface CliOptions {
  mode: CliMode;
  /** -f/--use-file; DEFAULT_CONFIG_FILE when not given. */
  configFile: string;
  /** True when -f was given (vipd runs the demo when no -f is given and the default file is absent). */
  configFileGiven: boolean;
  vrrpOnly: boolean; // -P
  checkOnly: boolean; // -C
  noBfd: boolean; // -B
  all: boolean; // --all
  logConsole: boolean; // -l
  logDetail: boolean; // -D
  /** -S: already validated; one of 0-7, local0-7, user, daemon. */
  logFacility?: string;
  logFile?: string; // -g
  flushLogFile: boolean; // --flush-log-file
  noSyslog: boolean; // -G
  releaseVips: boolean; // -X
  dontReleaseVrrp: boolean; // -V
  dontReleaseIpvs: boolean; // -I
  dontRespawn: boolean; // -R
  dontFork: boolean; // -n
  dumpConf: boolean; // -d
  pidFile?: string; // -p
  vrrpPidFile?: string; // -r
  checkersPidFile?: string; // -c
  bfdPidFile?: string; // -b
  addressMonitoring: boolean; // -a
  namespace?: string; // -s
  allConfig: boolean; // -e
  configId?: string; // -i
  snmp: boolean; // -x
  snmpAgentSocket?: string; // -A
  /** -u, parsed like strtoul(…, 0): 0x.. hex, 0.. octal, else decimal. */
  umask?: number;
  coreDump: boolean; // -m
  /** -M[PATTERN]; keepalived's default pattern is 'core'. Setting it implies -m. */
  coreDumpPattern?: string;
  /** vipd: --api-listen=HOST:PORT for the status API / metrics / dashboard; null = --api-listen=off. */
  apiListen?: string | null;
  /** vipd: --dump-dir=DIR for keepalived.data/.stats/.json (keepalived writes them to /tmp). */
  dumpDir?: string;
  /** --signum=SIGFUNC, upper-cased as given (validity is checked when it is answered). */
  signum?: string;
  /** -t=FILE / --config-test=FILE: write the check's output to FILE instead of stderr. */
  configTestLogFile?: string;
  /** Words after -T / --genhash / `genhash`, for the genhash tool. */
  genhashArgs: string[];
  /** Non-option words; keepalived prints "Unexpected argument(s): …" and carries on. */
  unexpectedArgs: string[];
  /** Messages keepalived prints but does not stop for (bad -u, -T not first). */
  warnings: string[];
  /**
   * Option values keepalived reports as configuration errors (bad -S): printed, and under -t they make the
   * verdict 5 like any other configuration error.
   */
  configErrors: string[];
}

export interface CliError {
  error: string;
  exitCode: number;
}

type ArgKind = 'none' | 'required' | 'optional';

interface OptSpec {
  long: string;
  short?: string;
  arg: ArgKind;
  apply: (o: CliOptions, value: string | undefined) => void;
}

function facilityError(v: string): string | undefined {
  if (/^[0-7]$/.test(v) || /^local[0-7]$/.test(v) || v === 'user' || v === 'daemon') return undefined;
  return `Invalid log facility '${v}'`;
}

/** strtoul(s, 0)-style: 0x hex, leading 0 octal, else decimal. undefined when not a whole number. */
export function parseUmask(s: string): number | undefined {
  let n: number;
  if (/^0x[0-9a-f]+$/i.test(s)) n = parseInt(s.slice(2), 16);
  else if (/^0[0-7]*$/.test(s)) n = parseInt(s, 8);
  else if (/^[1-9][0-9]*$/.test(s)) n = parseInt(s, 10);
  else return undefined;
  return n <= 0o777 ? n : undefined;
}

// Order matters only for --help; prefix matching looks at all of them.
const OPTIONS: OptSpec[] = [
  { long: 'use-file', short: 'f', arg: 'required', apply: (o, v) => { o.configFile = v!; o.configFileGiven = true; } },
  { long: 'vrrp', short: 'P', arg: 'none', apply: (o) => { o.vrrpOnly = true; } },
  { long: 'check', short: 'C', arg: 'none', apply: (o) => { o.checkOnly = true; } },
  { long: 'no_bfd', short: 'B', arg: 'none', apply: (o) => { o.noBfd = true; } },
  { long: 'all', arg: 'none', apply: (o) => { o.all = true; } },
  { long: 'log-console', short: 'l', arg: 'none', apply: (o) => { o.logConsole = true; } },
  { long: 'log-detail', short: 'D', arg: 'none', apply: (o) => { o.logDetail = true; } },
  {
    long: 'log-facility', short: 'S', arg: 'required', apply: (o, v) => {
      const err = facilityError(v!);
      if (err) o.configErrors.push(err); else o.logFacility = v;
    },
  },
  { long: 'log-file', short: 'g', arg: 'required', apply: (o, v) => { o.logFile = v; } },
  { long: 'flush-log-file', arg: 'none', apply: (o) => { o.flushLogFile = true; } },
  { long: 'no-syslog', short: 'G', arg: 'none', apply: (o) => { o.noSyslog = true; } },
  {
    long: 'umask', short: 'u', arg: 'required', apply: (o, v) => {
      const n = parseUmask(v!);
      if (n === undefined) o.warnings.push(`Invalid --umask option ${v}`); else o.umask = n;
    },
  },
  { long: 'release-vips', short: 'X', arg: 'none', apply: (o) => { o.releaseVips = true; } },
  { long: 'dont-release-vrrp', short: 'V', arg: 'none', apply: (o) => { o.dontReleaseVrrp = true; } },
  { long: 'dont-release-ipvs', short: 'I', arg: 'none', apply: (o) => { o.dontReleaseIpvs = true; } },
  { long: 'dont-respawn', short: 'R', arg: 'none', apply: (o) => { o.dontRespawn = true; } },
  { long: 'dont-fork', short: 'n', arg: 'none', apply: (o) => { o.dontFork = true; } },
  { long: 'dump-conf', short: 'd', arg: 'none', apply: (o) => { o.dumpConf = true; } },
  { long: 'pid', short: 'p', arg: 'required', apply: (o, v) => { o.pidFile = v; } },
  { long: 'vrrp_pid', short: 'r', arg: 'required', apply: (o, v) => { o.vrrpPidFile = v; } },
  { long: 'genhash', short: 'T', arg: 'none', apply: () => { /* handled by the parser loop */ } },
  { long: 'checkers_pid', short: 'c', arg: 'required', apply: (o, v) => { o.checkersPidFile = v; } },
  { long: 'address-monitoring', short: 'a', arg: 'none', apply: (o) => { o.addressMonitoring = true; } },
  { long: 'bfd_pid', short: 'b', arg: 'required', apply: (o, v) => { o.bfdPidFile = v; } },
  { long: 'snmp', short: 'x', arg: 'none', apply: (o) => { o.snmp = true; } },
  { long: 'snmp-agent-socket', short: 'A', arg: 'required', apply: (o, v) => { o.snmpAgentSocket = v; } },
  { long: 'namespace', short: 's', arg: 'required', apply: (o, v) => { o.namespace = v; } },
  { long: 'core-dump', short: 'm', arg: 'none', apply: (o) => { o.coreDump = true; } },
  { long: 'core-dump-pattern', short: 'M', arg: 'optional', apply: (o, v) => { o.coreDump = true; o.coreDumpPattern = v ?? 'core'; } },
  { long: 'all-config', short: 'e', arg: 'none', apply: (o) => { o.allConfig = true; } },
  { long: 'config-id', short: 'i', arg: 'required', apply: (o, v) => { o.configId = v; } },
  { long: 'signum', arg: 'required', apply: (o, v) => { o.signum = v; } },
  // vipd's own long options (keepalived has none by these names).
  { long: 'api-listen', arg: 'required', apply: (o, v) => { o.apiListen = v === 'off' ? null : v; } },
  { long: 'dump-dir', arg: 'required', apply: (o, v) => { o.dumpDir = v; } },
  { long: 'config-test', short: 't', arg: 'optional', apply: (o, v) => { o.mode = 'config-test'; if (v !== undefined) o.configTestLogFile = v; } },
  { long: 'version', short: 'v', arg: 'none', apply: (o) => { o.mode = 'version'; } },
  { long: 'help', short: 'h', arg: 'none', apply: (o) => { o.mode = 'help'; } },
];

const BY_SHORT = new Map(OPTIONS.filter((o) => o.short).map((o) => [o.short!, o]));

/** getopt_long lookup: exact name, else a unique prefix; undefined when unknown or ambiguous. */
function findLong(name: string): OptSpec | undefined {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact) return exact;
  const candidates = OPTIONS.filter((o) => o.long.startsWith(name));
  return candidates.length === 1 ? candidates[0] : undefined;
}

export function defaultOptions(): CliOptions {
  return {
    mode: 'daemon', configFile: DEFAULT_CONFIG_FILE, configFileGiven: false,
    vrrpOnly: false, checkOnly: false, noBfd: false, all: false, logConsole: false, logDetail: false,
    flushLogFile: false, noSyslog: false, releaseVips: false, dontReleaseVrrp: false, dontReleaseIpvs: false,
    dontRespawn: false, dontFork: false, dumpConf: false, addressMonitoring: false, allConfig: false,
    snmp: false, coreDump: false, genhashArgs: [], unexpectedArgs: [], warnings: [], configErrors: [],
  };
}

/** Options that end parsing at once (keepalived acts on them inside its getopt loop). */
const IMMEDIATE = new Set(['version', 'help', 'signum']);

/**
 * Parse a vipd/keepalived argument vector (without node and script). Subcommands `demo` and `genhash`
 * are recognised only as the first word, where keepalived would merely complain about a stray argument.
 */
export function parseArgs(argv: readonly string[]): CliOptions | CliError {
  const o = defaultOptions();
  if (argv[0] === 'demo') {
    o.mode = 'demo';
    o.unexpectedArgs = argv.slice(1);
    return o;
  }
  if (argv[0] === 'genhash' || argv[0] === '-T' || argv[0] === '--genhash') {
    o.mode = 'genhash';
    o.genhashArgs = argv.slice(1);
    return o;
  }

  // Returns true when parsing must stop (an immediate option or -T).
  const use = (spec: OptSpec, value: string | undefined, rest: readonly string[]): boolean => {
    if (spec.long === 'genhash') {
      o.warnings.push('Warning -- `-T` not used as first option, previous options ignored');
      const fresh = defaultOptions();
      Object.assign(o, fresh, { mode: 'genhash', genhashArgs: [...rest], warnings: o.warnings });
      return true;
    }
    spec.apply(o, value);
    if (spec.long === 'signum') o.mode = 'signum';
    return IMMEDIATE.has(spec.long);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      o.unexpectedArgs.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      const spec = findLong(name);
      // keepalived reports ambiguous prefixes and `--flag=value` on a flag alike: "Unknown option <word>".
      if (!spec || (spec.arg === 'none' && inline !== undefined)) return { error: `Unknown option ${arg}`, exitCode: 1 };
      let value = inline;
      if (spec.arg === 'required' && value === undefined) {
        if (i + 1 >= argv.length) return { error: `Missing parameter for option --${spec.long}`, exitCode: 1 };
        value = argv[++i];
      }
      if (spec.arg === 'required' && value === '') return { error: `Missing parameter for option --${spec.long}`, exitCode: 1 };
      if (use(spec, value, argv.slice(i + 1))) return o;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j]!;
        const spec = BY_SHORT.get(c);
        if (!spec) return { error: `Unknown option -${c}`, exitCode: 1 };
        const attached = arg.slice(j + 1);
        let value: string | undefined;
        if (spec.arg === 'optional') {
          value = attached === '' ? undefined : attached;
        } else if (spec.arg === 'required') {
          if (attached !== '') value = attached;
          else if (i + 1 < argv.length) value = argv[++i];
          else return { error: `Missing parameter for option -${c}`, exitCode: 1 };
        }
        if (use(spec, value, argv.slice(i + 1))) return o;
        if (spec.arg !== 'none') break; // the rest of the word was the value
      }
      continue;
    }
    o.unexpectedArgs.push(arg); // getopt permutes stray words to the end; keepalived then reports them
  }
  return o;
}

export function isCliError(r: CliOptions | CliError): r is CliError {
  return (r as CliError).error !== undefined;
}

/** keepalived's --help text, adapted to vipd (same options; vipd subcommands added). */
export function usage(prog = 'vipd'): string {
  return `Usage: ${prog} [OPTION...]
       ${prog} demo                 Run the built-in two-node demonstration in network namespaces
       ${prog} genhash [OPTION...]  Compute an HTTP_GET/SSL_GET digest (same as -T)
  -f, --use-file=FILE          Use the specified configuration file
                                default '${DEFAULT_CONFIG_FILE}'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -B, --no_bfd                 Don't run BFD subsystem
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
  -g, --log-file=FILE          Also log to FILE (default /tmp/keepalived.log)
      --flush-log-file         Flush log file on write
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (in numeric form)
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -T, --genhash                Enter into genhash utility mode (this should be the first option used).
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -a, --address-monitoring     Report all address additions/deletions notified via netlink
  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process
  -x, --snmp                   Enable SNMP subsystem
  -A, --snmp-agent-socket=FILE Use the specified socket for master agent
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
  -m, --core-dump              Produce core dump if terminate abnormally
  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (default 'core')
  -e, --all-config             Error if any configuration file missing (same as includet)
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
      --api-listen=HOST:PORT   vipd: status API, /metrics and dashboard address
                                (default 127.0.0.1:9650; 'off' disables it)
      --dump-dir=DIR           vipd: where SIGUSR1/SIGUSR2/JSON dumps are written (default /tmp)
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
  -v, --version                Display the version number
  -h, --help                   Display this help message
`;
}
