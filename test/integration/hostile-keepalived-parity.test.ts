// Differential: the same hostile VRRPv2 (IPv4) and VRRPv3 (IPv6) packets go to Debian's keepalived
// 2.2.7 and to vipd (each a lone MASTER of its own VRIDs on one segment), and the counters in their
// JSON dumps must move the same way, case by case: operators' exporters and alerts read those counters, so a packet keepalived
// books as an authentication failure must be one in vipd too. Both must keep their VIPs throughout.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Lab, labUnavailable } from '../helpers/netns.js';
import { jsonDump, ready, vrrpConf, waitForHolder, type NodeProc } from '../helpers/vipd-node.js';
import { NodeBook, holders, keepalivedJson, keepalivedMissing, startKeepalivedPrivateTmp } from '../helpers/interop.js';
import { ATTACKER_JS, Attacker } from '../helpers/vrrp-attacker.js';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import type { Advert } from '../../src/vrrp/types.js';

const skip = labUnavailable() ?? keepalivedMissing();
const ATTACKER = '192.0.2.66';
const GROUP = '224.0.0.18';
const PASS = 'secret';
const GROUP6 = 'ff02::12';
// keepalived on n1 runs VRIDs 51 (v2) and 61 (v3 IPv6), vipd on n2 VRIDs 52 and 62: each alone, so
// each is MASTER.
interface Target { vrid: number; vip: string; iname: string }
const V4: Record<'ka' | 'vipd', Target> = { ka: { vrid: 51, vip: '192.0.2.100', iname: 'P51' }, vipd: { vrid: 52, vip: '192.0.2.101', iname: 'P52' } };
const V6: Record<'ka' | 'vipd', Target> = { ka: { vrid: 61, vip: 'fd00:1::100', iname: 'Q61' }, vipd: { vrid: 62, vip: 'fd00:1::101', iname: 'Q62' } };
const hosts = ['n1', 'n2'];
const N = 5; // packets per case and target

let lab: Lab;
let ka: NodeProc;
let vipd: NodeProc;
let attacker: Attacker;
const book = new NodeBook();

function conf(v4: Target, v6: Target): string {
  const six = `vrrp_instance ${v6.iname} {
  state MASTER
  interface eth0
  virtual_router_id ${v6.vrid}
  priority 150
  advert_int 1
  version 3
  virtual_ipaddress {
    ${v6.vip}/64
  }
}
`;
  return vrrpConf({ name: v4.iname, state: 'MASTER', prio: 150, vrid: v4.vrid, auth: PASS, vip: `${v4.vip}/24`, top: six });
}

before(async () => {
  if (skip) return;
  lab = new Lab('hk');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('n2', '192.0.2.2/24');
  lab.addHost('attacker', `${ATTACKER}/24`);
  await book.run(async () => {
    ka = startKeepalivedPrivateTmp(lab, 'n1', conf(V4.ka, V6.ka));
    book.nodes.push(ka);
    await ready(ka);
    vipd = await book.start(lab, 'n2', 'vipd', conf(V4.vipd, V6.vipd));
    attacker = new Attacker(lab.spawn('attacker', process.execPath, [ATTACKER_JS, 'eth0']));
    await attacker.ready;
    for (const t of [V4, V6]) {
      await waitForHolder(lab, hosts, 'n1', t.ka.vip, 10_000);
      await waitForHolder(lab, hosts, 'n2', t.vipd.vip, 10_000);
    }
  });
});
after(async () => {
  if (!lab) return;
  for (const n of [ka, vipd]) if (n) await lab.stop(n.proc, 'SIGTERM', 8000);
  await lab.teardown();
  if (ka) rmSync(dirname(ka.dir), { recursive: true, force: true }); // its private /tmp and config
});

function pass(p: string): Buffer {
  const b = Buffer.alloc(8);
  Buffer.from(p).copy(b);
  return b;
}

/**
 * One hostile case, built for a given target (its VRID and VIP). `divergence` records a known
 * difference (what each counts for N packets) instead of equality; it is still checked exactly.
 */
interface ParityCase {
  name: string; ttl?: number; build: (vrid: number, vip: string) => Buffer;
  divergence?: { why: string; keepalived: Record<string, number>; vipd: Record<string, number> };
}

function adv(vrid: number, vip: string, over: Partial<Advert> = {}): Buffer {
  return encodeAdvert({ version: 2, type: 1, vrid, priority: 254, advertIntCs: 100, authType: 1, authData: pass(PASS),
    checksum: 0, family: 4, addrs: [vip], ...over }, { src: ATTACKER, dst: GROUP });
}

const cases4: ParityCase[] = [
  { name: 'TTL 64', ttl: 64, build: (v, ip) => adv(v, ip) },
  { name: 'bad checksum', build: (v, ip) => { const b = adv(v, ip); b.writeUInt16BE(b.readUInt16BE(6) ^ 0x5a5a, 6); return b; } },
  { name: 'VRRPv3 to a v2 instance', build: (v, ip) => adv(v, ip, { version: 3, authType: 0, authData: undefined }) },
  // keepalived sizes any non-v2 packet as v3 before it looks at the version, so this v2-sized
  // packet is a length error there; vipd rejects the version first and has no keepalived counter
  // for it (its own metrics say 'version').
  { name: 'version 5', build: (v, ip) => { const b = adv(v, ip); b[0] = 0x51; return b; },
    divergence: { why: 'keepalived checks a v3 length before the version', keepalived: { packet_len_err: N }, vipd: {} } },
  { name: 'wrong password', build: (v, ip) => adv(v, ip, { authData: pass('guess') }) },
  { name: 'priority 255, wrong password', build: (v, ip) => adv(v, ip, { priority: 255, authData: pass('s3cret') }) },
  { name: 'no authentication', build: (v, ip) => adv(v, ip, { authType: 0, authData: undefined }) },
  { name: 'auth type 7', build: (v, ip) => adv(v, ip, { authType: 7 }) },
  { name: 'type 2', build: (v, ip) => adv(v, ip, { type: 2 }) },
  { name: 'advert interval 3 s', build: (v, ip) => adv(v, ip, { advertIntCs: 300 }) },
  { name: 'other VIP', build: (v) => adv(v, '192.0.2.200') },
  { name: 'two VIPs', build: (v, ip) => adv(v, ip, { addrs: [ip, '192.0.2.201'] }) },
  { name: 'truncated header', build: (v, ip) => adv(v, ip).subarray(0, 6) },
  { name: 'truncated auth data', build: (v, ip) => { const b = adv(v, ip); return b.subarray(0, b.length - 8); } },
  { name: 'trailing bytes', build: (v, ip) => Buffer.concat([adv(v, ip), Buffer.alloc(4)]) },
];

function adv6(vrid: number, vip: string, over: Partial<Advert> = {}): Buffer {
  // The attacker's IPv6 socket has the kernel fill in the checksum.
  return encodeAdvert({ version: 3, type: 1, vrid, priority: 254, advertIntCs: 100, authType: 0, checksum: 0, family: 6,
    addrs: [vip], ...over }, { src: '::', dst: GROUP6, checksumMode: 'kernel' });
}

const cases6: ParityCase[] = [
  { name: 'IPv6 hop limit 64', ttl: 64, build: (v, ip) => adv6(v, ip) },
  { name: 'IPv6 type 2', build: (v, ip) => adv6(v, ip, { type: 2 }) },
  { name: 'IPv6 other VIP', build: (v) => adv6(v, 'fd00:1::200') },
  { name: 'IPv6 two VIPs', build: (v, ip) => adv6(v, ip, { addrs: [ip, 'fd00:1::201'] }) },
  { name: 'IPv6 IPv4-sized address', build: (v) => adv(v, '192.0.2.200', { version: 3, authType: 0, authData: undefined }) },
  // As with version 5 over IPv4: keepalived sizes it as a v3 IPv6 advert first (too short), vipd
  // rejects a v2 packet over IPv6 first (its own metrics: 'family').
  { name: 'VRRPv2 over IPv6', build: (v) => adv(v, '192.0.2.200'),
    divergence: { why: 'keepalived checks a v3 length before the version', keepalived: { packet_len_err: N }, vipd: {} } },
  // (A v3 interval mismatch is no error: a higher-priority one is a valid advert both obey.)
];

/** Counter changes, without advert_sent (both keep advertising while we look). */
function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of Object.keys(before)) {
    if (k === 'advert_sent' || !(k in after)) continue;
    const d = after[k]! - before[k]!;
    if (d !== 0) out[k] = d;
  }
  return out;
}

async function statsOf(which: 'ka' | 'vipd', iname: string): Promise<Record<string, number>> {
  const dump = which === 'ka' ? await keepalivedJson(ka) : await jsonDump(vipd);
  const inst = dump.find((d) => d.data.iname === iname);
  assert.ok(inst, `${which}: instance ${iname} in the JSON dump`);
  assert.equal(inst.data.state, 2, `${which}: ${iname} still MASTER`);
  return inst.stats;
}

/** Send every case to both daemons' instances (targets), compare the counters after each case. */
async function compare(cases: ParityCase[], targets: Record<'ka' | 'vipd', Target>, group: string): Promise<string[]> {
  const mismatches: string[] = [];
  let kaBefore = await statsOf('ka', targets.ka.iname);
  let vdBefore = await statsOf('vipd', targets.vipd.iname);
  // Only counters both dumps have are compared (keepalived may carry more in its JSON).
  const common = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => k in vdBefore && k in kaBefore));
  for (const c of cases) {
    for (const which of ['ka', 'vipd'] as const) {
      const t = targets[which];
      const r = await attacker.send({ payload: c.build(t.vrid, t.vip), dst: group, ttl: c.ttl ?? 255, count: N, gapMs: 2 });
      assert.equal(r.sent, N);
    }
    // Both read their sockets at once; a short settle keeps the dump from racing the last packet.
    await new Promise((r) => setTimeout(r, 200));
    const kaAfter = await statsOf('ka', targets.ka.iname);
    const vdAfter = await statsOf('vipd', targets.vipd.iname);
    const dk = common(delta(kaAfter, kaBefore));
    const dv = common(delta(vdAfter, vdBefore));
    console.log(`# ${c.name}: keepalived ${JSON.stringify(dk)} vipd ${JSON.stringify(dv)}`);
    const want = c.divergence ? [c.divergence.keepalived, c.divergence.vipd] : [dk, dk];
    try { assert.deepEqual([dk, dv], want); } catch {
      mismatches.push(`${c.name}: keepalived ${JSON.stringify(dk)}, vipd ${JSON.stringify(dv)}${c.divergence ? ` (recorded divergence: ${JSON.stringify(want)})` : ''}`);
    }
    kaBefore = kaAfter;
    vdBefore = vdAfter;
  }
  assert.deepEqual(holders(lab, hosts, targets.ka.vip), ['n1'], 'keepalived kept its VIP');
  assert.deepEqual(holders(lab, hosts, targets.vipd.vip), ['n2'], 'vipd kept its VIP');
  return mismatches;
}

test('VRRPv2 IPv4: hostile packets move keepalived\'s and vipd\'s JSON-dump counters the same way', { skip }, () => book.run(async () => {
  book.nodes.push(ka, vipd);
  assert.deepEqual(await compare(cases4, V4, GROUP), [], 'counter changes differ from keepalived 2.2.7');
}));

test('VRRPv3 IPv6: hostile packets move keepalived\'s and vipd\'s JSON-dump counters the same way', { skip }, () => book.run(async () => {
  book.nodes.push(ka, vipd);
  assert.deepEqual(await compare(cases6, V6, GROUP6), [], 'counter changes differ from keepalived 2.2.7');
}));
