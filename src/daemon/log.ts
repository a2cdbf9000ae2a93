// Logging as keepalived does it: syslog (facility from -S, default daemon) unless -l/--log-console,
// optional detail (-D), optional log file (-g). Console lines are `time proc[pid]: message`, or JSON
// lines with VIPD_LOG_JSON=1 (structured logs for collectors). Syslog goes to /dev/log through the
// native addon (Node has no AF_UNIX datagram sockets).
import { appendFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';

export type Level = 'error' | 'warn' | 'info' | 'debug';
const SYSLOG_SEVERITY: Record<Level, number> = { error: 3, warn: 4, info: 6, debug: 7 };
const FACILITIES: Record<string, number> = { daemon: 3, user: 1, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23 };

export function parseFacility(s: string | undefined): number | undefined {
  if (s === undefined) return FACILITIES.daemon;
  if (/^[0-7]$/.test(s)) return 16 + Number(s); // keepalived: -S 0..7 means local0..local7
  return FACILITIES[s];
}

export interface LogOptions {
  console?: boolean; // -l
  detail?: boolean; // -D
  syslog?: boolean; // false with -G
  facility?: number;
  file?: string; // -g
  json?: boolean;
  proc?: string; // process tag: Keepalived_vrrp style
}

interface SyslogSink { send(line: string): void }

function openSyslog(): SyslogSink | undefined {
  if (!existsSync('/dev/log')) return undefined;
  try {
    const require = createRequire(import.meta.url);
    const raw = require('../../../build/Release/rawsock.node') as {
      open(f: number, t: number, p: number): number; sendto(fd: number, d: Buffer, sa: Buffer): number;
    };
    const fd = raw.open(1 /* AF_UNIX */, 2 /* SOCK_DGRAM */, 0);
    const sa = Buffer.alloc(110);
    sa.writeUInt16LE(1, 0);
    sa.write('/dev/log', 2);
    return { send: (line) => { try { raw.sendto(fd, Buffer.from(line), sa); } catch { /* syslog down: drop */ } } };
  } catch {
    return undefined;
  }
}

export class Logger {
  private sink?: SyslogSink;
  constructor(private readonly opts: LogOptions = { console: true }) {
    this.opts = { ...opts, json: opts.json ?? process.env.VIPD_LOG_JSON === '1' };
    if (opts.syslog !== false && !opts.console) this.sink = openSyslog();
  }

  child(proc: string): Logger {
    return new Logger({ ...this.opts, proc });
  }

  log(level: Level, msg: string, fields?: Record<string, unknown>): void {
    if (level === 'debug' && !this.opts.detail) return;
    const proc = this.opts.proc ?? 'vipd';
    if (this.opts.console || this.opts.file) {
      const line = this.opts.json
        ? JSON.stringify({ time: new Date().toISOString(), level, proc, pid: process.pid, msg, ...fields })
        : `${new Date().toISOString()} ${proc}[${process.pid}]: ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`;
      if (this.opts.console) (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(line + '\n');
      if (this.opts.file) { try { appendFileSync(this.opts.file, line + '\n'); } catch { /* unwritable log file: keep running */ } }
    }
    if (this.sink) {
      const pri = (this.opts.facility ?? 3) * 8 + SYSLOG_SEVERITY[level];
      this.sink.send(`<${pri}>${proc}[${process.pid}]: ${msg}`);
    }
  }

  error(msg: string, f?: Record<string, unknown>): void { this.log('error', msg, f); }
  warn(msg: string, f?: Record<string, unknown>): void { this.log('warn', msg, f); }
  info(msg: string, f?: Record<string, unknown>): void { this.log('info', msg, f); }
  debug(msg: string, f?: Record<string, unknown>): void { this.log('debug', msg, f); }
}
