// A vipd MASTER/BACKUP pair (v2, auth PASS) and an attacker on the same segment that sends crafted
// VRRP packets from a raw socket: wrong TTL, bad checksum, wrong version, wrong auth type/password,
// wrong type, interval, address count/list, truncated and over-long payloads, unknown VRID, random
// bytes, priority-255 adverts with a wrong password, and a flood of thousands of those. vipd must
// keep its state (the master keeps the VIP, the backup stays backup, both processes stay up) and
// count every drop under its reason: vipd's own per-reason counters from the status API and
// keepalived's counters from the JSON dump. The positive control (a correct higher-priority advert
// does make the master step down) shows the attacker's packets do reach vipd.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Lab, labUnavailable, sleep, waitFor } from '../helpers/netns.js';
import { jsonDump, pidOf, waitForHolder, vrrpConf, type NodeProc } from '../helpers/vipd-node.js';
import { NodeBook, holders, masterDownMs } from '../helpers/interop.js';
import { ATTACKER_JS, Attacker } from '../helpers/vrrp-attacker.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import type { Advert } from '../../src/vrrp/types.js';
import type { DaemonStatus } from '../../src/api/status.js';

const skip = labUnavailable();
const VIP = '192.0.2.100';
const ATTACKER = '192.0.2.66';
const GROUP = '224.0.0.18';
const VRID = 51;
const PASS = 'secret';
const API_PORT = 9717; // on n1's own loopback: every namespace has its own
const hosts = ['n1', 'n2'];
const VIP6 = 'fd00:1::100';
const GROUP6 = 'ff02::12';
const VRID6 = 52;

let lab: Lab;
let n1: NodeProc;
let n2: NodeProc;
let attacker: Attacker;
const book = new NodeBook();

/** Two instances per node: V4 (v2, PASS) and V6 (v3 over IPv6, no authentication in v3). */
function conf(prio: number, state: 'MASTER' | 'BACKUP'): string {
  const v6 = `vrrp_instance V6 {
  state ${state}
  interface eth0
  virtual_router_id ${VRID6}
  priority ${prio}
  advert_int 1
  version 3
  virtual_ipaddress {
    ${VIP6}/64
  }
}
`;
  // log_unknown_vrids: the only place a packet for a VRID nobody runs here shows up.
  return vrrpConf({ name: 'V4', state, prio, vrid: VRID, auth: PASS, vip: `${VIP}/24`, top: v6, global: 'log_unknown_vrids' });
}

before(async () => {
  if (skip) return;
  lab = new Lab('hp');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('n2', '192.0.2.2/24');
  lab.addHost('attacker', `${ATTACKER}/24`);
  await book.run(async () => {
    n1 = await book.start(lab, 'n1', 'vipd', conf(150, 'MASTER'), { VIPD_API_LISTEN: `127.0.0.1:${API_PORT}` });
    n2 = await book.start(lab, 'n2', 'vipd', conf(100, 'BACKUP'));
    attacker = new Attacker(lab.spawn('attacker', process.execPath, [ATTACKER_JS, 'eth0']));
    await attacker.ready;
    await waitForHolder(lab, hosts, 'n1', VIP, 10_000);
    await waitForHolder(lab, hosts, 'n1', VIP6, 10_000);
  });
});
after(async () => {
  if (!lab) return;
  for (const n of [n1, n2]) if (n) await lab.stop(n.proc, 'SIGTERM', 8000);
  await lab.teardown();
});

/** A correct advert for our VRID from the attacker; `over` changes fields before encoding. */
function advert(over: Partial<Advert> = {}): Advert {
  return {
    version: 2, type: 1, vrid: VRID, priority: 254, advertIntCs: 100, authType: 1, authData: pass(PASS),
    checksum: 0, family: 4, addrs: [VIP], ...over,
  };
}

function pass(p: string): Buffer {
  const b = Buffer.alloc(8);
  Buffer.from(p).copy(b);
  return b;
}

function encode(a: Advert): Buffer {
  return encodeAdvert(a, { src: ATTACKER, dst: GROUP });
}

/** n1's status from its API (fetched inside n1's namespace; published by the VRRP child every 2 s). */
function apiStatus(): DaemonStatus {
  const js = `fetch('http://127.0.0.1:${API_PORT}/api/status').then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(String(e)); process.exit(1); })`;
  return JSON.parse(lab.exec('n1', process.execPath, ['-e', js])) as DaemonStatus;
}

function apiDrops(instance = 'V4'): Record<string, number> {
  const inst = apiStatus().vrrp?.instances.find((i) => i.name === instance);
  assert.ok(inst, `n1 reports instance ${instance}`);
  return inst.stats.drops;
}

/** n1's keepalived-format JSON dump entry for one instance. */
async function dumpOf(instance = 'V4'): Promise<{ data: Record<string, unknown>; stats: Record<string, number> }> {
  const d = (await jsonDump(n1)).find((e) => e.data.iname === instance);
  assert.ok(d, `n1's JSON dump has instance ${instance}`);
  return d;
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of new Set([...Object.keys(after), ...Object.keys(before)])) {
    const d = (after[k] ?? 0) - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

/** Wait until the API's drop counters moved by `total`, then return the per-reason change. */
async function dropsAfter(before: Record<string, number>, total: number, instance = 'V4'): Promise<Record<string, number>> {
  let now = before;
  await waitFor(() => { now = apiDrops(instance); return sum(now) - sum(before) >= total; }, 15_000, 250).catch(() => {});
  return delta(now, before);
}

function alive(n: NodeProc): boolean {
  for (const which of ['parent', 'vrrp'] as const) {
    const pid = pidOf(n, which);
    if (!pid) return false;
    try { process.kill(pid, 0); } catch { return false; }
  }
  return n.proc.exitCode === null;
}

function assertStateKept(what: string): void {
  assert.deepEqual(holders(lab, hosts, VIP), ['n1'], `${what}: the master keeps the VIP and the backup stays backup`);
  assert.deepEqual(holders(lab, hosts, VIP6), ['n1'], `${what}: the IPv6 instance is undisturbed too`);
  assert.ok(alive(n1) && alive(n2), `${what}: both vipd nodes (parent and VRRP child) are still running`);
}

/** How many times n1 logged an unknown-VRID advert for `vrid` (keepalived's log_unknown_vrids line). */
function unknownVridLogs(vrid: number): number {
  return n1.output().split('\n').filter((l) => l.includes(`Unknown VRID(${vrid}) received on interface(eth0). ignoring...`)).length;
}

/** kaStat: the keepalived counter(s) the packet moves, as keepalived 2.2.7 books it. */
interface HostileCase { name: string; payload: Buffer; ttl?: number; reason?: string; kaStat?: string | string[] }

/** A seeded byte generator: the same "random" packets on every run, so a failure can be replayed. */
function seeded(seed: number): (n: number) => Buffer {
  let s = seed >>> 0;
  return (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; b[i] = s >>> 24; }
    return b;
  };
}

test('hostile adverts are dropped and counted per reason; the master keeps the VIP', { skip }, () => book.run(async () => {
  book.nodes.push(n1, n2);
  const N = 10;
  const good = encode(advert());
  const badSum = Buffer.from(good); badSum.writeUInt16BE(good.readUInt16BE(6) ^ 0x5a5a, 6);
  const v5 = Buffer.from(good); v5[0] = 0x51; // version 5; checksum left as is (version is checked first)
  // Packets that must not be counted go first: the counters are read once the counted ones are all
  // in, and the socket delivers in order, so a wrongly counted early packet cannot hide.
  const cases: HostileCase[] = [
    // Not ours at all: must not reach the instance, so none of its counters move.
    { name: 'unknown VRID', payload: encode(advert({ vrid: 99 })) },
    { name: 'one byte', payload: Buffer.from([0x21]) },
    { name: 'TTL 64', payload: good, ttl: 64, reason: 'ttl', kaStat: 'ip_ttl_err' },
    { name: 'bad checksum', payload: badSum, reason: 'checksum' },
    { name: 'VRRPv3 to a v2 instance', payload: encode(advert({ version: 3, authType: 0, authData: undefined })), reason: 'version' },
    { name: 'version 5', payload: v5, reason: 'version' },
    { name: 'wrong password', payload: encode(advert({ authData: pass('guess') })), reason: 'auth-pass', kaStat: 'auth_failure' },
    { name: 'priority 255, wrong password', payload: encode(advert({ priority: 255, authData: pass('s3cret') })), reason: 'auth-pass', kaStat: 'auth_failure' },
    { name: 'no authentication', payload: encode(advert({ authType: 0, authData: undefined })), reason: 'auth-type', kaStat: 'authtype_mismatch' },
    { name: 'auth type 7', payload: encode(advert({ authType: 7 })), reason: 'auth-type-invalid', kaStat: 'invalid_authtype' },
    { name: 'type 2', payload: encode(advert({ type: 2 })), reason: 'type', kaStat: 'invalid_type_rcvd' },
    // keepalived 2.2.7 logs a v2 interval mismatch but counts it nowhere.
    { name: 'advert interval 3 s', payload: encode(advert({ advertIntCs: 300 })), reason: 'interval-mismatch' },
    // keepalived counts the advert as received before it compares the VIP list.
    { name: 'other VIP', payload: encode(advert({ addrs: ['192.0.2.200'] })), reason: 'addr-list', kaStat: ['addr_list_err', 'advert_rcvd'] },
    { name: 'two VIPs', payload: encode(advert({ addrs: [VIP, '192.0.2.201'] })), reason: 'addr-count', kaStat: 'addr_list_err' },
    // Shorter than the VRRP header: keepalived drops it at the socket, no instance counter moves.
    { name: 'truncated header', payload: good.subarray(0, 6), reason: 'truncated' },
    { name: 'truncated auth data', payload: good.subarray(0, good.length - 8), reason: 'truncated', kaStat: 'packet_len_err' },
    { name: 'trailing bytes', payload: Buffer.concat([good, Buffer.alloc(4)]), reason: 'length', kaStat: 'packet_len_err' },
  ];
  const beforeDrops = apiDrops();
  const beforeKa = (await dumpOf()).stats;
  const beforeUnknown = unknownVridLogs(99);
  const want: Record<string, number> = {};
  const wantKa: Record<string, number> = {};
  for (const c of cases) {
    const r = await attacker.send({ payload: c.payload, dst: GROUP, ttl: c.ttl ?? 255, count: N, gapMs: 2 });
    assert.equal(r.sent, N, `${c.name}: all sent`);
    if (c.reason) want[c.reason] = (want[c.reason] ?? 0) + N;
    for (const k of [c.kaStat ?? []].flat()) wantKa[k] = (wantKa[k] ?? 0) + N;
  }
  const got = await dropsAfter(beforeDrops, sum(want));
  console.log(`# n1 drops by reason: ${JSON.stringify(got)}`);
  assert.deepEqual(got, want, 'every crafted packet for our VRID dropped and counted under its reason, nothing else');
  assert.equal(unknownVridLogs(99) - beforeUnknown, N, 'each unknown-VRID advert logged once');
  let ka = (await dumpOf());
  const gotKa = delta(ka.stats as unknown as Record<string, number>, beforeKa as unknown as Record<string, number>);
  delete gotKa.advert_sent; // the master keeps advertising meanwhile
  assert.deepEqual(gotKa, wantKa, 'keepalived\'s counters in the JSON dump moved by exactly the crafted packets');

  // Random payloads for our VRID (byte 1), so they reach the instance's checks; whatever reason
  // each one trips, each must be one drop.
  const beforeRandom = apiDrops();
  const rcvdBeforeRandom = ka.stats.advert_rcvd;
  const rnd = seeded(0x5eed);
  let random = 0;
  for (let i = 0; i < 50; i++) {
    let p: Buffer;
    if (i % 2 === 0) {
      // Random bytes only: mostly a wrong version or length.
      p = rnd(2 + (i * 7) % 60);
    } else {
      // A well-formed v2 shape (version/type byte, consistent length) with random contents, to get
      // past the decoder into the auth, interval and address checks.
      const count = i % 4;
      p = rnd(8 + 4 * count + 8);
      p[0] = 0x21;
      p[3] = count;
    }
    p[1] = VRID;
    await attacker.send({ payload: p, dst: GROUP, count: 1 });
    random++;
  }
  const gotRandom = await dropsAfter(beforeRandom, random);
  console.log(`# n1 drops for ${random} random payloads: ${JSON.stringify(gotRandom)}`);
  assert.equal(sum(gotRandom), random, 'every random payload dropped and counted once');
  ka = (await dumpOf());
  assert.equal(ka.stats.advert_rcvd, rcvdBeforeRandom, 'no random payload got as far as a received advert');
  assert.equal(ka.data.state, 2, 'n1 still MASTER in its JSON dump');
  assertStateKept('after the hostile packets');
}));

test('a flood of thousands of priority-255 adverts with a wrong password: counted, the master keeps the VIP', { skip }, () => book.run(async () => {
  book.nodes.push(n1, n2);
  const payload = encode(advert({ priority: 255, authData: pass('flood') }));
  const beforeDrops = apiDrops();
  const beforeKa = (await dumpOf()).stats;
  const COUNT = 6000;
  // ~2000 packets/s for about three seconds, with the backup's master-down interval (3.6 s) in
  // view: if the flood starved the master's adverts or the backup's receive path, n2 would take over.
  const t0 = Date.now();
  const flood = attacker.send({ payload, dst: GROUP, count: COUNT, burst: 10, gapMs: 5 });
  let sampled = 0;
  let done = false;
  void flood.finally(() => { done = true; });
  while (!done) {
    assert.deepEqual(holders(lab, hosts, VIP), ['n1'], `during the flood (${Date.now() - t0} ms in)`);
    sampled++;
    await sleep(200);
  }
  const r = await flood;
  const floodMs = Date.now() - t0;
  // Keep watching past one more master-down interval after the flood, then count.
  await sleep(masterDownMs(1, 100));
  const got = await dropsAfter(beforeDrops, r.sent);
  const ka = (await dumpOf()).stats;
  console.log(`# flood: ${r.sent} packets in ${floodMs} ms (${r.full} sends found the buffer full), n1 counted ${got['auth-pass'] ?? 0} auth-pass drops, ${sampled} holder samples`);
  assert.equal(r.sent, COUNT);
  // The kernel may drop some under the flood before vipd reads them (socket buffer full): those are
  // the kernel's to count. What reaches vipd is dropped and counted, never accepted.
  assert.deepEqual(Object.keys(got), ['auth-pass'], `only auth-pass drops, got ${JSON.stringify(got)}`);
  assert.ok(got['auth-pass']! >= COUNT * 0.5 && got['auth-pass']! <= COUNT, `most of the flood reached vipd and was counted: ${got['auth-pass']}`);
  assert.equal(ka.auth_failure - beforeKa.auth_failure, got['auth-pass'], 'keepalived auth_failure counter agrees with vipd\'s');
  assert.equal(ka.advert_rcvd, beforeKa.advert_rcvd, 'nothing accepted');
  assert.ok(ka.advert_sent > beforeKa.advert_sent, 'the master kept advertising');
  assertStateKept('after the flood');
}));

/** A correct VRRPv3 IPv6 advert for V6 from the attacker (the kernel fills in the checksum). */
function advert6(over: Partial<Advert> = {}): Advert {
  return { version: 3, type: 1, vrid: VRID6, priority: 254, advertIntCs: 100, authType: 0, checksum: 0, family: 6, addrs: [VIP6], ...over };
}

function encode6(a: Advert, checksumMode: 'kernel' | 'verbatim' = 'kernel'): Buffer {
  return encodeAdvert(a, { src: '::', dst: GROUP6, checksumMode });
}

test('IPv6 (VRRPv3): hostile adverts dropped and counted, bad checksums stopped by the kernel, a correct advert wins', { skip }, () => book.run(async () => {
  book.nodes.push(n1, n2);
  const N = 10;
  const cases: HostileCase[] = [
    { name: 'unknown VRID', payload: encode6(advert6({ vrid: 99 })) },
    { name: 'hop limit 64', payload: encode6(advert6()), ttl: 64, reason: 'ttl', kaStat: 'ip_ttl_err' },
    // A VRRPv2 (IPv4-only) advert sent over IPv6.
    { name: 'VRRPv2 over IPv6', payload: encode(advert({ vrid: VRID6 })), reason: 'family' },
    { name: 'type 2', payload: encode6(advert6({ type: 2 })), reason: 'type', kaStat: 'invalid_type_rcvd' },
    { name: 'other VIP', payload: encode6(advert6({ addrs: ['fd00:1::200'] })), reason: 'addr-list', kaStat: ['addr_list_err', 'advert_rcvd'] },
    // IPv4-sized address (4 bytes) where IPv6 needs 16.
    { name: 'IPv4-sized address', payload: encode(advert({ version: 3, vrid: VRID6, authType: 0, authData: undefined })), reason: 'truncated', kaStat: 'packet_len_err' },
  ];
  const beforeDrops = apiDrops('V6');
  const beforeKa = (await dumpOf('V6')).stats;
  const beforeUnknown = unknownVridLogs(99);
  const want: Record<string, number> = {};
  const wantKa: Record<string, number> = {};
  // A wrong checksum: vipd's IPv6 socket has IPV6_CHECKSUM set, so the kernel verifies and drops
  // these before vipd sees them (the only family where the checksum is not vipd's to count). Sent
  // first, like every packet that must not be counted (see the IPv4 test).
  const badSum = encode6(advert6({ checksum: 0x1234 }), 'verbatim');
  assert.equal((await attacker.send({ payload: badSum, dst: GROUP6, count: N, gapMs: 2, rawChecksum: true })).sent, N);
  for (const c of cases) {
    const r = await attacker.send({ payload: c.payload, dst: GROUP6, ttl: c.ttl ?? 255, count: N, gapMs: 2 });
    assert.equal(r.sent, N, `${c.name}: all sent`);
    if (c.reason) want[c.reason] = (want[c.reason] ?? 0) + N;
    for (const k of [c.kaStat ?? []].flat()) wantKa[k] = (wantKa[k] ?? 0) + N;
  }
  const got = await dropsAfter(beforeDrops, sum(want), 'V6');
  console.log(`# n1 V6 drops by reason: ${JSON.stringify(got)}`);
  assert.deepEqual(got, want, 'every crafted IPv6 packet for our VRID dropped and counted under its reason, nothing else');
  assert.equal(unknownVridLogs(99) - beforeUnknown, N, 'each unknown-VRID IPv6 advert logged once');
  const ka = await dumpOf('V6');
  const gotKa = delta(ka.stats, beforeKa);
  delete gotKa.advert_sent;
  assert.deepEqual(gotKa, wantKa, 'keepalived\'s counters for V6 moved by exactly the crafted packets');
  assert.equal(ka.data.state, 2, 'V6 still MASTER');
  assertStateKept('after the hostile IPv6 packets');

  // Positive control: the same path carries a correct higher-priority advert, and V6 yields to it.
  const adverts = attacker.send({ payload: encode6(advert6()), dst: GROUP6, count: 4, gapMs: 1000 });
  try {
    await waitForHolder(lab, hosts, 'none', VIP6, 3000);
    assert.ok((await dumpOf('V6')).stats.advert_rcvd > beforeKa.advert_rcvd!, 'n1 accepted the attacker\'s IPv6 adverts');
    assert.deepEqual(holders(lab, hosts, VIP), ['n1'], 'the IPv4 instance is not affected');
  } finally {
    await adverts;
  }
  await waitForHolder(lab, hosts, 'n1', VIP6, masterDownMs(1, 150) + 3000);
}));

test('positive control: a correct higher-priority advert from the attacker makes the master step down', { skip }, () => book.run(async () => {
  book.nodes.push(n1, n2);
  const beforeKa = (await dumpOf()).stats;
  const payload = encode(advert({ priority: 254 }));
  // one advert per second, as a real master would, for five seconds
  const adverts = attacker.send({ payload, dst: GROUP, count: 5, gapMs: 1000 });
  try {
    await waitForHolder(lab, hosts, 'none', VIP, 3000);
    const d = (await dumpOf());
    assert.equal(d.data.state, 1, 'n1 went BACKUP');
    assert.ok(d.stats.advert_rcvd > beforeKa.advert_rcvd, 'n1 accepted the attacker\'s adverts');
  } finally {
    await adverts;
  }
  // The "master" goes silent: n1 (higher priority, shorter skew) takes over again.
  await waitForHolder(lab, hosts, 'n1', VIP, masterDownMs(1, 150) + 3000);
}));
