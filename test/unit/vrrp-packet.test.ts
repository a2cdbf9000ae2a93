// Wire format and receive checks: hand-checked vectors, every drop reason reachable, and the notes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finishChecksum, internetChecksum, pseudoHeader4, pseudoHeader6, sumWords, vrrpChecksum } from '../../src/vrrp/checksum.js';
import { DROP_REASONS, decodeAdvert, encodeAdvert, type ChecksumMode, type DropReason } from '../../src/vrrp/packet.js';
import { DropCounters, checkAdvert, type LocalInstanceView } from '../../src/vrrp/receive.js';
import { canonicalIp, formatIpv6, parseIpv4, parseIpv6 } from '../../src/vrrp/wire-addr.js';
import { parseIpv4Packet, parseIpv6Packet } from '../../src/vrrp/wire-ip.js';
import type { Advert, RxMeta } from '../../src/vrrp/types.js';

test('RFC 1071 example checksum', () => {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to 0xddf2 (one's complement), checksum 0x220d.
  const b = Buffer.from('0001f203f4f5f6f7', 'hex');
  assert.equal(finishChecksum(sumWords(b)), 0x220d);
  assert.equal(internetChecksum(b), 0x220d);
  // Odd length: the last byte is padded with zero.
  assert.equal(internetChecksum(Buffer.from([0x01])), ~0x0100 & 0xffff);
});

test('address text round trips and canonical IPv6', () => {
  assert.deepEqual([...parseIpv4('192.0.2.1')!], [192, 0, 2, 1]);
  assert.equal(parseIpv4('192.0.2.256'), undefined);
  assert.equal(parseIpv4('192.0.2'), undefined);
  assert.equal(formatIpv6(parseIpv6('FD00:0:0:0:0:0:0:1')!), 'fd00::1');
  assert.equal(formatIpv6(parseIpv6('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1'); // first of equal runs
  assert.equal(formatIpv6(parseIpv6('2001:db8:0:1:1:1:1:1')!), '2001:db8:0:1:1:1:1:1'); // no :: for one group
  assert.equal(formatIpv6(parseIpv6('::ffff:192.0.2.1')!), '::ffff:c000:201');
  assert.equal(canonicalIp('fe80::1%eth0'), 'fe80::1');
  for (const bad of ['', ':::', '1::2::3', 'fd00::g', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7']) assert.equal(parseIpv6(bad), undefined, bad);
});

test('IPv6 text matches the WHATWG URL serializer (same RFC 5952 rules) on zero-heavy addresses', () => {
  let x = 12345;
  const next = () => { x = (x * 1103515245 + 12345) >>> 0; return x >>> 8; };
  for (let n = 0; n < 3000; n++) {
    const b = Buffer.alloc(16);
    for (let i = 0; i < 8; i++) if (next() % 3 === 0) b.writeUInt16BE(next() % 4 === 0 ? 0xffff : next() & 0xffff, i * 2);
    const ours = formatIpv6(b);
    assert.equal(`[${ours}]`, new URL(`http://[${ours}]/`).hostname);
    assert.deepEqual(parseIpv6(ours), b);
  }
});

const v2: Advert = {
  version: 2, type: 1, vrid: 51, priority: 150, advertIntCs: 100, authType: 1,
  authData: Buffer.from('s3cr3t'), checksum: 0, family: 4, addrs: ['192.0.2.100', '192.0.2.101'],
};
const v3: Advert = { version: 3, type: 1, vrid: 52, priority: 120, advertIntCs: 50, authType: 0, checksum: 0, family: 4, addrs: ['192.0.2.110'] };
const v36: Advert = { version: 3, type: 1, vrid: 53, priority: 100, advertIntCs: 100, authType: 0, checksum: 0, family: 6, addrs: ['fd00:1::100'] };

test('v2 layout: header, addresses, zero-padded PASS, checksum over the message only', () => {
  const b = encodeAdvert(v2, { src: '192.0.2.1', dst: '224.0.0.18' });
  assert.equal(b.toString('hex'), '213396020101b8e4c0000264c00002657333637233740000');
  // A correct checksum makes the sum over the whole message (checksum included) come out as zero.
  assert.equal(internetChecksum(b), 0);
});

test('v3 IPv4 checksum: pseudo-header by default, message only for as-v2, group for old-unicast', () => {
  const src = '192.0.2.1';
  const dst = '192.0.2.2';
  const std = encodeAdvert(v3, { src, dst });
  const s4 = parseIpv4(src)!;
  assert.equal(internetChecksum(pseudoHeader4(s4, parseIpv4(dst)!, std.length), std), 0);
  const asV2 = encodeAdvert(v3, { src, dst, checksumMode: 'as-v2' });
  assert.equal(internetChecksum(asV2), 0);
  assert.notEqual(asV2.readUInt16BE(6), std.readUInt16BE(6));
  const old = encodeAdvert(v3, { src, dst, checksumMode: 'old-unicast' });
  assert.equal(internetChecksum(pseudoHeader4(s4, parseIpv4('224.0.0.18')!, old.length), old), 0);
  const oldGroup = encodeAdvert(v3, { src, dst, checksumMode: 'old-unicast', mcastGroup: '224.0.0.19' });
  assert.equal(internetChecksum(pseudoHeader4(s4, parseIpv4('224.0.0.19')!, oldGroup.length), oldGroup), 0);
  assert.equal(encodeAdvert(v3, { src, dst, checksumMode: 'kernel' }).readUInt16BE(6), 0);
  assert.equal(encodeAdvert({ ...v3, checksum: 0xbeef }, { src, dst, checksumMode: 'verbatim' }).readUInt16BE(6), 0xbeef);
  // Interval is 12 bits of centiseconds; the 4 reserved bits stay zero.
  assert.equal(std.readUInt16BE(4), 50);
});

test('v3 IPv6 checksum uses the RFC 2460 pseudo-header (32-bit length, next header 112)', () => {
  const src = 'fe80::ff:fe00:5101';
  const dst = 'ff02::12';
  const b = encodeAdvert(v36, { src, dst });
  assert.equal(b.length, 8 + 16);
  assert.equal(internetChecksum(pseudoHeader6(parseIpv6(src)!, parseIpv6(dst)!, b.length), b), 0);
  // 'as-v2' only concerns IPv4: over IPv6 the kernel always includes the pseudo-header.
  assert.deepEqual(encodeAdvert(v36, { src, dst, checksumMode: 'as-v2' }), b);
});

test('vrrpChecksum ignores whatever bytes 6-7 hold', () => {
  const b = encodeAdvert(v3, { src: '192.0.2.1', dst: '224.0.0.18' });
  const c = Buffer.from(b);
  c.writeUInt16BE(0x1234, 6);
  const pseudo = { family: 4 as const, src: '192.0.2.1', dst: '224.0.0.18' };
  assert.equal(vrrpChecksum(c, pseudo), b.readUInt16BE(6));
});

test('encode refuses values that cannot be on the wire', () => {
  const o = { src: '192.0.2.1', dst: '224.0.0.18' };
  assert.throws(() => encodeAdvert({ ...v3, vrid: 256 }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v3, priority: -1 }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v3, advertIntCs: 4096 }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v2, advertIntCs: 150 }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v2, advertIntCs: 25600 }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v2, family: 6, addrs: ['fd00::1'] }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v3, addrs: ['fd00::1'] }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v2, authData: Buffer.alloc(9) }, o), RangeError);
  assert.throws(() => encodeAdvert({ ...v3, addrs: new Array<string>(256).fill('192.0.2.1') }, o), RangeError);
});

test('decode: round trip and structural rejections', () => {
  const b = encodeAdvert(v2, { src: '192.0.2.1', dst: '224.0.0.18' });
  const d = decodeAdvert(b, 4);
  assert.ok(d.ok);
  assert.deepEqual(d.advert, { ...v2, authData: Buffer.from('s3cr3t\0\0'), checksum: b.readUInt16BE(6) });
  assert.deepEqual(decodeAdvert(b.subarray(0, 7), 4), { ok: false, reason: 'truncated' });
  assert.deepEqual(decodeAdvert(b.subarray(0, b.length - 1), 4), { ok: false, reason: 'truncated' });
  assert.deepEqual(decodeAdvert(Buffer.concat([b, Buffer.alloc(4)]), 4), { ok: false, reason: 'length' });
  assert.deepEqual(decodeAdvert(b, 6), { ok: false, reason: 'family' });
  const bad = Buffer.from(b);
  bad[0] = 0x41;
  assert.deepEqual(decodeAdvert(bad, 4), { ok: false, reason: 'version' });
  // The v3 reserved bits are ignored on reception (RFC 5798 §5.2.5).
  const r = encodeAdvert(v3, { src: '192.0.2.1', dst: '224.0.0.18' });
  r[4] |= 0xf0;
  const dr = decodeAdvert(r, 4);
  assert.ok(dr.ok && dr.advert.advertIntCs === 50);
});

test('IP header parsing: IPv4 total length, fragments, IPv6 payload length', () => {
  const payload = encodeAdvert(v3, { src: '192.0.2.1', dst: '224.0.0.18' });
  const ip = Buffer.alloc(20);
  ip[0] = 0x45; ip[1] = 0xc0; ip.writeUInt16BE(20 + payload.length, 2); ip[8] = 255; ip[9] = 112;
  parseIpv4('192.0.2.1')!.copy(ip, 12); parseIpv4('224.0.0.18')!.copy(ip, 16);
  const pkt = Buffer.concat([ip, payload]);
  const r = parseIpv4Packet(pkt);
  assert.ok(r.ok);
  assert.deepEqual(r.packet.meta, { src: '192.0.2.1', dst: '224.0.0.18', ttl: 255 });
  assert.deepEqual(r.packet.payload, payload);
  assert.deepEqual(parseIpv4Packet(pkt.subarray(0, pkt.length - 1)), { ok: false, reason: 'ip-header' });
  const frag = Buffer.from(pkt); frag[6] = 0x20; // MF
  assert.deepEqual(parseIpv4Packet(frag), { ok: false, reason: 'ip-header' });
  const ihl = Buffer.from(pkt); ihl[0] = 0x44;
  assert.deepEqual(parseIpv4Packet(ihl), { ok: false, reason: 'ip-header' });
  assert.deepEqual(parseIpv6Packet(Buffer.alloc(39)), { ok: false, reason: 'ip-header' });
});

// --- receive checks -----------------------------------------------------------------------------

const mcastV2: LocalInstanceView = {
  family: 4, version: 2, vrid: 51, priority: 100, authType: 1, authPass: 's3cr3t', advertIntCs: 100,
  vips: ['192.0.2.101', '192.0.2.100'], unicastPeers: [],
};
const mcastMeta: RxMeta = { src: '192.0.2.1', dst: '224.0.0.18', ttl: 255 };
const ucastV3: LocalInstanceView = {
  family: 4, version: 3, vrid: 52, priority: 100, authType: 0, advertIntCs: 50, vips: ['192.0.2.110'],
  unicastPeers: [{ addr: '192.0.2.1', minTtl: 250, maxTtl: 255 }, { addr: '192.0.2.3' }],
};
const ucastMeta: RxMeta = { src: '192.0.2.1', dst: '192.0.2.2', ttl: 255 };

function pkt(a: Advert, meta: RxMeta, mode: ChecksumMode = 'standard'): Buffer {
  return encodeAdvert(a, { src: meta.src, dst: meta.dst, checksumMode: mode });
}

function expectDrop(reason: DropReason, buf: Buffer, meta: RxMeta, local: LocalInstanceView | Map<number, LocalInstanceView>): void {
  const r = checkAdvert(buf, meta, local);
  assert.equal(r.accept, false, `expected drop '${reason}'`);
  if (!r.accept) assert.equal(r.reason, reason);
}

test('valid adverts are accepted (VIP order does not matter)', () => {
  const r = checkAdvert(pkt(v2, mcastMeta), mcastMeta, mcastV2);
  assert.ok(r.accept);
  assert.deepEqual(r.notes, []);
  const u = checkAdvert(pkt(v3, ucastMeta), ucastMeta, ucastV3);
  assert.ok(u.accept);
  assert.deepEqual(u.notes, []);
});

test('every drop reason is reachable and named', () => {
  const seen = new Set<DropReason>();
  const counters = new DropCounters();
  const drop = (reason: DropReason, buf: Buffer, meta: RxMeta, local: LocalInstanceView | Map<number, LocalInstanceView>) => {
    expectDrop(reason, buf, meta, local);
    counters.record(checkAdvert(buf, meta, local));
    seen.add(reason);
  };
  const good = pkt(v2, mcastMeta);
  seen.add('ip-header'); // tested above with parseIpv4Packet
  drop('truncated', good.subarray(0, 5), mcastMeta, mcastV2);
  drop('length', Buffer.concat([good, Buffer.alloc(1)]), mcastMeta, mcastV2);
  const ver = Buffer.from(good); ver[0] = 0x11;
  drop('version', ver, mcastMeta, mcastV2);
  drop('version', pkt({ ...v3, vrid: 51, addrs: v2.addrs, advertIntCs: 100 }, mcastMeta), mcastMeta, mcastV2);
  drop('family', pkt(v2, mcastMeta), { src: 'fe80::1', dst: 'ff02::12', ttl: 255 }, mcastV2);
  drop('family', pkt(v36, { src: 'fe80::1', dst: 'ff02::12', ttl: 255 }), { src: 'fe80::1', dst: 'ff02::12', ttl: 255 }, { ...ucastV3, vrid: 53 });
  drop('vrid-unknown', pkt({ ...v2, vrid: 9 }, mcastMeta), mcastMeta, mcastV2);
  drop('vrid-unknown', good, mcastMeta, new Map([[52, ucastV3]]));
  drop('owner', good, mcastMeta, { ...mcastV2, priority: 255, ownerIgnoreAdverts: true });
  drop('ttl', good, { ...mcastMeta, ttl: 254 }, mcastV2);
  drop('unicast-ttl', pkt(v3, ucastMeta), { ...ucastMeta, ttl: 64 }, ucastV3);
  drop('auth-type-invalid', pkt({ ...v2, authType: 3 }, mcastMeta), mcastMeta, mcastV2);
  drop('auth-type', pkt({ ...v2, authType: 0, authData: undefined }, mcastMeta), mcastMeta, mcastV2);
  drop('auth-type', pkt({ ...v2, authType: 2 }, mcastMeta), mcastMeta, mcastV2);
  drop('auth-type', pkt({ ...v2, authType: 2 }, mcastMeta), mcastMeta, { ...mcastV2, authType: 2 }); // AH: cannot verify
  drop('auth-pass', pkt({ ...v2, authData: Buffer.from('s3cr3T') }, mcastMeta), mcastMeta, mcastV2);
  drop('auth-pass', pkt({ ...v2, authData: Buffer.from('s3cr3t\0x') }, mcastMeta), mcastMeta, mcastV2);
  drop('interval-mismatch', pkt({ ...v2, advertIntCs: 200 }, mcastMeta), mcastMeta, mcastV2);
  drop('type', pkt({ ...v2, type: 2 }, mcastMeta), mcastMeta, mcastV2);
  drop('type', pkt({ ...v3, type: 0 }, ucastMeta), ucastMeta, ucastV3);
  const sum = Buffer.from(good); sum[7] ^= 1;
  drop('checksum', sum, mcastMeta, mcastV2);
  drop('checksum', pkt(v3, ucastMeta, 'as-v2'), ucastMeta, ucastV3);
  drop('checksum', pkt(v36, { src: 'fe80::1', dst: 'ff02::12', ttl: 255 }), { src: 'fe80::2', dst: 'ff02::12', ttl: 255 },
    { ...ucastV3, family: 6, vrid: 53, unicastPeers: [], advertIntCs: 100, vips: ['fd00:1::100'] });
  drop('cast-mismatch', pkt(v2, { ...mcastMeta, dst: '192.0.2.2' }), { ...mcastMeta, dst: '192.0.2.2' }, mcastV2);
  drop('cast-mismatch', pkt(v3, { ...ucastMeta, dst: '224.0.0.18' }), { ...ucastMeta, dst: '224.0.0.18' }, ucastV3);
  drop('addr-count', pkt({ ...v2, addrs: ['192.0.2.100'] }, mcastMeta), mcastMeta, mcastV2);
  drop('addr-list', pkt({ ...v2, addrs: ['192.0.2.100', '192.0.2.102'] }, mcastMeta), mcastMeta, mcastV2);
  const stranger = { ...ucastMeta, src: '192.0.2.9' };
  drop('unicast-src-unknown', pkt(v3, stranger), stranger, ucastV3);
  assert.deepEqual([...DROP_REASONS].filter((r) => !seen.has(r)), [], 'untested drop reasons');
  assert.equal(counters.total(), 28);
  assert.equal(counters.get('auth-pass'), 2);
  assert.equal(Object.keys(counters.snapshot()).length, DROP_REASONS.length);
  counters.reset();
  assert.equal(counters.total(), 0);
});

test('keepalived deviations become notes, not drops', () => {
  // vipMismatch 'note': VIP list differences are reported but the advert is still processed.
  const noting = { ...mcastV2, vipMismatch: 'note' as const };
  const r1 = checkAdvert(pkt({ ...v2, addrs: ['192.0.2.100'] }, mcastMeta), mcastMeta, noting);
  assert.ok(r1.accept);
  assert.deepEqual(r1.notes, ['addr-count-mismatch']);
  const r2 = checkAdvert(pkt({ ...v2, addrs: ['192.0.2.100', '192.0.2.7'] }, mcastMeta), mcastMeta, noting);
  assert.ok(r2.accept);
  assert.deepEqual(r2.notes, ['addr-list-mismatch']);
  // skip_check_adv_addr: no comparison for adverts from the current master, but still for others.
  const skip = { ...mcastV2, skipCheckAdvAddr: true, masterSrc: '192.0.2.1' };
  assert.ok(checkAdvert(pkt({ ...v2, addrs: ['192.0.2.100'] }, mcastMeta), mcastMeta, skip).accept);
  const other = { ...mcastMeta, src: '192.0.2.5' };
  expectDrop('addr-count', pkt({ ...v2, addrs: ['192.0.2.100'] }, other), other, skip);
  // v3 interval differences are learned, not dropped (RFC 5798).
  const r3 = checkAdvert(pkt({ ...v3, advertIntCs: 100 }, ucastMeta), ucastMeta, ucastV3);
  assert.ok(r3.accept);
  assert.deepEqual(r3.notes, ['interval-mismatch']);
  // TTL is not enforced for unicast instances unless a peer has a TTL range.
  const plain = { ...ucastV3, unicastPeers: [{ addr: '192.0.2.1' }] };
  assert.ok(checkAdvert(pkt(v3, ucastMeta), { ...ucastMeta, ttl: 1 }, plain).accept);
  // Without check_unicast_src any unicast source is fine; with it, only peers.
  const stranger = { ...ucastMeta, src: '192.0.2.9' };
  assert.ok(checkAdvert(pkt(v3, stranger), stranger, plain).accept);
  expectDrop('unicast-src-unknown', pkt(v3, stranger), stranger, { ...plain, checkUnicastSrc: true });
  // The owner processes adverts unless owner_ignore_adverts.
  assert.ok(checkAdvert(pkt(v2, mcastMeta), mcastMeta, { ...mcastV2, priority: 255 }).accept);
  // Unknown hop limit: the TTL rule is skipped and noted.
  const r4 = checkAdvert(pkt(v2, mcastMeta), { ...mcastMeta, ttl: -1 }, mcastV2);
  assert.ok(r4.accept);
  assert.deepEqual(r4.notes, ['ttl-unknown']);
  const r5 = checkAdvert(pkt({ ...v2, priority: 0 }, mcastMeta), mcastMeta, mcastV2);
  assert.ok(r5.accept);
  assert.deepEqual(r5.notes, ['priority-zero']);
  // IPv6 with the kernel's checksum verification: a zero checksum field is fine.
  const m6: RxMeta = { src: 'fe80::1', dst: 'ff02::12', ttl: 255, checksumVerified: true };
  const l6: LocalInstanceView = { ...ucastV3, family: 6, vrid: 53, unicastPeers: [], advertIntCs: 100, vips: ['FD00:1:0::100'] };
  const r6 = checkAdvert(pkt(v36, m6, 'kernel'), m6, l6);
  assert.ok(r6.accept);
  assert.deepEqual(r6.notes, []);
});

test('v3 checksum modes on receive: as-v2, old unicast auto-detect, never, always', () => {
  const asV2 = { ...ucastV3, v3ChecksumAsV2: true };
  assert.ok(checkAdvert(pkt(v3, ucastMeta, 'as-v2'), ucastMeta, asV2).accept);
  expectDrop('checksum', pkt(v3, ucastMeta, 'standard'), ucastMeta, asV2);
  const old = pkt(v3, ucastMeta, 'old-unicast');
  const auto = checkAdvert(old, ucastMeta, ucastV3);
  assert.ok(auto.accept);
  assert.deepEqual(auto.notes, ['old-unicast-checksum']);
  expectDrop('checksum', old, ucastMeta, { ...ucastV3, oldUnicastChecksum: 'never' });
  const always = checkAdvert(old, ucastMeta, { ...ucastV3, oldUnicastChecksum: 'always' });
  assert.ok(always.accept);
  assert.deepEqual(always.notes, []);
  expectDrop('checksum', pkt(v3, ucastMeta, 'standard'), ucastMeta, { ...ucastV3, oldUnicastChecksum: 'always' });
  // A multicast instance never falls back (keepalived only tries it with unicast peers).
  const m: RxMeta = { src: '192.0.2.1', dst: '224.0.0.18', ttl: 255 };
  const mc = { ...ucastV3, unicastPeers: [] };
  assert.ok(checkAdvert(pkt(v3, m, 'old-unicast'), m, mc).accept); // identical sums: dst is the group
  const m19: RxMeta = { ...m, dst: '224.0.0.19' };
  expectDrop('checksum', pkt(v3, m19, 'old-unicast'), m19, mc);
});
