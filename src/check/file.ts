// FILE_CHECK: read a number from track_file. With weight 0 any non-zero value is a failure;
// otherwise value × weight (negated with `reverse`) is added to the RS weight, and a resulting
// weight below zero fails the check. A missing or unreadable file is a failure (reported).
import { open } from 'node:fs/promises';
import { ok, fail, errText } from './attempt.js';
import type { CheckResult, FileCheckSpec, Runnable } from './types.js';

export function fileResult(text: string, weight: number, reverse: boolean, path: string): CheckResult {
  const m = /^\s*(-?\d+)/.exec(text);
  const value = m ? Number(m[1]) : 0; // keepalived reads a non-number as 0
  if (weight === 0) return value === 0 ? ok(`FILE ${path}: 0`) : fail(`FILE ${path}: value ${value}`);
  const delta = value * weight * (reverse ? -1 : 1);
  return ok(`FILE ${path}: value ${value}, weight ${delta >= 0 ? '+' : ''}${delta}`, { weightDelta: delta });
}

export async function run(spec: Runnable<FileCheckSpec>, _signal?: AbortSignal): Promise<CheckResult> {
  let text: string;
  try {
    // bounded read: only the leading number matters, whatever the file's size
    const fh = await open(spec.trackFile, 'r');
    try {
      const buf = Buffer.alloc(64);
      const { bytesRead } = await fh.read(buf, 0, 64, 0);
      text = buf.subarray(0, bytesRead).toString('latin1');
    } finally { await fh.close(); }
  } catch (e) {
    return fail(`FILE ${spec.trackFile}: ${errText(e)}`);
  }
  return fileResult(text, spec.weight ?? 1, spec.reverse ?? false, spec.trackFile);
}
