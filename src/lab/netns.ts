// Network-namespace lab used by the integration tests, the benchmarks and `vipd demo`.
// Every name carries a per-run unique suffix so that
// parallel or leftover runs never collide, and teardown deletes exactly what this run created.
// Addresses: only 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and fd00::/8 (DEVELOPERS.md).
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Skip reason for tests that need root and iproute2, or undefined when they can run. */
export function labUnavailable(): string | undefined {
  if (!isRoot()) return 'needs root for network namespaces';
  try { execFileSync('ip', ['-V'], { stdio: 'ignore' }); } catch { return 'iproute2 missing'; }
  return undefined;
}

export function sh(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', input: opts.input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    if (opts.allowFail) return '';
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  }
}

export interface Host { ns: string; ifname: string; addr4?: string; addr6?: string }

/**
 * A bridge namespace plus N host namespaces, each with `eth0` on the bridge.
 * `lab.exec(host, cmd, args)` runs inside a host; `lab.spawn` starts a tracked process there.
 */
export class Lab {
  readonly id = randomBytes(3).toString('hex');
  readonly bridgeNs: string;
  readonly hosts = new Map<string, Host>();
  private readonly procs = new Set<ChildProcess>();
  private readonly namespaces: string[] = [];

  constructor(readonly prefix = 'vt') {
    this.bridgeNs = `${prefix}${this.id}-br`;
  }

  private addNs(name: string): void {
    sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
    sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  }

  nsName(host: string): string { return `${this.prefix}${this.id}-${host}`; }

  /** Create the bridge namespace (once) and one host attached to it. */
  addHost(host: string, addr4?: string, addr6?: string): Host {
    if (!this.namespaces.includes(this.bridgeNs)) {
      this.addNs(this.bridgeNs);
      sh('ip', ['-n', this.bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
      sh('ip', ['-n', this.bridgeNs, 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
      sh('ip', ['-n', this.bridgeNs, 'link', 'set', 'br0', 'up']);
    }
    const ns = this.nsName(host);
    this.addNs(ns);
    sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    const port = `p${this.hosts.size}${this.id}`;
    sh('ip', ['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', this.bridgeNs]);
    sh('ip', ['-n', this.bridgeNs, 'link', 'set', port, 'master', 'br0', 'up']);
    sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    if (addr4) sh('ip', ['-n', ns, 'addr', 'add', addr4, 'dev', 'eth0']);
    if (addr6) sh('ip', ['-n', ns, 'addr', 'add', addr6, 'dev', 'eth0', 'nodad']);
    const h: Host = { ns, ifname: 'eth0', addr4, addr6 };
    this.hosts.set(host, h);
    return h;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name} in lab ${this.id}`);
    return h;
  }

  exec(host: string, cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
    return sh('ip', ['netns', 'exec', this.host(host).ns, cmd, ...args], opts);
  }

  /** Start a process inside a host namespace; it is killed (by PID) at teardown. */
  spawn(host: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', this.host(host).ns, cmd, ...args], { stdio: 'pipe', ...opts });
    this.procs.add(p);
    p.on('exit', () => this.procs.delete(p));
    return p;
  }

  /** Kill one process started by this lab and wait for it to exit. */
  async stop(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<void> {
    if (p.exitCode !== null || p.signalCode !== null) return;
    const done = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill(signal);
    const t = setTimeout(() => { if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); }, timeoutMs);
    await done;
    clearTimeout(t);
  }

  async teardown(): Promise<void> {
    await Promise.all([...this.procs].map((p) => this.stop(p, 'SIGTERM', 2000)));
    for (const ns of this.namespaces.reverse()) sh('ip', ['netns', 'del', ns], { allowFail: true });
    this.namespaces.length = 0;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `probe` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(probe: () => T | Promise<T>, timeoutMs: number, stepMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
}
