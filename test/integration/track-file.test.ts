// track_file tracker with a real file written, replaced and deleted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrackFile } from '../../src/track/file.js';
import { trackedPriority } from '../../src/vrrp/priority.js';
import { MemoryLogger } from '../../src/notify/log.js';
import { waitFor } from '../helpers/netns.js';

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'vipd-trackfile-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

test('value follows writes, atomic replaces and deletion (= 0); priority follows value x weight', async () => {
  const path = join(dir, 'prio');
  writeFileSync(path, '5\n');
  const tf = new TrackFile({ name: 'tf', path, weight: 2 });
  const seen: number[] = [];
  tf.on('change', (v) => seen.push(v));
  assert.equal(await tf.start(), true);
  try {
    assert.equal(tf.value, 5);
    const prio = () => trackedPriority(100, [{ kind: 'value', name: 'tf', value: tf.value, weight: 2 }]);
    assert.equal(prio().priority, 110);
    writeFileSync(path, '-20\n');
    await waitFor(() => tf.value === -20, 5000);
    assert.equal(prio().priority, 60);
    writeFileSync(join(dir, 'prio.tmp'), '0x10');
    renameSync(join(dir, 'prio.tmp'), path);
    await waitFor(() => tf.value === 16, 5000);
    unlinkSync(path);
    await waitFor(() => tf.value === 0, 5000);
    writeFileSync(path, '-300');
    await waitFor(() => tf.value === -300, 5000);
    assert.equal(prio().fault, true);
    assert.deepEqual(seen, [-20, 16, 0, -300]);
  } finally {
    tf.stop();
  }
});

test('invalid (out of range) content keeps the previous value and is logged', async () => {
  const path = join(dir, 'bad');
  writeFileSync(path, '7');
  const log = new MemoryLogger();
  const tf = new TrackFile({ name: 'bad', path, log });
  await tf.start();
  try {
    writeFileSync(path, '99999999999');
    await waitFor(() => log.lines.some((l) => /invalid number/.test(l)), 5000);
    assert.equal(tf.value, 7);
    writeFileSync(path, '8');
    await waitFor(() => tf.value === 8, 5000);
  } finally {
    tf.stop();
  }
});

test('init_file creates a missing file with the value; overwrite replaces an existing one', async () => {
  const fresh = join(dir, 'init-fresh');
  const a = new TrackFile({ name: 'a', path: fresh, initFile: { value: 3 } });
  await a.start();
  a.stop();
  assert.equal(readFileSync(fresh, 'utf8'), '3\n');
  assert.equal(a.value, 3);

  const existing = join(dir, 'init-existing');
  writeFileSync(existing, '9\n');
  const b = new TrackFile({ name: 'b', path: existing, initFile: {} });
  await b.start();
  b.stop();
  assert.equal(b.value, 9, 'existing file kept without overwrite');

  const c = new TrackFile({ name: 'c', path: existing, initFile: { value: -1, overwrite: true } });
  await c.start();
  c.stop();
  assert.equal(readFileSync(existing, 'utf8'), '-1\n');
  assert.equal(c.value, -1);
});

test('missing file reads 0; missing directory makes the tracker unusable (logged)', async () => {
  const t = new TrackFile({ name: 'm', path: join(dir, 'not-there') });
  assert.equal(await t.start(), true);
  assert.equal(t.value, 0);
  t.stop();
  const log = new MemoryLogger();
  const u = new TrackFile({ name: 'nodir', path: join(dir, 'no-dir', 'x'), log });
  assert.equal(await u.start(), false);
  assert.ok(log.lines.some((l) => /does not exist/.test(l)));
});

test('after stop() changes are no longer reported', async () => {
  const path = join(dir, 'stopped');
  writeFileSync(path, '1');
  const tf = new TrackFile({ name: 's', path });
  await tf.start();
  tf.stop();
  writeFileSync(path, '2');
  await tf.reread();
  assert.equal(tf.value, 1);
});
