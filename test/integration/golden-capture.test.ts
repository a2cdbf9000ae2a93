// Re-captures keepalived's adverts live (namespaces, real keepalived, tcpdump) and compares them with the
// committed golden fixtures, so that a keepalived package change, or a change in how we read its packets,
// is noticed. Regenerate the fixtures with `sudo node dist/scripts/capture-golden.js` after review.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labUnavailable } from '../helpers/netns.js';
import { FIXTURE_DIR, GOLDEN_CASES, captureGolden, describe, receiverView, type GoldenRecord } from '../../scripts/capture-golden.js';
import { decodeAdvert, encodeAdvert } from '../../src/vrrp/packet.js';
import { checkAdvert } from '../../src/vrrp/receive.js';

function missingTool(): string | undefined {
  for (const t of ['keepalived', 'tcpdump']) {
    if (spawnSync(t, ['--version'], { stdio: 'ignore' }).error) return `${t} not installed`;
  }
  return undefined;
}

const skip = labUnavailable() ?? missingTool();

test('live keepalived adverts match the golden fixtures', { skip, timeout: 120_000 }, async () => {
  const live = await captureGolden(GOLDEN_CASES, 40_000);
  const missing = GOLDEN_CASES.filter((c) => !live.records.has(c.name)).map((c) => c.name);
  assert.deepEqual(missing, [], `no advert captured for ${missing.join(', ')}\n${live.keepalivedLog}`);
  assert.equal(readFileSync(join(FIXTURE_DIR, 'keepalived.conf'), 'utf8'), live.config, 'fixture config differs from the generator');
  for (const c of GOLDEN_CASES) {
    const fixture = JSON.parse(readFileSync(join(FIXTURE_DIR, `${c.name}.json`), 'utf8')) as GoldenRecord;
    const rec = live.records.get(c.name)!;
    const why = `${c.name}: keepalived ${rec.keepalived} (fixture from ${fixture.keepalived})`;
    assert.deepEqual(describe(rec.advert), describe(fixture.advert), why);
    assert.equal(rec.advert.vrrpHex, fixture.advert.vrrpHex, why);
    if (rec.resign && fixture.resign) assert.deepEqual(describe(rec.resign), describe(fixture.resign), `${why} (priority 0)`);
    // And our side still understands the live packet exactly.
    const bytes = Buffer.from(rec.advert.vrrpHex, 'hex');
    const d = decodeAdvert(bytes, c.family);
    assert.ok(d.ok, why);
    assert.deepEqual(encodeAdvert({ ...d.advert, checksum: 0 }, { src: rec.advert.src, dst: rec.advert.dst, checksumMode: c.checksumMode }), bytes, why);
    const r = checkAdvert(bytes, { src: rec.advert.src, dst: rec.advert.dst, ttl: rec.advert.ttl }, receiverView(c, rec.advert));
    assert.ok(r.accept, `${why}: ${r.accept ? '' : r.reason}`);
  }
});
