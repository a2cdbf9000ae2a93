// The bench's generated configurations and expected figures: vipd's own checker (the one the daemon runs
// at start) accepts them, and the timing targets follow RFC 3768/5798.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkConfigText } from '../../src/config/check.js';
import type { HostFacts } from '../../src/config/validate.js';
import { steadyConf, steadyVip } from '../../bench/vrrp-steady.js';
import { masterDownMs, skewMs, partitionSplitMs } from '../../bench/vrrp-failover.js';

const host: HostFacts = { interfaces: new Set(['lo', 'eth0']), userExists: (n) => n === 'root', uidOf: (n) => (n === 'root' ? 0 : undefined) };

test('steady-state config: 100 instances on eth0, VRIDs 1..100, one VIP each, accepted by the checker', () => {
  for (const node of ['n1', 'n2'] as const) {
    const r = checkConfigText(steadyConf(100, node), 'bench.conf', { host });
    assert.equal(r.exitCode, 0, r.diagnostics.map((d) => d.message).join('\n'));
    const inst = r.model!.vrrpInstances;
    assert.equal(inst.length, 100);
    assert.deepEqual(inst.map((i) => i.vrid), Array.from({ length: 100 }, (_, k) => k + 1));
    assert.ok(inst.every((i) => i.interface === 'eth0' && i.priority === (node === 'n1' ? 150 : 100)));
  }
});

test('steady-state VIPs stay inside the documentation ranges and never repeat', () => {
  const vips = Array.from({ length: 500 }, (_, k) => steadyVip(k + 1));
  assert.equal(new Set(vips).size, 500);
  assert.ok(vips.every((v) => /^(203\.0\.113|198\.51\.100)\.(\d+)$/.test(v) && Number(v.split('.')[3]) >= 1 && Number(v.split('.')[3]) <= 250));
  assert.throws(() => steadyVip(0));
  assert.throws(() => steadyVip(501));
});

test('master-down interval and skew time as RFC 5798 (priority 100)', () => {
  assert.equal(skewMs(1), 609.375);
  assert.equal(masterDownMs(1), 3609.375);
  assert.ok(Math.abs(masterDownMs(0.1) - 360.9375) < 1e-9);
  assert.equal(masterDownMs(1, 200), 3218.75);
});

test('partition runs heal at phases spread evenly over one advert interval', () => {
  assert.deepEqual([0, 1, 2].map((i) => partitionSplitMs(i, 3)), [3000 + 1000 / 6, 3500, 3000 + 5000 / 6]);
  assert.equal(partitionSplitMs(0, 1), 3500);
  assert.equal(partitionSplitMs(4, 3), partitionSplitMs(1, 3), 'extra runs wrap around');
});
