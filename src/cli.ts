// The `vipd` command: keepalived 2.2.7's command line (same flags, same meanings, same exit codes for -t)
// plus the subcommands `vipd demo` and `vipd genhash`. Parsing lives in cli/options.ts; this file decides
// what to run. bin/vipd.js calls main().
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VERSION, KEEPALIVED_COMPAT } from './version.js';
import { formatDiagnostic } from './config/tree.js';
import { SIGFUNC } from './daemon/signals.js';
import { DEFAULT_CONFIG_FILE, isCliError, parseArgs, usage, type CliOptions } from './cli/options.js';
import { loadChecker, loadDaemon, loadDemo, NotImplemented } from './cli/hooks.js';

export interface CliIo {
  out(s: string): void;
  err(s: string): void;
}

const processIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** keepalived's exit codes as observed from 2.2.7 (test/corpus/KEEPALIVED-VERDICTS.md). */
export const CLI_EXIT = {
  OK: 0,
  USAGE: 1, // unknown option / missing parameter (keepalived also uses 1), and "not implemented yet"
  PROGRAM_ERROR: 2, // keepalived: fatal parse error; vipd: also an internal error while checking
  CONFIG_MISSING: 4, // -e and the -f file is missing
  CONFIG_ERROR: 5, // -t found configuration errors
} as const;

/**
 * Flags vipd recognises but cannot honour yet when running the daemon. Never silently ignored: the run stops
 * with a message naming the flag. (Under -t keepalived ignores daemon-only flags, and so does vipd.)
 */
function unsupportedDaemonFlags(o: CliOptions): string[] {
  const out: string[] = [];
  if (o.snmp) out.push('-x/--snmp (SNMP subsystem)');
  if (o.snmpAgentSocket !== undefined) out.push('-A/--snmp-agent-socket');
  if (o.coreDumpPattern !== undefined) out.push('-M/--core-dump-pattern');
  else if (o.coreDump) out.push('-m/--core-dump');
  if (o.namespace !== undefined) out.push('-s/--namespace (supported with -t only)');
  if (o.addressMonitoring) out.push('-a/--address-monitoring');
  if (o.flushLogFile) out.push('--flush-log-file');
  return out;
}

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const parsed = parseArgs(argv);
  if (isCliError(parsed)) {
    io.err(`${parsed.error}\n`);
    return parsed.exitCode;
  }
  const o = parsed;
  for (const w of o.warnings) io.err(`${w}\n`);

  switch (o.mode) {
    case 'version':
      // keepalived prints its version banner on stderr.
      io.err(`vipd v${VERSION} (keepalived ${KEEPALIVED_COMPAT} compatible)\n\nNode.js ${process.version} on ${process.platform}/${process.arch}\n`);
      return CLI_EXIT.OK;
    case 'help':
      io.err(usage());
      return CLI_EXIT.OK;
    case 'signum': {
      const n = SIGFUNC[o.signum ?? ''];
      if (n === undefined) {
        io.err(`Unknown sigfunc ${o.signum}\n`);
        return CLI_EXIT.USAGE;
      }
      io.out(`${n}\n`);
      return CLI_EXIT.OK;
    }
    case 'genhash': {
      const { genhash } = await import('./check/genhash.js');
      return genhash(o.genhashArgs, io);
    }
    case 'demo':
      return runHook(io, async () => (await loadDemo()).runDemo(o));
    default:
      break;
  }

  if (o.unexpectedArgs.length > 0) io.err(`Unexpected argument(s): ${o.unexpectedArgs.join(' ')} \n`);
  if (o.umask !== undefined) process.umask(o.umask);

  if (o.mode === 'config-test') {
    if (o.namespace !== undefined && process.env.VIPD_NETNS_REEXEC !== o.namespace) return reexecInNamespace(o.namespace, argv);
    return configTest(o, io);
  }

  // Daemon mode.
  const unsupported = unsupportedDaemonFlags(o);
  if (unsupported.length > 0) {
    io.err(`vipd: recognised but not implemented yet: ${unsupported.join(', ')}\n`);
    return CLI_EXIT.USAGE;
  }
  if (!o.configFileGiven && !existsSync(DEFAULT_CONFIG_FILE)) {
    io.err(`vipd: no ${DEFAULT_CONFIG_FILE} and no -f given: running the demo (vipd demo)\n`);
    return runHook(io, async () => (await loadDemo()).runDemo(o));
  }
  if (o.dumpConf) {
    // keepalived logs the dump at start-up; vipd prints it, then starts as usual.
    const code = await configTest({ ...o, mode: 'config-test' }, io, true);
    if (code === CLI_EXIT.USAGE || code === CLI_EXIT.PROGRAM_ERROR) return code;
  }
  return runHook(io, async () => (await loadDaemon()).runDaemon(o));
}

async function runHook(io: CliIo, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof NotImplemented) {
      io.err(`vipd: ${e.message}\n`);
      return CLI_EXIT.USAGE;
    }
    throw e;
  }
}

/**
 * -s NAME with -t: check the configuration as seen from inside network namespace NAME (interfaces named by the
 * config must exist there), by running ourselves again under `ip netns exec NAME`.
 */
function reexecInNamespace(ns: string, argv: string[]): number {
  // keepalived 2.2.7 -t with an unknown namespace says nothing and exits 0; vipd refuses, since a check made in
  // the wrong namespace would be meaningless.
  if (ns.includes('/') || !existsSync(`/run/netns/${ns}`)) {
    process.stderr.write(`vipd: network namespace ${ns} does not exist (no /run/netns/${ns})\n`);
    return CLI_EXIT.USAGE;
  }
  const bin = fileURLToPath(new URL('../../bin/vipd.js', import.meta.url));
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, bin, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, VIPD_NETNS_REEXEC: ns },
  });
  if (r.error) {
    process.stderr.write(`vipd: cannot enter network namespace ${ns}: ${r.error.message}\n`);
    return CLI_EXIT.USAGE;
  }
  return r.status ?? CLI_EXIT.PROGRAM_ERROR;
}

/**
 * -t: check the configuration and report as keepalived 2.2.7 does: every problem as `file:line: message` on
 * stderr (or the -t=FILE log), exit 0 when clean, 5 on configuration errors, 6 on script-security violations.
 * With -d the dumped model follows on stdout. `dumpOnly` is the daemon's -d path (no -t).
 */
async function configTest(o: CliOptions, io: CliIo, dumpOnly = false): Promise<number> {
  const lines: string[] = [];
  const finish = (code: number): number => {
    if (o.configTestLogFile !== undefined && !dumpOnly) writeFileSync(o.configTestLogFile, lines.map((l) => `${l}\n`).join(''));
    else for (const l of lines) io.err(`${l}\n`);
    return code;
  };

  // The main file itself: keepalived 2.2.7 only complains, and fails only under -e (exit 4).
  const file = o.configFile;
  if (!existsSync(file)) {
    lines.push(`Config files missing '${file}'.`);
    return finish(o.allConfig ? CLI_EXIT.CONFIG_MISSING : CLI_EXIT.OK);
  }
  if (statSync(file).isDirectory()) {
    lines.push(`Configuration file '${file}' is a directory - skipping`);
    return finish(o.allConfig ? CLI_EXIT.CONFIG_MISSING : CLI_EXIT.OK);
  }

  let checker;
  try {
    checker = await loadChecker();
  } catch (e) {
    if (e instanceof NotImplemented) {
      io.err(`vipd: ${e.message}\n`);
      return CLI_EXIT.USAGE;
    }
    throw e;
  }

  let result;
  try {
    result = await checker.checkConfig(file, { configId: o.configId, allConfig: o.allConfig, namespace: o.namespace });
  } catch (e) {
    // A checker bug must not look like a verdict on the configuration.
    io.err(`vipd: internal error while checking ${file}: ${(e as Error).stack ?? String(e)}\n`);
    return CLI_EXIT.PROGRAM_ERROR;
  }

  for (const msg of o.configErrors) lines.push(msg);
  for (const d of result.diagnostics) lines.push(formatDiagnostic(d));
  let code = result.exitCode;
  // Command-line values keepalived treats as configuration errors (bad -S) make a clean check fail like it.
  if (code === CLI_EXIT.OK && o.configErrors.length > 0) code = CLI_EXIT.CONFIG_ERROR;

  if (o.dumpConf) {
    if (result.model !== undefined && checker.dumpConfig) io.out(checker.dumpConfig(result.model));
    else if (!checker.dumpConfig) lines.push('vipd: -d/--dump-conf is not implemented yet (src/config/check.ts does not export dumpConfig())');
  }
  return finish(code);
}
