// keepalived-style pid files: refuse to start when the pid in the file is alive (another daemon),
// overwrite stale ones, remove ours at exit.
import { readFileSync, writeFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export function readPid(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch { return undefined; }
}

/** Write our pid; returns an error message if a live process already owns the file. */
export function claimPidFile(path: string, pid = process.pid): string | undefined {
  const old = readPid(path);
  if (old !== undefined && old !== pid && pidAlive(old)) return `daemon is already running (pid ${old} in ${path})`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${pid}\n`);
  return undefined;
}

export function releasePidFile(path: string, pid = process.pid): void {
  if (readPid(path) === pid) { try { unlinkSync(path); } catch { /* already gone */ } }
}
