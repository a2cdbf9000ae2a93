// The per-rule validation tests (test/unit/config-validate.test.ts) carry keepalived 2.2.7's verdict for
// every bad and fixed config. Here they are re-checked against the real `keepalived -t`, inside a
// namespace that has exactly the interfaces those configs assume (eth0, no eth9), so the expectations
// cannot drift from keepalived without a failing test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Lab, labUnavailable } from '../helpers/netns.js';

const skip = labUnavailable() ?? (spawnSync('keepalived', ['-v']).error ? 'keepalived is not installed' : undefined);

test('every validation rule\'s expected exit code is what keepalived 2.2.7 -t says', { skip, timeout: 600_000 }, async () => {
  const lab = new Lab('vc');
  try {
    const h = lab.addHost('h', '192.0.2.1/24');
    // A node --test child of a test inherits NODE_TEST_CONTEXT and would talk the runner's internal
    // protocol instead of TAP; this run must stand on its own.
    const env: NodeJS.ProcessEnv = { ...process.env, VIPD_VERIFY_WITH_KEEPALIVED: '1' };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync('ip', ['netns', 'exec', h.ns, process.execPath, '--test', 'dist/test/unit/config-validate.test.js'],
      { encoding: 'utf8', env, timeout: 580_000 });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, out.split('\n').filter((l) => /not ok|error|expected|actual/.test(l)).slice(0, 40).join('\n'));
    const pass = Number(/# pass (\d+)/.exec(out)?.[1] ?? 0);
    const skipped = Number(/# skipped (\d+)/.exec(out)?.[1] ?? -1);
    console.log(`# keepalived-verified validation tests: ${pass} passed, ${skipped} skipped`);
    assert.equal(skipped, 0, 'with keepalived present nothing is skipped');
    assert.ok(pass >= 200, `expected the full rule set, got ${pass}`);
  } finally {
    await lab.teardown();
  }
});
