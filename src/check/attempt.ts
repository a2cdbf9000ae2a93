// Shared plumbing for one check attempt: a deadline folded into the caller's AbortSignal, and a
// way to run socket code that must settle exactly once (success, failure, timeout or abort) and
// always release its resources. Every checker goes through this so none can hang or leak.

import type { CheckResult } from './types.js';

export const ok = (detail: string, extra: Partial<CheckResult> = {}): CheckResult => ({ ok: true, detail, ...extra });
export const fail = (detail: string): CheckResult => ({ ok: false, detail });

export interface Attempt {
  /** Settle the attempt; later calls are ignored. */
  done(r: CheckResult): void;
  /** Register cleanup (destroy socket, clear timer...) run once when the attempt settles. */
  onCleanup(fn: () => void): void;
  readonly settled: boolean;
}

/**
 * Run `body` until it calls `done`, the deadline passes (→ failure "timeout after N ms") or
 * `signal` aborts (→ failure "aborted"). Exceptions thrown by body become failures, never crashes.
 */
export function attempt(timeoutMs: number, signal: AbortSignal | undefined, what: string,
  body: (a: Attempt) => void | Promise<void>): Promise<CheckResult> {
  return new Promise<CheckResult>((resolve) => {
    const cleanups: Array<() => void> = [];
    let settled = false;
    const a: Attempt = {
      get settled() { return settled; },
      onCleanup(fn) { if (settled) { safe(fn); } else cleanups.push(fn); },
      done(r) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        for (const fn of cleanups.reverse()) safe(fn);
        resolve(r);
      },
    };
    const onAbort = (): void => a.done(fail(`${what}: aborted`));
    const timer = setTimeout(() => a.done(fail(`${what}: timeout after ${timeoutMs} ms`)), timeoutMs);
    if (signal?.aborted) { a.done(fail(`${what}: aborted`)); return; }
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const p = body(a);
      if (p) p.catch((e: unknown) => a.done(fail(`${what}: ${errText(e)}`)));
    } catch (e) {
      a.done(fail(`${what}: ${errText(e)}`));
    }
  });
}

function safe(fn: () => void): void { try { fn(); } catch { /* cleanup must not throw past settle */ } }

export function errText(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown };
    if (typeof o.code === 'string' && typeof o.message === 'string' && !o.message.includes(o.code)) return `${o.code} ${o.message}`;
    if (typeof o.message === 'string') return o.message;
  }
  return String(e);
}
