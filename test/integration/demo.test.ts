// The README's first command runs this demo: it must work end to end and leave nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { labUnavailable, sh } from '../helpers/netns.js';

const skip = labUnavailable();

test('vipd demo: election, nginx failure failover, preemption back, crash takeover, cleanup', { skip }, () => {
  const before = sh('ip', ['netns', 'list']);
  const r = spawnSync(process.execPath, ['bin/vipd.js', 'demo'], { encoding: 'utf8', timeout: 180_000 });
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 0, out);
  const gets = [...out.matchAll(/client gets: (.*)/g)].map((m) => m[1]);
  assert.deepEqual(gets, ['I am 192.0.2.11', 'I am 192.0.2.12', 'I am 192.0.2.11', 'I am 192.0.2.12', 'I am 192.0.2.11'], out);
  const crash = /node2 took over after (\d+) ms/.exec(out);
  assert.ok(crash, out);
  console.log(`# demo crash takeover ${crash[1]} ms`);
  const leftovers = sh('ip', ['netns', 'list']).split('\n').filter((l) => l.startsWith('vd') && !before.includes(l));
  assert.deepEqual(leftovers, [], 'the demo removed its namespaces');
});
