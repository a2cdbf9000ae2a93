// Entry point of the VRRP child process. Nothing else runs here: no health checks, no HTTP, so an
// advertisement is never queued behind them. Talks to the parent over the IPC channel only.
import { Logger, parseFacility } from './log.js';
import { loadConfig } from './load-config.js';
import { VrrpEngine } from './vrrp-engine.js';
import { renderData, renderJson, renderStats, writeDump } from './dumps.js';
import { EXIT, type ChildMsg, type DaemonOptions, type ParentMsg } from './options.js';
import { hostname } from 'node:os';
import { offload } from '../net/offload.js';
import { onRawSignal, SIGFUNC } from './signals.js';

function send(m: ChildMsg): void {
  if (process.connected) process.send!(m);
}

let engine: VrrpEngine | undefined;
let opts: DaemonOptions;
let log: Logger;
let publishPending = false;

function publish(): void {
  if (!engine) return;
  const c = offload()?.counters();
  const off = c && { rxPackets: c.rxPackets, rxAbsorbed: c.rxMatched, queueDrops: c.queueDrops };
  send({ t: 'status', status: { pid: process.pid, instances: engine.status(), rssBytes: process.memoryUsage.rss(), updatedAtMs: Date.now(), offload: off, sockets: engine.socketStatus() } });
}

/** Transitions are published at once (coalesced within one tick); counters when the parent asks. */
function publishSoon(): void {
  if (publishPending) return;
  publishPending = true;
  setImmediate(() => { publishPending = false; publish(); });
}

async function init(o: DaemonOptions): Promise<void> {
  opts = o;
  log = new Logger({ console: o.logConsole, detail: o.logDetail, syslog: !o.noSyslog, facility: parseFacility(o.logFacility), file: o.logFile, proc: 'vipd_vrrp' });
  const loaded = await loadConfig(o);
  if (!loaded.ok) {
    for (const e of loaded.errors) log.error(e);
    send({ t: 'fatal', code: EXIT.CONFIG, message: 'configuration rejected' });
    process.exit(EXIT.CONFIG);
  }
  for (const w of loaded.warnings) log.warn(w);
  engine = new VrrpEngine(loaded.model, log, { keepVipsOnStop: !!o.dontReleaseVrrp });
  engine.onChange = publishSoon;
  try {
    await engine.start();
  } catch (e) {
    log.error(`VRRP engine failed to start: ${(e as Error).message}`);
    send({ t: 'fatal', code: EXIT.FATAL, message: (e as Error).message });
    process.exit(EXIT.FATAL);
  }
  log.info('Startup complete');
  send({ t: 'ready' });
  publish();
}

async function reload(): Promise<void> {
  if (!engine) return;
  const loaded = await loadConfig(opts);
  if (!loaded.ok) {
    for (const e of loaded.errors) log.error(e);
    log.error('new configuration rejected; keeping the running one');
    send({ t: 'reloaded', ok: false, message: loaded.errors.join('; ') });
    return;
  }
  await engine.reload(loaded.model);
  send({ t: 'reloaded', ok: true });
  publish();
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (engine) await engine.stop();
  log?.info('Stopped');
  process.exit(0);
}

function dump(kind: 'data' | 'stats' | 'stats_clear' | 'json'): void {
  if (!engine) return;
  const dir = opts.dumpDir ?? '/tmp';
  try {
    const inst = engine.dumpInstances();
    if (kind === 'json') writeDump(dir, 'keepalived.json', renderJson(inst));
    else if (kind === 'data') writeDump(dir, 'keepalived.data', renderData(inst, { routerId: hostname().split('.')[0]!, mcast4: '224.0.0.18', mcast6: 'ff02::12' }));
    else {
      writeDump(dir, 'keepalived.stats', renderStats(inst));
      if (kind === 'stats_clear') engine.clearStats();
    }
    log.info(`Printing VRRP ${kind} for process(${process.pid}) on signal`);
  } catch (e) {
    log.error(`writing the ${kind} dump: ${(e as Error).message}`);
  }
}

process.on('message', (m: ParentMsg) => {
  switch (m.t) {
    case 'init': void init(m.opts); break;
    case 'reload': void reload(); break;
    case 'stop': void stop(); break;
    case 'dump': dump(m.kind); break;
    case 'status': publish(); break;
  }
});
// The parent forwards SIGTERM from its signal handler (and over IPC); a direct SIGTERM also stops
// cleanly. Watched natively: the same handler wakes the offload thread, which sends the priority-0
// adverts of every master before JavaScript runs (the fsm's shutdown then only removes VIPs).
offload()?.resignOn(SIGFUNC.STOP!);
onRawSignal(SIGFUNC.STOP!, () => void stop());
process.on('SIGINT', () => void stop());
process.on('SIGHUP', () => void reload());
// If the parent dies, keepalived's children get SIGTERM (PR_SET_PDEATHSIG); losing IPC is our equivalent.
process.on('disconnect', () => void stop());
