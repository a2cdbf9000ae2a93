// keepalived's signal set, including the real-time ones Node cannot subscribe to (JSON = SIGRTMIN+2,
// STATS_CLEAR = SIGRTMAX-1 on Linux/glibc), delivered through the addon's sigwatch socketpair.
import { createRequire } from 'node:module';

export const SIGFUNC: Record<string, number> = { STOP: 15, RELOAD: 1, DATA: 10, STATS: 12, STATS_CLEAR: 63, JSON: 36 };

interface Addon {
  sigwatch(signum: number): number;
  sigforward(signum: number): void;
  forwardpids(pids: number[]): void;
  poll(fd: number, cb: () => void): unknown;
  unpoll(h: unknown): void;
  recvmsg(fd: number, data: Buffer, name: Buffer, ctl: Buffer, lens: Uint32Array): number;
}

let addon: Addon | undefined;
let fd = -1;
let handle: unknown;
const handlers = new Map<number, () => void>();

function load(): Addon {
  addon ??= createRequire(import.meta.url)('../../../build/Release/rawsock.node') as Addon;
  return addon;
}

/** Call `fn` on the main loop whenever signal `signum` (1..64, also real-time) arrives. */
export function onRawSignal(signum: number, fn: () => void): void {
  const a = load();
  fd = a.sigwatch(signum);
  handlers.set(signum, fn);
  if (handle !== undefined) return;
  const data = Buffer.alloc(16), name = Buffer.alloc(0), ctl = Buffer.alloc(0), lens = new Uint32Array(2);
  handle = a.poll(fd, () => {
    for (;;) {
      const n = a.recvmsg(fd, data, name, ctl, lens);
      if (n <= 0) return;
      handlers.get(data[0]!)?.();
    }
  });
}

/**
 * On `signum` (watched with onRawSignal), send SIGTERM to the pids of setForwardPids from the signal
 * handler itself: the children start stopping without waiting for this process's event loop.
 */
export function forwardSignal(signum: number): void {
  load().sigforward(signum);
}

/** The children that forwarded signals go to (replaces the list; at most 8). */
export function setForwardPids(pids: number[]): void {
  load().forwardpids(pids);
}

/** Stop watching (lets the loop exit); the handlers stay installed so late signals are still harmless. */
export function closeRawSignals(): void {
  if (handle !== undefined && addon) addon.unpoll(handle);
  handle = undefined;
}
