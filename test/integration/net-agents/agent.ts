// Test-side agent: runs inside a network namespace (started with `ip netns exec NS node agent.js`)
// and exposes src/net over JSON lines on stdin/stdout, so one test can drive sockets and netlink
// in several namespaces. Requests: {"id":1,"op":"…","args":{…}}; replies {"id":1,"ok":true,"result":…};
// unsolicited events {"event":"…","data":…}.
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { openVrrpSocket, VrrpSocketPool, type VrrpLease, type VrrpSocket, type VrrpSocketOptions } from '../../../src/net/vrrp-socket.js';
import { rtnl, type AddressSpec, type RouteSpec, type RuleSpec } from '../../../src/net/rtnl.js';
import { LinkMonitor } from '../../../src/net/link-monitor.js';
import { GarpSender } from '../../../src/net/garp.js';
import { NaSender } from '../../../src/net/ndisc.js';
import { Vmac, cleanupStaleVmacs, type VmacOptions } from '../../../src/net/vmac.js';
import { K, RawSocket, sockaddrIn, ifIndex, ipMreqn } from '../../../src/net/rawsock.js';
import { readSysctl } from '../../../src/net/sysctl.js';

function out(o: unknown): void { process.stdout.write(`${JSON.stringify(o)}\n`); }

const sockets = new Map<number, VrrpSocket>();
const vmacs = new Map<string, Vmac>();
let monitor: LinkMonitor | undefined;
let nextSock = 1;
const pool = new VrrpSocketPool();
const leases = new Map<number, VrrpLease>();

type Args = Record<string, unknown>;
const ops: Record<string, (a: Args) => unknown> = {
  async openVrrp(a) {
    const s = await openVrrpSocket(a as unknown as VrrpSocketOptions);
    const id = nextSock++;
    sockets.set(id, s);
    let throwNext = a.throwFirst === true;
    s.onPacket((payload, meta) => {
      if (throwNext) { throwNext = false; throw new Error('handler failure (test)'); }
      out({ event: 'packet', data: { sock: id, payload: payload.toString('hex'), meta } });
    });
    s.onError((e) => out({ event: 'sockError', data: { sock: id, error: String(e) } }));
    return { sock: id, src: s.src, group: s.group, ifindex: s.ifindex };
  },
  send(a) {
    const s = sockets.get(a.sock as number);
    if (!s) throw new Error('no such socket');
    return s.send(Buffer.from(a.payload as string, 'hex'), a.dst as string | undefined);
  },
  async poolAcquire(a) {
    const vrid = a.vrid as number;
    const id = nextSock++;
    const lease = await pool.acquire(a.opts as VrrpSocketOptions, vrid, (payload, meta) =>
      out({ event: 'packet', data: { sock: id, payload: payload.toString('hex'), meta } }));
    leases.set(id, lease);
    return { sock: id, poolSize: pool.size };
  },
  poolSend(a) { return leases.get(a.sock as number)!.send(Buffer.from(a.payload as string, 'hex'), a.dst as string | undefined); },
  poolRelease(a) { leases.get(a.sock as number)!.release(); leases.delete(a.sock as number); return pool.size; },
  async resync() { await monitor!.resync(); return true; },
  stats(a) { return sockets.get(a.sock as number)?.stats; },
  closeVrrp(a) { sockets.get(a.sock as number)?.close(); sockets.delete(a.sock as number); return true; },
  /** A plain raw socket with an arbitrary TTL, to prove the receiver reports the real TTL. */
  rawSend4(a) {
    const s = new RawSocket(K.AF_INET, K.SOCK_RAW, K.IPPROTO_VRRP);
    try {
      s.bindToDevice(a.ifname as string).setInt(K.IPPROTO_IP, K.IP_TTL, a.ttl as number)
        .setInt(K.IPPROTO_IP, K.IP_MULTICAST_TTL, a.ttl as number)
        .setBuf(K.IPPROTO_IP, K.IP_MULTICAST_IF, ipMreqn('0.0.0.0', ifIndex(a.ifname as string)));
      return s.sendTo(Buffer.from(a.payload as string, 'hex'), sockaddrIn(a.dst as string));
    } finally { s.close(); }
  },
  addAddress(a) { return rtnl().addAddress(a as unknown as AddressSpec); },
  delAddress(a) { return rtnl().delAddress(a as unknown as AddressSpec); },
  listAddresses(a) { return rtnl().listAddresses(a.ifname as string | undefined, a.family as 4 | 6 | undefined); },
  addRoute(a) { return rtnl().addRoute(a as unknown as RouteSpec); },
  delRoute(a) { return rtnl().delRoute(a as unknown as RouteSpec); },
  addRule(a) { return rtnl().addRule(a as unknown as RuleSpec); },
  delRule(a) { return rtnl().delRule(a as unknown as RuleSpec); },
  getLink(a) { return rtnl().getLink(a.ifname as string); },
  primaryIPv4(a) { return rtnl().primaryIPv4(a.ifname as string); },
  linkLocal6(a) { return rtnl().linkLocal6(a.ifname as string); },
  setLinkUp(a) { return rtnl().setLinkUp(a.ifname as string, a.up as boolean); },
  async monitor() {
    if (monitor) return true;
    monitor = new LinkMonitor();
    monitor.on('link', (e) => out({ event: 'link', data: e }));
    monitor.on('address', (e) => out({ event: 'address', data: e }));
    monitor.on('error', (e) => out({ event: 'monitorError', data: String(e) }));
    monitor.on('resync', () => out({ event: 'resync', data: null }));
    await monitor.start();
    return true;
  },
  async garp(a) {
    const g = await GarpSender.open({ ifname: a.ifname as string, mac: a.mac as string | undefined, intervalMs: a.intervalMs as number | undefined });
    const times: number[] = [];
    try {
      const count = (a.count as number | undefined) ?? 1;
      await Promise.all(Array.from({ length: count }, () => g.send(a.vip as string).then((ok) => { times.push(performance.now()); return ok; })));
      return { stats: g.stats, mac: g.mac, times };
    } finally { g.close(); }
  },
  async na(a) {
    const n = await NaSender.open({ ifname: a.ifname as string, mac: a.mac as string | undefined, intervalMs: a.intervalMs as number | undefined });
    const times: number[] = [];
    try {
      const count = (a.count as number | undefined) ?? 1;
      await Promise.all(Array.from({ length: count }, () => n.send(a.vip as string).then((ok) => { times.push(performance.now()); return ok; })));
      return { stats: n.stats, mac: n.mac, times };
    } finally { n.close(); }
  },
  /** Wrong-family and unparsable addresses: counted errors, promises resolve false, nothing thrown. */
  async sendersBadInput(a) {
    const g = await GarpSender.open({ ifname: a.ifname as string });
    const n = await NaSender.open({ ifname: a.ifname as string });
    try {
      const r = [await g.send('fd00::1'), await g.send('not-an-ip'), await g.send('192.0.2.9', 'zz:zz'),
        await n.send('192.0.2.1'), await n.send('fd00::1', 'bad')];
      return { results: r, garp: g.stats, na: n.stats };
    } finally { g.close(); n.close(); }
  },
  async vmacCreate(a) {
    const v = await Vmac.create(a as unknown as VmacOptions);
    vmacs.set(v.ifname, v);
    return { ifname: v.ifname, index: v.index, mac: v.mac };
  },
  async vmacDestroy(a) {
    const v = vmacs.get(a.ifname as string);
    if (!v) throw new Error('no such vmac');
    await v.destroy();
    vmacs.delete(v.ifname);
    return true;
  },
  cleanupStaleVmacs(a) { return cleanupStaleVmacs(a as { prefix?: string; keep?: string[] }); },
  sysctl(a) { return readSysctl(a.key as string); },
  /** Serial add+del loops; returns microseconds per operation. */
  async bench(a) {
    const n = a.n as number;
    const nl = rtnl();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await nl.addAddress({ ifname: a.ifname as string, addr: `203.0.113.${(i % 200) + 1}`, prefix: 32 });
      await nl.delAddress({ ifname: a.ifname as string, addr: `203.0.113.${(i % 200) + 1}`, prefix: 32 });
    }
    const t1 = performance.now();
    for (let i = 0; i < n; i++) {
      await nl.addAddress({ ifname: a.ifname as string, addr: `fd00:beef::${(i % 200) + 1}`, prefix: 128, nodad: true });
      await nl.delAddress({ ifname: a.ifname as string, addr: `fd00:beef::${(i % 200) + 1}`, prefix: 128 });
    }
    const t2 = performance.now();
    for (let i = 0; i < n; i++) {
      await nl.addRoute({ dst: `198.51.100.${(i % 200) + 1}`, prefix: 32, via: a.via as string });
      await nl.delRoute({ dst: `198.51.100.${(i % 200) + 1}`, prefix: 32, via: a.via as string });
    }
    const t3 = performance.now();
    for (let i = 0; i < n; i++) {
      await nl.addRule({ family: 4, from: `198.51.100.${(i % 200) + 1}/32`, table: 100, priority: 1000 + (i % 200) });
      await nl.delRule({ family: 4, from: `198.51.100.${(i % 200) + 1}/32`, table: 100, priority: 1000 + (i % 200) });
    }
    const t4 = performance.now();
    const per = (ms: number) => Math.round((ms * 1000) / (2 * n));
    return { addr4us: per(t1 - t0), addr6us: per(t2 - t1), route4us: per(t3 - t2), rule4us: per(t4 - t3) };
  },
  exit() { setImmediate(() => process.exit(0)); return true; },
};

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let req: { id: number; op: string; args?: Args };
  try { req = JSON.parse(line) as typeof req; } catch { out({ event: 'badRequest', data: line }); return; }
  const fn = ops[req.op];
  if (!fn) { out({ id: req.id, ok: false, error: `unknown op ${req.op}` }); return; }
  Promise.resolve().then(() => fn(req.args ?? {})).then(
    (result) => out({ id: req.id, ok: true, result: result ?? null }),
    (e: unknown) => out({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e), code: (e as { code?: string }).code }),
  );
});
rl.on('close', () => process.exit(0));
out({ event: 'ready', data: { pid: process.pid } });
