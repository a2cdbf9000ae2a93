// Shared pieces of the interop and hostile-packet tests: a skip reason when a real peer is missing,
// RFC 3768/5798 timer arithmetic for the assertions, and node bookkeeping that prints every node's
// log when a test fails (a failover test that fails without logs is a riddle).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type Lab } from './netns.js';
import { VIPD_BIN, hasAddress, ready, startNode, tempDir, type NodeProc } from './vipd-node.js';

/** Skip reason when Debian's keepalived is not installed, else undefined. */
export function keepalivedMissing(): string | undefined {
  try { execFileSync('keepalived', ['--version'], { stdio: 'ignore' }); return undefined; } catch { return 'keepalived not installed'; }
}

/** Skew_Time in ms: (256 − prio) × interval / 256 (v2 with whole seconds gives the RFC 3768 value). */
export function skewMs(advertSec: number, prio: number): number {
  return ((256 - prio) * advertSec * 1000) / 256;
}

/** Master_Down_Interval in ms: 3 × interval + Skew_Time. */
export function masterDownMs(advertSec: number, prio: number): number {
  return 3 * advertSec * 1000 + skewMs(advertSec, prio);
}

/** Which of `hosts` currently carry `vip` (as `ip addr` shows it). */
export function holders(lab: Lab, hosts: string[], vip: string): string[] {
  return hosts.filter((h) => hasAddress(lab, h, vip));
}

/**
 * Nodes started by one test, so that a failure can show what each logged and cleanup can find them.
 * `run(fn)` clears the list, runs fn and prints the logs if it throws.
 */
export class NodeBook {
  readonly nodes: NodeProc[] = [];

  async start(lab: Lab, host: string, kind: 'vipd' | 'keepalived', config: string, env?: Record<string, string>): Promise<NodeProc> {
    const n = env && kind === 'vipd' ? startVipdEnv(lab, host, config, env) : startNode(lab, host, kind, config);
    this.nodes.push(n);
    return ready(n);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.nodes.length = 0;
    try { return await fn(); } catch (e) {
      for (const n of this.nodes) console.log(`# ---- ${n.kind} on ${n.host}:\n${n.output().replace(/^/gm, '# ')}`);
      throw e;
    }
  }
}

/**
 * startNode for vipd with extra environment (e.g. VIPD_API_LISTEN to turn the status API on, which
 * startNode switches off).
 */
export function startVipdEnv(lab: Lab, host: string, config: string, env: Record<string, string>, dir = tempDir(`vt-${host}-`)): NodeProc {
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, config);
  const args = ['-n', '-l', '-D', '-f', conf, '-p', join(dir, 'parent.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'check.pid')];
  const proc = lab.spawn(host, process.execPath, [VIPD_BIN, ...args], { env: { ...process.env, VIPD_DUMP_DIR: dir, VIPD_API_LISTEN: 'off', ...env } });
  let out = '';
  proc.stdout?.on('data', (d) => { out += d; });
  proc.stderr?.on('data', (d) => { out += d; });
  return { host, kind: 'vipd', dir, conf, proc, output: () => out };
}

/**
 * Start Debian's keepalived with a private /tmp (a bind mount in its own mount namespace), so its
 * signal dumps (/tmp/keepalived.json, .stats, .data: fixed paths in 2.2.7) land in this node's
 * directory and never meet another run's. The node's `dir` is that private /tmp.
 */
export function startKeepalivedPrivateTmp(lab: Lab, host: string, config: string): NodeProc {
  const dir = join(tempDir(`vt-${host}-`), 'tmp');
  mkdirSync(dir);
  writeFileSync(join(dir, 'keepalived.conf'), config);
  const inner = '/tmp'; // where dir appears inside the mount namespace
  const ka = ['keepalived', '-n', '-l', '-D', '-f', `${inner}/keepalived.conf`, '-p', `${inner}/parent.pid`, '-r', `${inner}/vrrp.pid`, '-c', `${inner}/check.pid`];
  const proc = lab.spawn(host, 'unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount --bind "$0" /tmp && exec "$@"`, dir, ...ka]);
  let out = '';
  proc.stdout?.on('data', (d) => { out += d; });
  proc.stderr?.on('data', (d) => { out += d; });
  return { host, kind: 'keepalived', dir, conf: join(dir, 'keepalived.conf'), proc, output: () => out };
}

/** keepalived's JSON dump (signal 36 to the parent) from a node started with startKeepalivedPrivateTmp. */
export async function keepalivedJson(n: NodeProc): Promise<Array<{ data: Record<string, unknown>; stats: Record<string, number> }>> {
  const pid = Number(readFileSync(join(n.dir, 'parent.pid'), 'utf8').trim());
  const file = join(n.dir, 'keepalived.json');
  rmSync(file, { force: true });
  process.kill(pid, 36);
  // keepalived writes the file in place: wait until it parses.
  let parsed: Array<{ data: Record<string, unknown>; stats: Record<string, number> }> | undefined;
  await waitFor(() => {
    try { parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed; return true; } catch { return false; }
  }, 5000, 20);
  return parsed!;
}
