// `vipd [options]` without -t: validate the configuration, daemonise unless -n, then run the parent
// supervisor (which starts the VRRP and checker children).
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import type { CliOptions } from '../cli/options.js';
import { Logger, parseFacility } from './log.js';
import { loadConfig } from './load-config.js';
import { runParent } from './parent.js';
import { EXIT, type DaemonOptions } from './options.js';

export function daemonOptions(c: CliOptions): DaemonOptions {
  const env = process.env;
  return {
    configFile: c.configFile, vrrpOnly: c.vrrpOnly, checkOnly: c.checkOnly, all: c.all, logConsole: c.logConsole,
    logDetail: c.logDetail, logFacility: c.logFacility, logFile: c.logFile, noSyslog: c.noSyslog, releaseVips: c.releaseVips,
    dontReleaseVrrp: c.dontReleaseVrrp, dontReleaseIpvs: c.dontReleaseIpvs, dontRespawn: c.dontRespawn, dontFork: c.dontFork,
    dumpConf: c.dumpConf, pidFile: c.pidFile, vrrpPidFile: c.vrrpPidFile, checkersPidFile: c.checkersPidFile, configId: c.configId,
    // vipd extensions, also settable from the environment for systemd drop-ins.
    apiListen: c.apiListen !== undefined ? c.apiListen : env.VIPD_API_LISTEN === 'off' ? null : env.VIPD_API_LISTEN,
    dumpDir: c.dumpDir ?? env.VIPD_DUMP_DIR,
  };
}

export async function runDaemon(c: CliOptions): Promise<number> {
  const opts = daemonOptions(c);
  const log = new Logger({ console: opts.logConsole || !opts.dontFork ? opts.logConsole : false, detail: opts.logDetail,
    syslog: !opts.noSyslog, facility: parseFacility(opts.logFacility), file: opts.logFile, proc: 'vipd' });
  const loaded = await loadConfig(opts);
  if (!loaded.ok) {
    for (const e of loaded.errors) { log.error(e); if (!opts.logConsole) process.stderr.write(e + '\n'); }
    return loaded.exitCode;
  }
  for (const w of loaded.warnings) log.warn(w);
  const m = loaded.model;
  const want = {
    // keepalived also runs its VRRP process for static addresses/routes/rules alone.
    vrrp: !opts.checkOnly && (m.vrrpInstances.length > 0 || m.staticIpaddresses.length + m.staticRoutes.length + m.staticRules.length > 0 || !!opts.all),
    checker: !opts.vrrpOnly && (m.virtualServers.length > 0 || !!opts.all),
  };

  if (!opts.dontFork) {
    // Daemonise: the same command in a new session with -n, detached from the terminal.
    const out = opts.logFile ? openSync(opts.logFile, 'a') : 'ignore';
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '-n', ...process.argv.slice(2)], {
      detached: true, stdio: ['ignore', out, out],
    });
    child.unref();
    return EXIT.OK;
  }
  return runParent(opts, log, want);
}
