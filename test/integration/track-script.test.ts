// vrrp_script tracker with real check scripts toggled through a flag file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync, rmSync, unlinkSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { VrrpScriptTracker } from '../../src/track/script.js';
import { trackedPriority, type TrackerStatus } from '../../src/vrrp/priority.js';
import { waitFor } from '../helpers/netns.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vipd-trackscript-'));
  chmodSync(dir, 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function checkScript(name: string): { path: string; failFlag: string; runs: string } {
  const failFlag = join(dir, `${name}.fail`);
  const runs = join(dir, `${name}.runs`);
  const path = join(dir, `${name}.sh`);
  writeFileSync(path, `#!/bin/sh\necho run >> ${runs}\n[ -e ${failFlag} ] && exit 1\nexit 0\n`);
  chmodSync(path, 0o755);
  return { path, failFlag, runs };
}

/** The tracker as the daemon hands it to the fsm (src/daemon/vrrp-engine.ts): left out while its state is unknown. */
const asDaemon = (up: boolean | undefined, weight: number): TrackerStatus[] => (up === undefined ? [] : [{ kind: 'updown', name: 's', up, weight }]);

const runCount = (f: string): number => (existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0);

test('rise 2 / fall 2: a weight -10 script lowers priority after two failures and restores it after two successes', async () => {
  const c = checkScript('rf');
  const t = new VrrpScriptTracker({ name: 'chk', script: { argv: [c.path] }, intervalMs: 100, rise: 2, fall: 2, weight: -10 });
  const changes: string[] = [];
  t.on('change', (s) => changes.push(s));
  const prio = () => trackedPriority(100, asDaemon(t.up, -10)).priority;
  assert.equal(t.state, 'unknown');
  assert.equal(prio(), 100);
  try {
    t.start();
    await once(t, 'change');
    assert.equal(t.state, 'up'); // first success decides
    assert.equal(prio(), 100);
    writeFileSync(c.failFlag, '');
    const before = runCount(c.runs);
    await once(t, 'change');
    assert.equal(t.state, 'down');
    assert.ok(runCount(c.runs) - before >= 2, 'needed at least fall=2 runs');
    assert.equal(prio(), 90);
    unlinkSync(c.failFlag);
    await once(t, 'change');
    assert.equal(t.state, 'up');
    assert.equal(prio(), 100);
    assert.deepEqual(changes, ['up', 'down', 'up']);
  } finally {
    await t.stop();
  }
});

test('init_fail: starts failed (FAULT with weight 0) until `rise` successes', async () => {
  const c = checkScript('initfail');
  const t = new VrrpScriptTracker({ name: 'chk2', script: { argv: [c.path] }, intervalMs: 100, rise: 3, fall: 1, initFail: true });
  assert.equal(t.state, 'down');
  assert.equal(trackedPriority(100, asDaemon(t.up, 0)).fault, true);
  try {
    t.start();
    await once(t, 'change');
    assert.equal(t.state, 'up');
    assert.ok(runCount(c.runs) >= 3);
    assert.equal(trackedPriority(100, asDaemon(t.up, 0)).fault, false);
  } finally {
    await t.stop();
  }
});

test('a script exceeding its timeout is killed and counts as a failure', async () => {
  const path = join(dir, 'slow.sh');
  writeFileSync(path, '#!/bin/sh\nexec sleep 60\n');
  chmodSync(path, 0o755);
  const t = new VrrpScriptTracker({ name: 'slow', script: { argv: [path] }, intervalMs: 1000, timeoutMs: 200 });
  try {
    t.start();
    const [state] = await once(t, 'change');
    assert.equal(state, 'down');
    assert.equal(t.stats.timeouts, 1);
  } finally {
    await t.stop();
  }
});

test('runs never overlap: a run still going when the next is due is skipped', async () => {
  const path = join(dir, 'overlap.sh');
  const marks = join(dir, 'overlap.log');
  writeFileSync(path, `#!/bin/sh\necho start >> ${marks}\nsleep 0.35\necho end >> ${marks}\n`);
  chmodSync(path, 0o755);
  const t = new VrrpScriptTracker({ name: 'ov', script: { argv: [path] }, intervalMs: 100, timeoutMs: 5000 });
  try {
    t.start();
    await waitFor(() => t.stats.runs >= 2, 10000);
  } finally {
    await t.stop();
  }
  const lines = readFileSync(marks, 'utf8').trim().split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) assert.deepEqual([lines[i], lines[i + 1]], ['start', 'end']);
  assert.ok(t.stats.skipped > 0);
});

test('stop() kills a running check and no further runs happen', async () => {
  const c = checkScript('stop');
  const t = new VrrpScriptTracker({ name: 'st', script: { argv: [c.path] }, intervalMs: 50 });
  t.start();
  await waitFor(() => runCount(c.runs) >= 2, 5000);
  await t.stop();
  const n = runCount(c.runs);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(runCount(c.runs), n);
});
