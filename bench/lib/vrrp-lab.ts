// The VRRP bench topology: two daemon hosts (n1, n2) and a silent observer (obs) on one bridge, with an
// address monitor in each daemon host and tcpdump on the observer. Both daemons (vipd and Debian's
// keepalived) run on exactly this topology, one pair at a time.
import { readFileSync, rmSync } from 'node:fs';
import { Lab, sleep } from '../../src/lab/netns.js';
import { startNode, ready, crash, type NodeProc } from '../../test/helpers/vipd-node.js';
import { AddrWatch, AdvertWatch, procTree } from './observe.js';

export type Daemon = 'vipd' | 'keepalived';
export const DAEMONS: readonly Daemon[] = ['vipd', 'keepalived'];

export const N1_ADDR = '192.0.2.1';
export const N2_ADDR = '192.0.2.2';

function alive(pid: number): boolean {
  const st = (() => { try { return readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return ''; } })();
  return st !== '' && !/\) Z /.test(st);
}

export class VrrpLab {
  readonly lab = new Lab('vbv');
  readonly watch = new Map<string, AddrWatch>();
  adverts!: AdvertWatch;
  private readonly nodes = new Set<NodeProc>();

  async setup(): Promise<void> {
    this.lab.addHost('n1', `${N1_ADDR}/24`);
    this.lab.addHost('n2', `${N2_ADDR}/24`);
    this.lab.addHost('obs');
    for (const h of ['n1', 'n2']) this.watch.set(h, new AddrWatch(this.lab, h));
    this.adverts = new AdvertWatch(this.lab, 'obs');
    await Promise.all([...this.watch.values()].map((w) => w.ready()));
    await this.adverts.ready();
  }

  w(host: 'n1' | 'n2'): AddrWatch { return this.watch.get(host)!; }

  /** Start a daemon and wait for its 'Startup complete'. */
  async start(host: 'n1' | 'n2', kind: Daemon, config: string): Promise<NodeProc> {
    const n = startNode(this.lab, host, kind, config);
    this.nodes.add(n);
    try { return await ready(n, 30_000); } catch (e) { await this.stop(n); throw e; }
  }

  /** Every live PID of a node: the daemon parent and all its descendants. */
  pids(n: NodeProc): number[] {
    return n.proc.pid ? procTree(n.proc.pid) : [];
  }

  /** Wait until none of pids is alive; SIGKILL stragglers (by PID) after timeoutMs. */
  private async reap(pids: number[], timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (pids.some(alive)) {
      if (Date.now() > end) {
        for (const p of pids.filter(alive)) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
        await sleep(100);
        return;
      }
      await sleep(20);
    }
  }

  /** SIGTERM (the daemon cleans up its VIPs), then make sure the whole tree is gone. */
  async stop(n: NodeProc): Promise<void> {
    const pids = this.pids(n);
    await this.lab.stop(n.proc, 'SIGTERM', 8000);
    await this.reap(pids, 3000);
    this.nodes.delete(n);
    rmSync(n.dir, { recursive: true, force: true });
  }

  /** kill -9 of every process of the node; returns once they are all gone. */
  async crash(n: NodeProc): Promise<void> {
    const pids = this.pids(n);
    crash(n);
    for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    await this.reap(pids, 3000);
    this.nodes.delete(n);
    rmSync(n.dir, { recursive: true, force: true });
  }

  /** Remove whatever VIPs a crashed daemon left behind, so that every run starts from a clean host. */
  flushVips(host: 'n1' | 'n2', keep: string): void {
    const out = this.lab.exec(host, 'ip', ['-o', 'addr', 'show', 'dev', 'eth0'], { allowFail: true });
    for (const line of out.split('\n')) {
      const m = /\sinet6?\s+(\S+)/.exec(line);
      if (!m || m[1]!.startsWith(`${keep}/`) || /^fe80:/i.test(m[1]!)) continue;
      this.lab.exec(host, 'ip', ['addr', 'del', m[1]!, 'dev', 'eth0'], { allowFail: true });
    }
  }

  /** SIGTERM every daemon this lab still runs. */
  async stopAll(): Promise<void> {
    for (const n of [...this.nodes]) await this.stop(n);
  }

  /** Stop every daemon still running (by PID) and delete the namespaces; safe to call on any failure. */
  async teardown(): Promise<void> {
    for (const n of [...this.nodes]) { try { await this.crash(n); } catch { /* keep tearing down */ } }
    if (this.adverts) { try { this.observerSummary = await this.adverts.close(this.lab); } catch { /* keep tearing down */ } }
    await this.lab.teardown();
  }

  /** tcpdump's exit counters of the observer, after teardown (lost observations show up here). */
  observerSummary: string[] = [];

  outputs(): string {
    return [...this.nodes].map((n) => `---- ${n.kind} on ${n.host}:\n${n.output().split('\n').slice(-40).join('\n')}`).join('\n');
  }
}
