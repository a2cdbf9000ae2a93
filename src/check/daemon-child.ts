// The checker process as the daemon's parent (src/daemon/parent.ts) drives it: the parent's IPC
// protocol ({t:'init'|'reload'|'stop'|'dump'}), the configuration read the same way as the VRRP
// child (load-config → model → from-config), keepalived-style log lines for state changes, and
// status snapshots for the API. The JSON protocol of process.ts stays for tools and tests.
import { hostname } from 'node:os';
import { Logger, parseFacility } from '../daemon/log.js';
import { loadConfig } from '../daemon/load-config.js';
import { writeDump } from '../daemon/dumps.js';
import { EXIT, type ChildMsg, type DaemonOptions, type ParentMsg } from '../daemon/options.js';
import { formatDiagnostic } from '../config/tree.js';
import type { VirtualServerStatus } from '../api/status.js';
import { checkerConfigFromModel } from './from-config.js';
import type { CheckerService } from './process.js';

type Out = (m: Record<string, unknown>) => void;

function send(m: ChildMsg): void {
  if (process.connected) process.send!(m);
}

/** Render keepalived_check.data (format unstable in keepalived too: for humans). */
export function renderCheckData(vss: VirtualServerStatus[]): string {
  const lines = [`------< Health checkers >------  (${hostname().split('.')[0]})`];
  for (const vs of vss) {
    lines.push(` VS ${vs.name}, quorum ${vs.quorumUp ? 'UP' : 'DOWN'}`);
    for (const r of vs.realServers) {
      lines.push(`   RS ${r.addr}${r.port ? `:${r.port}` : ''} weight ${r.weight} ${r.up ? 'UP' : 'DOWN'}${r.detail ? ` (${r.detail})` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function runAsDaemonChild(makeService: (out: Out) => CheckerService): void {
  let opts: DaemonOptions;
  let log: Logger;
  let svc: CheckerService | undefined;
  let publishPending = false;
  let statusTimer: NodeJS.Timeout | undefined;

  const publish = (): void => {
    if (!svc) return;
    send({ t: 'status', status: { pid: process.pid, virtualServers: svc.status(), rssBytes: process.memoryUsage.rss(), updatedAtMs: Date.now() } });
  };
  const publishSoon = (): void => {
    if (publishPending) return;
    publishPending = true;
    setImmediate(() => { publishPending = false; publish(); });
  };

  const out: Out = (m) => {
    switch (m.type) {
      case 'rs': log.info(`${m.up ? 'Adding' : 'Removing'} service [${String(m.ip)}]:${String(m.port)} ${m.up ? 'to' : 'from'} VS ${String(m.vs)}${m.up ? '' : ` (${String(m.detail)})`}`); break;
      case 'quorum': log.info(`${m.up ? 'Gained' : 'Lost'} quorum ${String(m.aliveWeight)} for VS ${String(m.vs)}`); break;
      case 'error': log.error(String(m.message)); break;
      default: break;
    }
    publishSoon();
  };

  /** Read and map the configuration; undefined (errors logged) when it cannot run. */
  async function readConfig(): Promise<ReturnType<typeof checkerConfigFromModel> | { errors: string[] }> {
    const loaded = await loadConfig(opts);
    if (!loaded.ok) return { errors: loaded.errors };
    const mapping = checkerConfigFromModel(loaded.model);
    const errors = mapping.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    for (const w of mapping.diagnostics.filter((d) => d.severity !== 'error')) log.warn(formatDiagnostic(w));
    if (errors.length) return { errors };
    mapping.message.dataPlane = { kind: 'nftables', keepOnRemove: !!opts.dontReleaseIpvs };
    return mapping;
  }

  async function init(o: DaemonOptions): Promise<void> {
    opts = o;
    log = new Logger({ console: o.logConsole, detail: o.logDetail, syslog: !o.noSyslog, facility: parseFacility(o.logFacility), file: o.logFile, proc: 'vipd_checker' });
    const r = await readConfig();
    if ('errors' in r) {
      for (const e of r.errors) log.error(e);
      send({ t: 'fatal', code: EXIT.CONFIG, message: 'configuration rejected' });
      process.exit(EXIT.CONFIG);
    }
    svc = makeService(out);
    if (!(await svc.configure(r.message))) {
      send({ t: 'fatal', code: EXIT.CONFIG, message: 'virtual servers rejected by the data plane' });
      process.exit(EXIT.CONFIG);
    }
    log.info(`Healthcheck started: ${r.message.services.length} virtual server(s)`);
    send({ t: 'ready' });
    publish();
    // No periodic push: the parent asks ({t:'status'}) when the API is read.
  }

  async function reload(): Promise<void> {
    if (!svc) return;
    const r = await readConfig();
    if ('errors' in r) {
      for (const e of r.errors) log.error(e);
      log.error('new configuration rejected; keeping the running one');
      send({ t: 'reloaded', ok: false, message: r.errors.join('; ') });
      return;
    }
    const ok = await svc.configure(r.message);
    send(ok ? { t: 'reloaded', ok: true } : { t: 'reloaded', ok: false, message: 'virtual servers rejected by the data plane' });
    publish();
  }

  let stopping = false;
  async function stop(): Promise<void> {
    if (stopping) return;
    stopping = true;
    if (statusTimer) clearInterval(statusTimer);
    await svc?.shutdown();
    log?.info('Stopped');
    process.exit(0);
  }

  function dump(kind: string): void {
    if (!svc || kind !== 'data') return; // stats/json dumps are the VRRP child's
    try {
      writeDump(opts.dumpDir ?? '/tmp', 'keepalived_check.data', renderCheckData(svc.status()));
      log.info(`Printing checker data for process(${process.pid}) on signal`);
    } catch (e) {
      log.error(`writing the checker dump: ${(e as Error).message}`);
    }
  }

  process.on('message', (m: ParentMsg) => {
    switch (m?.t) {
      case 'init': void init(m.opts); break;
      case 'reload': void reload(); break;
      case 'stop': void stop(); break;
      case 'dump': dump(m.kind); break;
      case 'status': publish(); break;
      default: break;
    }
  });
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('SIGHUP', () => void reload());
  process.on('disconnect', () => void stop());
}
