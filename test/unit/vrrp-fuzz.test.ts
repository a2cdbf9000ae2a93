// Packet fuzzer: VIPD_FUZZ_COUNT (default 10^6) random and mutated packets through decodeAdvert and
// checkAdvert (random bytes, header-shaped junk, mutations of the keepalived golden packets, and
// well-formed packets with every field at its edges, each with varied TTL/src/dst and local views).
// Properties: nothing throws; every rejection has a reason from DROP_REASONS; every accepted advert
// satisfies the rules it passed and re-encodes to the received bytes; accepted adverts drive the state
// machine (src/vrrp/fsm.ts) without exceptions, without mutating the previous state, and keep its
// state well-formed; rejected packets never reach it. Deterministic: VIPD_FUZZ_SEED (default fixed).
// Counts per reason and the run time are printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { DROP_REASONS, decodeAdvert, encodeAdvert, type ChecksumMode, type DropReason } from '../../src/vrrp/packet.js';
import { checkAdvert, DropCounters, type CheckResult, type InstanceLookup, type LocalInstanceView, type RxNote } from '../../src/vrrp/receive.js';
import { GOLDEN_CASES, receiverView, type GoldenRecord } from '../../scripts/capture-golden.js';
import { createInstance, instanceConfig, step, TIMER_NAMES, type InstanceState } from '../../src/vrrp/fsm.js';
import type { Advert, Family, RxMeta } from '../../src/vrrp/types.js';
import { parseIpv4Packet, parseIpv6Packet } from '../../src/vrrp/wire-ip.js';
import { parseIpv4, parseIpv6 } from '../../src/vrrp/wire-addr.js';

const COUNT = Number(process.env.VIPD_FUZZ_COUNT ?? 1_000_000);
const SEED = Number(process.env.VIPD_FUZZ_SEED ?? 0x5eed1234) >>> 0;

/** xorshift32: fast, seedable, good enough to spread bytes. */
class Rng {
  constructor(private s: number) { if (this.s === 0) this.s = 1; }
  u32(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  int(n: number): number { return this.u32() % n; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]; }
  chance(p: number): boolean { return this.u32() / 0x100000000 < p; }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

const fixtureDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'golden');
const goldens = readdirSync(fixtureDir).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(fixtureDir, f), 'utf8')) as GoldenRecord)
  .flatMap((rec) => [rec.advert, rec.resign].filter((p) => p !== undefined).map((p) => {
    const c = GOLDEN_CASES.find((x) => x.name === rec.case)!;
    return { c, rec, bytes: Buffer.from(p.vrrpHex, 'hex'), meta: { src: p.src, dst: p.dst, ttl: p.ttl } as RxMeta };
  }));

// Local views: each golden receiver plus variants that switch on the optional rules.
const baseViews = goldens.filter((g, i) => goldens.findIndex((h) => h.c === g.c) === i).map((g) => receiverView(g.c, g.meta));
const views: LocalInstanceView[] = baseViews.flatMap((v) => [
  v,
  { ...v, priority: 255, ownerIgnoreAdverts: true },
  { ...v, priority: 255 },
  { ...v, vipMismatch: 'note' as const },
  { ...v, oldUnicastChecksum: 'never' as const },
  { ...v, oldUnicastChecksum: 'always' as const },
  { ...v, v3ChecksumAsV2: true },
  { ...v, skipCheckAdvAddr: true, masterSrc: v.unicastPeers[0]?.addr ?? '192.0.2.1' },
  { ...v, unicastPeers: v.unicastPeers.map((p) => ({ ...p, minTtl: 250, maxTtl: 255 })) },
  { ...v, authType: v.version === 2 ? 0 : v.authType, authPass: undefined },
]);
const lookups: InstanceLookup[] = [...views, new Map(baseViews.filter((v) => v.family === 4).map((v) => [v.vrid, v]))];

const SRCS: Record<Family, string[]> = {
  4: ['192.0.2.1', '192.0.2.2', '192.0.2.77', '198.51.100.1', '0.0.0.0', '255.255.255.255'],
  6: ['fe80::ff:fe00:5101', 'fd00:1::1', 'fd00:1::2', 'fe80::1', '::'],
};
const DSTS: Record<Family, string[]> = {
  4: ['224.0.0.18', '192.0.2.2', '224.0.0.19', '203.0.113.9'],
  6: ['ff02::12', 'fd00:1::2', 'ff02::1'],
};
const TTLS = [255, 255, 255, 254, 64, 1, 0, -1, 250];
const EDGE_BYTES = [0, 1, 0x0f, 0x10, 0x7f, 0x80, 0xfe, 0xff];

function randomMeta(r: Rng, family: Family): RxMeta {
  return { src: r.pick(SRCS[family]), dst: r.pick(DSTS[family]), ttl: r.pick(TTLS), checksumVerified: family === 6 && r.chance(0.2) };
}

function mutate(r: Rng, b: Buffer): Buffer {
  let out = Buffer.from(b);
  for (let n = 1 + r.int(3); n > 0; n--) {
    switch (r.int(6)) {
      case 0: if (out.length) out[r.int(out.length)] ^= 1 << r.int(8); break;
      case 1: if (out.length) out[r.int(out.length)] = r.pick(EDGE_BYTES); break;
      case 2: out = out.subarray(0, r.int(out.length + 1)); break;
      case 3: out = Buffer.concat([out, r.bytes(1 + r.int(20))]); break;
      case 4: if (out.length > 3) out[3] = r.pick([0, 1, 2, 3, 255, out[3] + 1, out[3] - 1].map((x) => x & 0xff)); break;
      default: if (out.length > 7) { out[6] = r.u32() & 0xff; out[7] = r.u32() & 0xff; } break;
    }
  }
  return out;
}

function randomAddr(r: Rng, family: Family): string {
  // Uncompressed text on purpose (the decoder produces RFC 5952 text; only bytes must survive).
  if (family === 4) return `${r.int(256)}.${r.int(256)}.${r.int(256)}.${r.int(256)}`;
  let s = r.int(0x10000).toString(16);
  for (let i = 1; i < 8; i++) s += `:${r.int(0x10000).toString(16)}`;
  return s;
}

/** A well-formed packet with each field drawn from its edges (and the real values, to go deep). */
function edgePacket(r: Rng, v: LocalInstanceView): { buf: Buffer; meta: RxMeta } {
  const family = v.family;
  const version = family === 6 ? 3 : r.chance(0.85) ? v.version : (v.version === 2 ? 3 : 2);
  const count = r.pick([0, 1, 2, v.vips.length, v.vips.length, r.int(20), 255 - r.int(2)]);
  const addrs = r.chance(0.6) && count === v.vips.length ? [...v.vips] : Array.from({ length: count }, () => randomAddr(r, family));
  const meta = r.chance(0.6)
    ? { src: v.unicastPeers[0]?.addr ?? r.pick(SRCS[family]), dst: v.unicastPeers.length ? r.pick(DSTS[family].filter((d) => !d.startsWith('ff') && !d.startsWith('224'))) : DSTS[family][0], ttl: r.pick(TTLS) }
    : randomMeta(r, family);
  const a: Advert = {
    version, family, addrs,
    type: r.chance(0.8) ? 1 : r.pick([0, 2, 3, 15]),
    vrid: r.chance(0.8) ? v.vrid : r.pick([0, 1, 254, 255]),
    priority: r.pick([0, 1, 100, 254, 255, r.int(256)]),
    advertIntCs: version === 2 ? r.pick([v.advertIntCs - (v.advertIntCs % 100), 0, 100, 25500]) : r.pick([v.advertIntCs, 0, 1, 4095, r.int(4096)]),
    authType: version === 2 ? (r.chance(0.8) ? v.authType : r.pick([0, 1, 2, 3, 255])) : 0,
    authData: version === 2 ? (r.chance(0.7) ? Buffer.from(String(v.authPass ?? '')) : r.bytes(r.int(9))) : undefined,
    checksum: r.u32() & 0xffff,
  };
  const mode: ChecksumMode = r.pick(['standard', 'standard', 'standard', 'as-v2', 'old-unicast', 'verbatim', 'kernel']);
  const buf = encodeAdvert(a, { src: meta.src, dst: meta.dst, checksumMode: mode });
  if (version === 3 && r.chance(0.05)) buf[4] |= r.int(16) << 4; // reserved bits: must be ignored
  return { buf, meta };
}

/** Wrap a payload in an IPv4 or IPv6 header as the kernel would deliver it (pcap for IPv6), then damage it. */
function ipWrapped(r: Rng, payload: Buffer, meta: RxMeta, family: Family): Buffer {
  let h: Buffer;
  if (family === 4) {
    h = Buffer.alloc(20);
    h[0] = 0x45; h[1] = 0xc0; h.writeUInt16BE(20 + payload.length, 2); h[8] = Math.max(meta.ttl, 0); h[9] = 112;
    parseIpv4(meta.src)?.copy(h, 12); parseIpv4(meta.dst)?.copy(h, 16);
  } else {
    h = Buffer.alloc(40);
    h[0] = 0x60; h.writeUInt16BE(payload.length, 4); h[6] = 112; h[7] = Math.max(meta.ttl, 0);
    parseIpv6(meta.src)?.copy(h, 8); parseIpv6(meta.dst)?.copy(h, 24);
  }
  const out = Buffer.concat([h, payload]);
  if (r.chance(0.5)) {
    const at = r.int(family === 4 ? 20 : 40);
    out[at] = r.chance(0.5) ? r.pick(EDGE_BYTES) : out[at] ^ (1 << r.int(8));
  }
  return r.chance(0.1) ? out.subarray(0, r.int(out.length + 1)) : out;
}

function frozen<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) frozen(v);
  }
  return o;
}

/** One state machine per local view, fed with that view's accepted adverts. */
class FsmHarness {
  private readonly states = new Map<LocalInstanceView, InstanceState>();
  steps = 0;
  now = 1_000;
  seen = new Set<string>();

  feed(r: Rng, inst: LocalInstanceView, a: Advert, src: string): void {
    let s = this.states.get(inst);
    if (!s) {
      const cfg = instanceConfig({
        primaryAddress: inst.family === 4 ? '192.0.2.2' : 'fe80::2', vrid: inst.vrid, version: inst.version, family: inst.family,
        priority: inst.priority, advertIntCs: Math.max(inst.advertIntCs, 1), vips: inst.vips, ownerIgnoreAdverts: inst.ownerIgnoreAdverts ?? false,
      });
      s = step(createInstance(cfg), { type: 'start' }, this.now).state;
    }
    // Now and then let a timer fire, the link flap or the instance stop/restart, so that adverts meet
    // every state (BACKUP, MASTER, FAULT, STOP).
    if (r.chance(0.1)) s = this.step(s, { type: 'timer-fired', timer: r.pick(TIMER_NAMES) });
    if (r.chance(0.02)) s = this.step(s, { type: 'interface', up: s.ifUp ? false : true });
    if (r.chance(0.01)) s = this.step(s, s.state === 'STOP' ? { type: 'start' } : { type: 'shutdown' });
    s = this.step(s, { type: 'advert-received', advert: a, src });
    this.states.set(inst, s);
  }

  private step(prev: InstanceState, ev: Parameters<typeof step>[1]): InstanceState {
    this.now += 1 + (this.steps % 700);
    frozen(prev); // a mutation of the previous state throws in strict mode
    const { state, actions } = step(prev, ev, this.now);
    this.steps++;
    this.seen.add(state.state);
    assert.ok(['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'].includes(state.state), `bad state ${state.state}`);
    assert.ok(Number.isInteger(state.priority) && state.priority >= 0 && state.priority <= 255, `bad priority ${state.priority}`);
    for (const t of TIMER_NAMES) {
      const due = state.timers[t];
      assert.ok(due === null || Number.isFinite(due), `timer ${t} = ${String(due)}`);
    }
    for (const act of actions) {
      if (act.type === 'send-advert') assert.ok(act.priority >= 0 && act.priority <= 255);
      if (act.type === 'set-timer') assert.ok(Number.isFinite(act.due) && act.due >= this.now, `timer ${act.timer} due ${act.due} < now ${this.now}`);
    }
    return state;
  }
}

function checkInvariants(buf: Buffer, meta: RxMeta, res: CheckResult): void {
  if (!res.accept) {
    assert.ok(DROP_REASONS.includes(res.reason), `unnamed reason ${String(res.reason)}`);
    return;
  }
  const a = res.advert;
  const inst = res.instance;
  assert.equal(a.type, 1);
  assert.equal(a.version, inst.version);
  assert.equal(a.vrid, inst.vrid);
  assert.equal(a.family, inst.family);
  if (a.version === 2) {
    assert.equal(a.advertIntCs, inst.advertIntCs);
    assert.equal(a.authType, inst.authType);
  }
  if (inst.unicastPeers.length === 0 && meta.ttl >= 0) assert.equal(meta.ttl, 255);
  if (inst.priority === 255) assert.ok(!inst.ownerIgnoreAdverts);
  // The accepted advert is exactly what was received (reserved v3 bits aside).
  const expect = Buffer.from(buf);
  if (a.version === 3) expect[4] &= 0x0f;
  assert.deepEqual(encodeAdvert(a, { src: meta.src, dst: meta.dst, checksumMode: 'verbatim' }), expect);
}

test(`fuzz: ${COUNT} packets through decode + receive checks (+ state machine)`, () => {
  const r = new Rng(SEED);
  const drops = new DropCounters();
  const notes = new Map<RxNote, number>();
  const kinds = new Map<string, number>();
  const harness = new FsmHarness();
  let accepted = 0;
  let decodedOk = 0;
  const failures: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < COUNT; i++) {
    let buf: Buffer;
    let meta: RxMeta;
    let local: InstanceLookup;
    const kind = r.int(100);
    let kindName: string;
    if (kind < 15) {
      kindName = 'random-bytes';
      const family: Family = r.chance(0.5) ? 4 : 6;
      buf = r.bytes(r.int(120));
      meta = randomMeta(r, family);
      local = r.pick(lookups);
    } else if (kind < 35) {
      kindName = 'header-shaped';
      const family: Family = r.chance(0.6) ? 4 : 6;
      const count = r.int(6);
      const len = 8 + count * (family === 4 ? 4 : 16) + (r.chance(0.5) ? 8 : 0) + (r.chance(0.3) ? r.int(5) - 2 : 0);
      buf = r.bytes(Math.max(0, len));
      if (buf.length > 3) { buf[0] = (r.pick([2, 3, 2, 3, 0, 1, 4, 15]) << 4) | r.pick([1, 1, 1, 0, 2, 15]); buf[3] = count; }
      meta = randomMeta(r, family);
      local = r.pick(lookups);
    } else if (kind < 60) {
      kindName = 'golden-mutated';
      const g = r.pick(goldens);
      buf = mutate(r, g.bytes);
      meta = r.chance(0.7) ? g.meta : randomMeta(r, g.c.family);
      local = r.chance(0.7) ? receiverView(g.c, g.meta) : r.pick(lookups);
    } else if (kind < 85) {
      kindName = 'edge-fields';
      const v = r.pick(views);
      ({ buf, meta } = edgePacket(r, v));
      local = r.chance(0.9) ? v : r.pick(lookups);
    } else if (kind < 92) {
      kindName = 'ip-wrapped';
      const g = r.pick(goldens);
      const wire = ipWrapped(r, r.chance(0.5) ? g.bytes : mutate(r, g.bytes), { ...g.meta, ttl: r.pick(TTLS) }, g.c.family);
      const ip = g.c.family === 4 ? parseIpv4Packet(wire) : parseIpv6Packet(wire);
      if (!ip.ok) {
        kinds.set(kindName, (kinds.get(kindName) ?? 0) + 1);
        assert.ok(DROP_REASONS.includes(ip.reason));
        drops.add(ip.reason);
        continue;
      }
      buf = ip.packet.payload;
      meta = ip.packet.meta;
      local = receiverView(g.c, g.meta);
    } else {
      kindName = 'golden-meta';
      const g = r.pick(goldens);
      buf = g.bytes;
      meta = r.chance(0.5) ? { ...g.meta, ttl: r.pick(TTLS) } : randomMeta(r, g.c.family);
      local = r.chance(0.5) ? receiverView(g.c, g.meta) : r.pick(lookups);
    }
    kinds.set(kindName, (kinds.get(kindName) ?? 0) + 1);
    try {
      for (const fam of [4, 6] as const) {
        const d = decodeAdvert(buf, fam);
        if (d.ok) decodedOk++;
        else assert.ok(DROP_REASONS.includes(d.reason));
      }
      const res = drops.record(checkAdvert(buf, meta, local));
      checkInvariants(buf, meta, res);
      if (res.accept) {
        accepted++;
        for (const n of res.notes) notes.set(n, (notes.get(n) ?? 0) + 1);
        harness.feed(r, res.instance, res.advert, meta.src); // only accepted adverts reach the FSM
      }
    } catch (e) {
      if (failures.length < 5) failures.push(`#${i} ${kindName} ${buf.toString('hex')} ${JSON.stringify(meta)}: ${(e as Error).stack ?? String(e)}`);
    }
  }
  const ms = performance.now() - t0;
  const byReason = DROP_REASONS.map((x: DropReason) => `${x}=${drops.get(x)}`).join(' ');
  const report = [
    `fuzz seed=0x${SEED.toString(16)} packets=${COUNT} accepted=${accepted} dropped=${drops.total()} time=${(ms / 1000).toFixed(2)}s (${((ms * 1000) / COUNT).toFixed(2)} µs/packet)`,
    `generators: ${[...kinds].map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `drops: ${byReason}`,
    `notes: ${[...notes].map(([k, v]) => `${k}=${v}`).join(' ')}`,
    `decodeAdvert ok (either family): ${decodedOk}; fsm steps=${harness.steps} states seen=${[...harness.seen].sort().join(',')}`,
  ].join('\n');
  console.log(report);
  assert.deepEqual(failures, [], failures.join('\n\n'));
  assert.equal(accepted + drops.total(), COUNT);
  if (COUNT >= 100_000) {
    // With this many packets every rule must have fired, or a generator has stopped reaching it.
    const never = DROP_REASONS.filter((x) => drops.get(x) === 0);
    assert.deepEqual(never, [], `drop reasons never produced: ${never.join(', ')}`);
    assert.deepEqual([...harness.seen].sort(), ['BACKUP', 'FAULT', 'MASTER', 'STOP']);
  }
});
