// Attacker agent for the hostile-packet tests: runs inside a lab namespace
// (`lab.spawn(host, process.execPath, [ATTACKER_JS, ifname])`) and sends whatever VRRP payloads the
// test hands it on a raw IP-protocol-112 socket; the kernel writes the IP header, with the TTL the
// test asks for (multicast and unicast TTL are set per batch, so no IP_HDRINCL is needed).
// IPv6 (a `dst` with a colon) goes out on an IPv6 raw socket; the kernel fills in the VRRPv3
// checksum unless `rawChecksum` asks to send the payload's own (possibly wrong) checksum bytes.
// Protocol: one JSON request per stdin line
//   {"id":1,"payload":"<hex>","dst":"224.0.0.18","ttl":255,"count":10,"burst":50,"gapMs":1}
// (count copies, `burst` back to back, then `gapMs` pause), answered by {"id":1,"sent":n,"full":m}
// where `full` counts sends that found the socket buffer full (they are retried, so sent == count).
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { K, RawSocket, ifIndex, ipMreqn, sockaddrIn, sockaddrIn6 } from '../../src/net/rawsock.js';

export const ATTACKER_JS = fileURLToPath(import.meta.url);

interface SendRequest { id: number; payload: string; dst: string; ttl?: number; count?: number; burst?: number; gapMs?: number; rawChecksum?: boolean }

function out(o: unknown): void { process.stdout.write(`${JSON.stringify(o)}\n`); }

function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

async function main(ifname: string): Promise<void> {
  const ifindex = ifIndex(ifname);
  const sock4 = new RawSocket(K.AF_INET, K.SOCK_RAW, K.IPPROTO_VRRP);
  sock4.bindToDevice(ifname)
    .setInt(K.IPPROTO_IP, K.IP_MULTICAST_LOOP, 0)
    .setBuf(K.IPPROTO_IP, K.IP_MULTICAST_IF, ipMreqn('0.0.0.0', ifindex));
  const open6 = (kernelChecksum: boolean): RawSocket => {
    const s = new RawSocket(K.AF_INET6, K.SOCK_RAW, K.IPPROTO_VRRP);
    s.bindToDevice(ifname).setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_LOOP, 0).setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_IF, ifindex);
    if (kernelChecksum) s.setInt(K.IPPROTO_IPV6, K.IPV6_CHECKSUM, 6);
    return s;
  };
  const sock6 = open6(true);
  const sock6raw = open6(false);
  // Requests are served one at a time, in order, so a flood never interleaves with the next case.
  let chain = Promise.resolve();
  const serve = async (req: SendRequest): Promise<void> => {
    const payload = Buffer.from(req.payload, 'hex');
    const ttl = req.ttl ?? 255;
    const v6 = req.dst.includes(':');
    const sock = v6 ? (req.rawChecksum ? sock6raw : sock6) : sock4;
    if (v6) sock.setInt(K.IPPROTO_IPV6, K.IPV6_UNICAST_HOPS, ttl).setInt(K.IPPROTO_IPV6, K.IPV6_MULTICAST_HOPS, ttl);
    else sock.setInt(K.IPPROTO_IP, K.IP_TTL, ttl).setInt(K.IPPROTO_IP, K.IP_MULTICAST_TTL, ttl);
    const to = v6 ? sockaddrIn6(req.dst, ifindex) : sockaddrIn(req.dst);
    const count = req.count ?? 1, burst = req.burst ?? 1, gap = req.gapMs ?? 0;
    let sent = 0, full = 0;
    while (sent < count) {
      for (let i = 0; i < burst && sent < count; i++) {
        if (sock.sendTo(payload, to) < 0) { full++; await sleep(1); i--; continue; }
        sent++;
      }
      if (sent < count) await sleep(gap);
    }
    out({ id: req.id, sent, full });
  };
  createInterface({ input: process.stdin }).on('line', (line) => {
    let req: SendRequest;
    try { req = JSON.parse(line) as SendRequest; } catch { out({ error: `bad request: ${line}` }); return; }
    chain = chain.then(() => serve(req)).catch((e: unknown) => out({ id: req.id, error: String((e as Error).message ?? e) }));
  }).on('close', () => { for (const s of [sock4, sock6, sock6raw]) s.close(); process.exit(0); });
  out({ ready: true, pid: process.pid });
}

if (process.argv[1] === ATTACKER_JS) void main(process.argv[2] ?? 'eth0');

/** Test-side handle on an attacker agent running in a lab host. */
export class Attacker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: { sent: number; full: number }) => void; reject: (e: Error) => void }>();
  private stderr = '';
  private readyResolve!: () => void;
  readonly ready = new Promise<void>((r) => { this.readyResolve = r; });

  constructor(readonly proc: import('node:child_process').ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let msg: { id?: number; ready?: boolean; sent?: number; full?: number; error?: string };
      try { msg = JSON.parse(line) as typeof msg; } catch { return; }
      if (msg.ready) { this.readyResolve(); return; }
      const p = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
      if (!p) return;
      this.pending.delete(msg.id!);
      if (msg.error) p.reject(new Error(`attacker: ${msg.error}`));
      else p.resolve({ sent: msg.sent!, full: msg.full! });
    });
    proc.stderr!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
    proc.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`attacker exited (${code}): ${this.stderr}`));
      this.pending.clear();
    });
  }

  send(req: Omit<SendRequest, 'id' | 'payload'> & { payload: Buffer }, timeoutMs = 60_000): Promise<{ sent: number; full: number }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.pending.delete(id); reject(new Error(`attacker: request ${id} timed out; stderr: ${this.stderr}`)); }, timeoutMs);
      this.pending.set(id, { resolve: (v) => { clearTimeout(t); resolve(v); }, reject: (e) => { clearTimeout(t); reject(e); } });
      this.proc.stdin!.write(`${JSON.stringify({ ...req, id, payload: req.payload.toString('hex') })}\n`);
    });
  }
}
