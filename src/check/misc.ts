// MISC_CHECK: run misc_path through /bin/sh -c; exit 0 = ok, 1 = fail; with misc_dynamic an exit
// status 2..255 is healthy and sets the RS weight to status - 2. A script that outlives
// misc_timeout is killed (its whole process group, by PID) and the check fails.
import { spawn } from 'node:child_process';
import { attempt, ok, fail, errText } from './attempt.js';
import type { CheckResult, MiscCheckSpec, Runnable } from './types.js';

const MAX_OUTPUT_BYTES = 64 * 1024;

/** Map an exit status to a result, following keepalived's misc_dynamic rules. */
export function miscResult(code: number | null, signalName: string | null, dynamic: boolean, cmd: string): CheckResult {
  if (code === null) return fail(`MISC ${cmd}: killed by ${signalName ?? 'signal'}`);
  if (code === 0) return ok(`MISC ${cmd}: exit 0`);
  if (code === 1 || !dynamic) return fail(`MISC ${cmd}: exit ${code}`);
  return ok(`MISC ${cmd}: exit ${code}, weight ${code - 2}`, { weight: code - 2 });
}

export function run(spec: Runnable<MiscCheckSpec>, signal?: AbortSignal): Promise<CheckResult> {
  const timeoutMs = spec.target.timeoutMs;
  return attempt(timeoutMs, signal, `MISC ${spec.miscPath}`, (a) => {
    const child = spawn('/bin/sh', ['-c', spec.miscPath], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = 0;
    const drain = (d: Buffer): void => { out += d.length; if (out > MAX_OUTPUT_BYTES) child.stdout?.destroy(); };
    child.stdout?.on('data', drain); child.stderr?.on('data', drain);
    a.onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try { process.kill(-child.pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    });
    child.once('error', (e) => a.done(fail(`MISC ${spec.miscPath}: ${errText(e)}`)));
    child.once('exit', (code, sig) => a.done(miscResult(code, sig, spec.miscDynamic ?? false, spec.miscPath)));
  });
}
