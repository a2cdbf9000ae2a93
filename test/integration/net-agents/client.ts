// Test-side handle on an agent process running in a Lab host namespace.
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { Lab } from '../../helpers/netns.js';

export const AGENT_JS = fileURLToPath(new URL('./agent.js', import.meta.url));

export interface AgentEvent { event: string; data: any }

export class Agent extends EventEmitter {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  readonly events: AgentEvent[] = [];
  stderr = '';

  private constructor(readonly proc: ChildProcess, readonly host: string) {
    super();
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let msg: any;
      try { msg = JSON.parse(line); } catch { return; }
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (!p) return;
        if (msg.ok) p.resolve(msg.result);
        else p.reject(Object.assign(new Error(`${host}: ${msg.error}`), { code: msg.code }));
      } else {
        this.events.push(msg);
        this.emit('event', msg);
      }
    });
    proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    proc.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`${host}: agent exited (${code}); stderr: ${this.stderr}`));
      this.pending.clear();
    });
  }

  static async start(lab: Lab, host: string): Promise<Agent> {
    const a = new Agent(lab.spawn(host, process.execPath, [AGENT_JS]), host);
    await a.waitEvent((e) => e.event === 'ready', 15000);
    return a;
  }

  call<T = any>(op: string, args: Record<string, unknown> = {}, timeoutMs = 15000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const t = setTimeout(() => { this.pending.delete(id); reject(new Error(`${this.host}: ${op} timed out; stderr: ${this.stderr}`)); }, timeoutMs);
      this.pending.set(id, { resolve: (v) => { clearTimeout(t); resolve(v); }, reject: (e) => { clearTimeout(t); reject(e); } });
      this.proc.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }

  /** Resolve with the first event (already received or future) matching `pred`. */
  waitEvent(pred: (e: AgentEvent) => boolean, timeoutMs: number): Promise<AgentEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const on = (e: AgentEvent) => { if (pred(e)) { clearTimeout(t); this.off('event', on); resolve(e); } };
      const t = setTimeout(() => { this.off('event', on); reject(new Error(`${this.host}: no matching event within ${timeoutMs} ms; stderr: ${this.stderr}`)); }, timeoutMs);
      this.on('event', on);
    });
  }

  packets(sock?: number): Array<{ sock: number; payload: string; meta: { src: string; dst: string; ttl: number; ifname?: string } }> {
    return this.events.filter((e) => e.event === 'packet' && (sock === undefined || e.data.sock === sock)).map((e) => e.data);
  }

  clearEvents(): void { this.events.length = 0; }
}

/**
 * Start tcpdump in a lab host and resolve with its text output once `count` packets were seen
 * (or after `timeoutMs`). Resolves `ready` when tcpdump is listening.
 */
export function capture(lab: Lab, host: string, ifname: string, filter: string, count: number, timeoutMs = 10000):
  { ready: Promise<void>; done: Promise<string> } {
  const p = lab.spawn(host, 'tcpdump', ['-i', ifname, '-nn', '-v', '-e', '-l', '-c', String(count), filter]);
  let outText = '', errText = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => { readyResolve = r; });
  p.stdout!.on('data', (d: Buffer) => { outText += d.toString(); });
  p.stderr!.on('data', (d: Buffer) => { errText += d.toString(); if (errText.includes('listening on')) readyResolve(); });
  const done = new Promise<string>((resolve) => {
    const t = setTimeout(() => { void lab.stop(p); }, timeoutMs);
    p.on('exit', () => { clearTimeout(t); resolve(outText); });
  });
  return { ready, done };
}
