// Side effects of state changes: notify_up/notify_down/quorum_up/quorum_down scripts and the
// lvs_notify_fifo lines. Scripts run detached through /bin/sh -c, are never awaited by the
// checker loops, and are killed (by process group id) if they outlive their timeout.
import { spawn } from 'node:child_process';
import { openSync, writeSync, closeSync, constants } from 'node:fs';
import { formatEndpoint } from './types.js';

export const SCRIPT_TIMEOUT_MS = 30_000;

export function runScript(cmd: string, timeoutMs = SCRIPT_TIMEOUT_MS): Promise<number | null> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn('/bin/sh', ['-c', cmd], { stdio: 'ignore', detached: true });
    } catch { resolve(null); return; }
    const t = setTimeout(() => { try { if (child.pid) process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    child.once('error', () => { clearTimeout(t); resolve(null); });
    child.once('exit', (code) => { clearTimeout(t); resolve(code); });
  });
}

/** keepalived's lvs_notify_fifo lines, e.g. `RS [1.2.3.4]:tcp:80 [192.168.201.15]:tcp:80 UP`. */
export function vsFifoLine(vsEndpoint: string, up: boolean): string {
  return `VS ${vsEndpoint} ${up ? 'UP' : 'DOWN'}\n`;
}
export function rsFifoLine(rsIp: string, proto: string, rsPort: number, vsEndpoint: string, up: boolean): string {
  return `RS ${formatEndpoint(rsIp, proto, rsPort)} ${vsEndpoint} ${up ? 'UP' : 'DOWN'}\n`;
}

/**
 * Writer for a FIFO or plain file. Opened non-blocking so a FIFO nobody reads never stalls the
 * checker: lines that cannot be written are counted in `dropped`.
 */
export class NotifyFifo {
  private fd: number | undefined;
  dropped = 0;
  constructor(readonly path: string) {}

  write(line: string): void {
    try {
      this.fd ??= openSync(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o600);
      writeSync(this.fd, line);
    } catch {
      this.dropped++;
      if (this.fd !== undefined) { try { closeSync(this.fd); } catch { /* ignore */ } this.fd = undefined; }
    }
  }

  close(): void {
    if (this.fd !== undefined) { try { closeSync(this.fd); } catch { /* ignore */ } this.fd = undefined; }
  }
}
