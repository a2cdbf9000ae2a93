// The README's first command runs `npx vipd`: after `npm ci` the bin must resolve to this checkout
// without npx trying to re-install the project (which strict-allow-scripts would refuse).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('npx vipd runs the checkout\'s own CLI', () => {
  const r = spawnSync('npx', ['--no-install', 'vipd', '--signum=JSON'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '36');
  const v = spawnSync('npx', ['vipd', '-v'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stderr + v.stdout, /vipd v\d+\.\d+\.\d+/);
});
