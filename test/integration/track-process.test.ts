// vrrp_track_process tracker with real processes: a copy of `sleep` under a unique name, started
// and stopped by PID.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, copyFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { ProcessTracker, findMatchingProcesses } from '../../src/track/process.js';
import { acquireProcConnector, releaseProcConnector } from '../../src/track/proc-events.js';
import { waitFor, sleep } from '../helpers/netns.js';

let dir = '';
let name = '';
let bin = '';
const procs = new Set<ChildProcess>();

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vipd-trackproc-'));
  name = `vsl${randomBytes(4).toString('hex')}`; // 11 chars: fits the 15-char kernel name
  bin = join(dir, name);
  copyFileSync('/bin/sleep', bin);
  chmodSync(bin, 0o755);
});
after(async () => {
  for (const p of procs) await stop(p);
  rmSync(dir, { recursive: true, force: true });
});

function start(...args: string[]): ChildProcess {
  const p = spawn(bin, args.length ? args : ['300'], { stdio: 'ignore' });
  procs.add(p);
  return p;
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode === null && p.signalCode === null) {
    const gone = once(p, 'exit');
    p.kill('SIGTERM');
    await gone;
  }
  procs.delete(p);
}

test('finds processes by exact name, and by argv with parameters', async () => {
  const a = start('300');
  const b = start('301');
  await waitFor(async () => (await findMatchingProcesses({ name: 't', process: name })).length === 2, 5000);
  const byParam = await findMatchingProcesses({ name: 't', process: bin, params: ['301'] });
  assert.deepEqual(byParam, [b.pid]);
  const prefix = await findMatchingProcesses({ name: 't', process: bin, params: ['30'], paramMatch: 'initial' });
  assert.deepEqual(prefix.sort(), [a.pid, b.pid].sort());
  assert.deepEqual(await findMatchingProcesses({ name: 't', process: name.slice(0, -1) }), []);
  await stop(a);
  await stop(b);
});

// Every behaviour runs twice: polling /proc, and fed by kernel process events. In events mode the
// polling/reconciliation period is 10 minutes, so anything detected came from the events.
const eventsAvailable = (() => {
  const c = acquireProcConnector();
  if (c) releaseProcConnector();
  return c !== undefined;
})();
const modes = [
  { label: 'poll', opts: { events: 'poll' } as const, expect: 'poll', skip: false as string | false },
  { label: 'events', opts: { events: 'auto', reconcileMs: 600_000 } as const, expect: 'events', skip: eventsAvailable ? false : 'proc connector unavailable (needs CAP_NET_ADMIN in the initial netns)' },
];

for (const mode of modes) {
  test(`quorum 2: up with two processes, down when one is stopped, up again when restarted [${mode.label}]`, { skip: mode.skip }, async () => {
    const t = new ProcessTracker({ ...mode.opts, name: 'tp', process: name, quorum: 2, pollIntervalMs: 100 });
    const a = start();
    const b = start();
    await waitFor(async () => (await findMatchingProcesses(t.config)).length === 2, 5000);
    try {
      assert.equal(await t.start(), true);
      assert.equal(t.mode, mode.expect);
      const down = once(t, 'change');
      await stop(a);
      assert.deepEqual(await down, [false, 1]);
      const up = once(t, 'change');
      start();
      assert.deepEqual(await up, [true, 2]);
    } finally {
      t.stop();
      await stop(b);
      for (const p of procs) await stop(p);
    }
  });

  test(`quorum_max: too many processes is a failure [${mode.label}]`, { skip: mode.skip }, async () => {
    const t = new ProcessTracker({ ...mode.opts, name: 'max', process: name, quorum: 1, quorumMax: 1, pollIntervalMs: 100 });
    const a = start();
    await waitFor(async () => (await findMatchingProcesses(t.config)).length === 1, 5000);
    try {
      assert.equal(await t.start(), true);
      assert.equal(t.mode, mode.expect);
      const down = once(t, 'change');
      start();
      assert.deepEqual(await down, [false, 2]);
    } finally {
      t.stop();
      await stop(a);
      for (const p of procs) await stop(p);
    }
  });

  test(`terminate_delay rides out a quick restart; a lasting stop is reported after the delay [${mode.label}]`, { skip: mode.skip }, async () => {
    const t = new ProcessTracker({ ...mode.opts, name: 'td', process: name, terminateDelayMs: 1500, pollIntervalMs: 100 });
    const a = start();
    await waitFor(async () => (await findMatchingProcesses(t.config)).length === 1, 5000);
    const changes: boolean[] = [];
    t.on('change', (up) => changes.push(up));
    try {
      assert.equal(await t.start(), true);
      assert.equal(t.mode, mode.expect);
      await stop(a);
      await sleep(300); // seen as gone by a few scans, well inside the delay
      start();
      await sleep(2000); // past the delay: nothing may have been reported
      assert.deepEqual(changes, []);
      for (const p of procs) await stop(p);
      const down = once(t, 'change');
      const stoppedAt = Date.now();
      assert.deepEqual(await down, [false, 0]);
      assert.ok(Date.now() - stoppedAt >= 1400, 'reported only after terminate_delay');
    } finally {
      t.stop();
    }
  });

  test(`fork_delay: quorum gained is reported only once it held for the delay [${mode.label}]`, { skip: mode.skip }, async () => {
    const t = new ProcessTracker({ ...mode.opts, name: 'fd', process: name, forkDelayMs: 1500, pollIntervalMs: 100 });
    const changes: boolean[] = [];
    t.on('change', (up) => changes.push(up));
    try {
      assert.equal(await t.start(), false);
      assert.equal(t.mode, mode.expect);
      const blip = start();
      await sleep(300); // seen by a few scans, then gone before the delay ends
      await stop(blip);
      await sleep(1800);
      assert.deepEqual(changes, []);
      const up = once(t, 'change');
      const startedAt = Date.now();
      start();
      assert.deepEqual(await up, [true, 1]);
      assert.ok(Date.now() - startedAt >= 1400, 'reported only after fork_delay');
    } finally {
      t.stop();
      for (const p of procs) await stop(p);
    }
  });
}

test('no matching process at start: down immediately', async () => {
  const t = new ProcessTracker({ name: 'none', process: `${name}x` });
  assert.equal(await t.start(), false);
  assert.equal(t.up, false);
  t.stop();
});
