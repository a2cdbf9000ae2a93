// Kernel parameters under /proc/sys of the current network namespace (net.* is per namespace).
// Keys use '/' separators so interface names with dots (vrrp.51) need no escaping:
// 'net/ipv4/conf/vrrp.51/arp_ignore'. procfs reads/writes are in-memory, so the sync calls here
// take microseconds and do not stall the event loop.
import { readFileSync, writeFileSync } from 'node:fs';

export function sysctlPath(key: string): string {
  if (key.includes('..') || key.startsWith('/')) throw new Error(`bad sysctl key ${JSON.stringify(key)}`);
  return `/proc/sys/${key}`;
}

/** The value, or undefined if the key does not exist (e.g. the interface is gone). */
export function readSysctl(key: string): string | undefined {
  try {
    return readFileSync(sysctlPath(key), 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export function writeSysctl(key: string, value: string | number): void {
  try {
    writeFileSync(sysctlPath(key), `${value}\n`);
  } catch (e) {
    throw new Error(`sysctl ${key.replaceAll('/', '.')}=${value}: ${(e as Error).message}`);
  }
}

export function ipv4Conf(ifname: string, key: string): string { return `net/ipv4/conf/${ifname}/${key}`; }
export function ipv6Conf(ifname: string, key: string): string { return `net/ipv6/conf/${ifname}/${key}`; }

/** Remembers the first value it overwrote for each key, so restore() puts things back as found. */
export class SysctlJournal {
  private readonly saved = new Map<string, string>();

  set(key: string, value: string | number): void {
    const old = readSysctl(key);
    if (old === undefined) throw new Error(`sysctl ${key.replaceAll('/', '.')} does not exist`);
    if (!this.saved.has(key)) this.saved.set(key, old);
    if (old !== String(value)) writeSysctl(key, value);
  }

  get keys(): string[] { return [...this.saved.keys()]; }

  /** Restore in reverse order; keys that vanished (interface deleted) are skipped. */
  restore(): void {
    for (const [key, value] of [...this.saved].reverse()) {
      if (readSysctl(key) !== undefined) writeSysctl(key, value);
    }
    this.saved.clear();
  }
}
