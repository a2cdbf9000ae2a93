// Adverts captured from Debian's keepalived 2.2.7 (test/fixtures/golden, made by scripts/capture-golden.ts):
// each decodes, re-encodes byte for byte (checksum included) from the captured src/dst, and passes the
// receive checks of an instance configured like the peer would be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAdvert, encodeAdvert } from '../../src/vrrp/packet.js';
import { checkAdvert } from '../../src/vrrp/receive.js';
import { GOLDEN_CASES, ipFromFrame, readPcap, receiverView, type GoldenCase, type GoldenRecord } from '../../scripts/capture-golden.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'fixtures', 'golden');
const records: GoldenRecord[] = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as GoldenRecord);

function caseOf(rec: GoldenRecord): GoldenCase {
  const c = GOLDEN_CASES.find((x) => x.name === rec.case);
  assert.ok(c, `fixture ${rec.case} has no case definition`);
  return c;
}

test('every golden case has a fixture', () => {
  assert.deepEqual(records.map((r) => r.case).sort(), GOLDEN_CASES.map((c) => c.name).sort());
});

for (const rec of records) {
  test(`golden ${rec.case}: decode, re-encode byte for byte, accept`, () => {
    const c = caseOf(rec);
    for (const p of [rec.advert, rec.resign]) {
      if (!p) continue;
      const bytes = Buffer.from(p.vrrpHex, 'hex');
      const d = decodeAdvert(bytes, p.family);
      assert.ok(d.ok, `decode failed: ${d.ok ? '' : d.reason}`);
      const a = d.advert;
      assert.equal(a.version, c.version);
      assert.equal(a.type, 1);
      assert.equal(a.vrid, c.vrid);
      assert.equal(a.priority, p === rec.resign ? 0 : c.priority);
      assert.equal(a.advertIntCs, c.advertIntCs);
      assert.deepEqual(a.addrs, c.vips);
      if (c.version === 2) {
        assert.equal(a.authType, c.authPass ? 1 : 0);
        const pass = Buffer.alloc(8);
        if (c.authPass) pass.write(c.authPass);
        assert.deepEqual(a.authData, pass);
      }
      assert.equal(p.ipProtocol, 112);
      assert.equal(p.tos, 0xc0); // keepalived sends "internet network control"
      assert.equal(p.dst, c.unicast ? (c.family === 4 ? '192.0.2.2' : 'fd00:1::2') : (c.family === 4 ? '224.0.0.18' : 'ff02::12'));
      // Re-encode from the decoded fields alone (checksum recomputed) and compare every byte.
      const again = encodeAdvert({ ...a, checksum: 0 }, { src: p.src, dst: p.dst, checksumMode: rec.checksumMode });
      assert.equal(again.toString('hex'), p.vrrpHex);
      const r = checkAdvert(bytes, { src: p.src, dst: p.dst, ttl: p.ttl }, receiverView(c, p));
      assert.ok(r.accept, r.accept ? '' : `rejected: ${r.reason}`);
      const expectNotes = [...(rec.checksumMode === 'old-unicast' ? ['old-unicast-checksum'] : []), ...(a.priority === 0 ? ['priority-zero'] : [])];
      assert.deepEqual(r.notes, expectNotes);
    }
  });
}

test('golden old unicast checksum: refused with old_unicast_checksum never, accepted silently with always', () => {
  const rec = records.find((r) => r.checksumMode === 'old-unicast');
  assert.ok(rec);
  const c = caseOf(rec);
  const p = rec.advert;
  const meta = { src: p.src, dst: p.dst, ttl: p.ttl };
  const bytes = Buffer.from(p.vrrpHex, 'hex');
  const never = checkAdvert(bytes, meta, { ...receiverView(c, p), oldUnicastChecksum: 'never' });
  assert.equal(never.accept, false);
  assert.equal(!never.accept && never.reason, 'checksum');
  const always = checkAdvert(bytes, meta, { ...receiverView(c, p), oldUnicastChecksum: 'always' });
  assert.ok(always.accept);
  assert.deepEqual(always.notes, []);
});

test('golden IPv6 unicast: keepalived 2.2.7 sends hop limit 64, accepted (no TTL rule for unicast)', () => {
  const rec = records.find((r) => r.case === 'v3-ucast6');
  assert.ok(rec);
  assert.equal(rec.advert.ttl, 64);
});

test('golden.pcap holds every fixture packet', () => {
  const { frames } = readPcap(readFileSync(join(dir, 'golden.pcap')));
  const inPcap = new Set(frames.map((f) => ipFromFrame(f)?.payload.toString('hex')).filter((x) => x !== undefined));
  for (const rec of records) {
    assert.ok(inPcap.has(rec.advert.vrrpHex), `${rec.case} advert not in golden.pcap`);
    if (rec.resign) assert.ok(inPcap.has(rec.resign.vrrpHex), `${rec.case} resign not in golden.pcap`);
  }
});

test('readPcap: both byte orders, an incomplete last record is left for later, junk is refused', () => {
  const pcap = readFileSync(join(dir, 'golden.pcap'));
  const le = readPcap(pcap);
  assert.ok(le.frames.length >= records.length);
  assert.equal(le.consumed, pcap.length);
  // Same capture re-written big-endian (header fields and record headers swapped).
  const be = Buffer.from(pcap);
  be.writeUInt32BE(pcap.readUInt32LE(0), 0);
  be.writeUInt16BE(pcap.readUInt16LE(4), 4);
  be.writeUInt16BE(pcap.readUInt16LE(6), 6);
  for (const o of [8, 12, 16, 20]) be.writeUInt32BE(pcap.readUInt32LE(o), o);
  for (let off = 24; off + 16 <= pcap.length;) {
    for (let k = 0; k < 16; k += 4) be.writeUInt32BE(pcap.readUInt32LE(off + k), off + k);
    off += 16 + pcap.readUInt32LE(off + 8);
  }
  const b = readPcap(be);
  assert.deepEqual(b.frames.map((f) => f.data.toString('hex')), le.frames.map((f) => f.data.toString('hex')));
  const cut = readPcap(pcap.subarray(0, pcap.length - 3));
  assert.equal(cut.frames.length, le.frames.length - 1);
  assert.throws(() => readPcap(Buffer.alloc(24, 0x55)), /not a pcap/);
});
