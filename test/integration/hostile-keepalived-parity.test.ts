// Differential: the same hostile VRRPv2 packets go to Debian's keepalived 2.2.7 and to vipd (each a
// lone MASTER of its own VRID on one segment), and the counters in their JSON dumps must move the
// same way, case by case: operators' exporters and alerts read those counters, so a packet keepalived
// books as an authentication failure must be one in vipd too. Both must keep their VIPs throughout.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
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
// keepalived on n1 runs VRID 51, vipd on n2 VRID 52: each alone, so each is MASTER.
const TARGETS = { ka: { host: 'n1', vrid: 51, vip: '192.0.2.100' }, vipd: { host: 'n2', vrid: 52, vip: '192.0.2.101' } } as const;
const hosts = ['n1', 'n2'];
const N = 5; // packets per case and target

let lab: Lab;
let ka: NodeProc;
let vipd: NodeProc;
let attacker: Attacker;
const book = new NodeBook();

function conf(vrid: number, vip: string): string {
  return vrrpConf({ name: `P${vrid}`, state: 'MASTER', prio: 150, vrid, auth: PASS, vip: `${vip}/24` });
}

before(async () => {
  if (skip) return;
  lab = new Lab('hk');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('n2', '192.0.2.2/24');
  lab.addHost('attacker', `${ATTACKER}/24`);
  await book.run(async () => {
    ka = startKeepalivedPrivateTmp(lab, 'n1', conf(TARGETS.ka.vrid, TARGETS.ka.vip));
    book.nodes.push(ka);
    await ready(ka);
    vipd = await book.start(lab, 'n2', 'vipd', conf(TARGETS.vipd.vrid, TARGETS.vipd.vip));
    attacker = new Attacker(lab.spawn('attacker', process.execPath, [ATTACKER_JS, 'eth0']));
    await attacker.ready;
    await waitForHolder(lab, hosts, 'n1', TARGETS.ka.vip, 10_000);
    await waitForHolder(lab, hosts, 'n2', TARGETS.vipd.vip, 10_000);
  });
});
after(async () => {
  if (!lab) return;
  for (const n of [ka, vipd]) if (n) await lab.stop(n.proc, 'SIGTERM', 8000);
  await lab.teardown();
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

const cases: ParityCase[] = [
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

async function statsOf(which: 'ka' | 'vipd'): Promise<Record<string, number>> {
  const dump = which === 'ka' ? await keepalivedJson(ka) : await jsonDump(vipd);
  assert.equal(dump.length, 1, `${which}: one instance in the JSON dump`);
  assert.equal(dump[0]!.data.state, 2, `${which}: still MASTER`);
  return dump[0]!.stats;
}

test('hostile packets move keepalived\'s and vipd\'s JSON-dump counters the same way', { skip }, () => book.run(async () => {
  book.nodes.push(ka, vipd);
  const mismatches: string[] = [];
  let kaBefore = await statsOf('ka');
  let vdBefore = await statsOf('vipd');
  // Only counters both dumps have are compared (keepalived may carry more in its JSON).
  const common = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).filter(([k]) => k in vdBefore && k in kaBefore));
  for (const c of cases) {
    for (const which of ['ka', 'vipd'] as const) {
      const t = TARGETS[which];
      const r = await attacker.send({ payload: c.build(t.vrid, t.vip), dst: GROUP, ttl: c.ttl ?? 255, count: N, gapMs: 2 });
      assert.equal(r.sent, N);
    }
    // Both read their sockets at once; a short settle keeps the dump from racing the last packet.
    await new Promise((r) => setTimeout(r, 200));
    const kaAfter = await statsOf('ka');
    const vdAfter = await statsOf('vipd');
    const dk = common(delta(kaAfter, kaBefore));
    const dv = common(delta(vdAfter, vdBefore));
    console.log(`# ${c.name}: keepalived ${JSON.stringify(dk)} vipd ${JSON.stringify(dv)}`);
    const want = c.divergence ? [c.divergence.keepalived, c.divergence.vipd] : [dk, dv];
    try { assert.deepEqual([dk, dv], c.divergence ? want : [dk, dk]); } catch {
      mismatches.push(`${c.name}: keepalived ${JSON.stringify(dk)}, vipd ${JSON.stringify(dv)}${c.divergence ? ` (recorded divergence: ${JSON.stringify(want)})` : ''}`);
    }
    kaBefore = kaAfter;
    vdBefore = vdAfter;
  }
  assert.deepEqual(holders(lab, hosts, TARGETS.ka.vip), ['n1'], 'keepalived kept its VIP');
  assert.deepEqual(holders(lab, hosts, TARGETS.vipd.vip), ['n2'], 'vipd kept its VIP');
  assert.deepEqual(mismatches, [], 'counter changes differ from keepalived 2.2.7');
}));
