import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveScriptUser, defaultScriptUser, lookupUser } from '../../src/notify/users.js';

let dir = '';
const files = { passwd: '', group: '' };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vipd-users-'));
  files.passwd = join(dir, 'passwd');
  files.group = join(dir, 'group');
  writeFileSync(files.passwd, [
    'root:x:0:0:root:/root:/bin/bash',
    'keepalived_script:x:997:996::/nonexistent:/usr/sbin/nologin',
    'alice:x:1000:1000:Alice:/home/alice:/bin/sh',
    'broken line without fields',
    '',
  ].join('\n'));
  writeFileSync(files.group, [
    'root:x:0:',
    'keepalived_script:x:996:',
    'alice:x:1000:',
    'web:x:1500:alice,bob',
    'ops:x:1600:alice',
    '',
  ].join('\n'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('user alone takes the primary group of the user', () => {
  const r = resolveScriptUser('alice', undefined, files);
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual([r.user.uid, r.user.gid, r.user.supplementaryGroups], [1000, 1000, undefined]);
});

test('explicit group overrides the primary group', () => {
  const r = resolveScriptUser('alice', 'web', files);
  assert.ok(r.ok);
  if (r.ok) assert.deepEqual([r.user.uid, r.user.gid], [1000, 1500]);
});

test('a group prefixed with ":" also asks for the supplementary groups', () => {
  const r = resolveScriptUser('alice', ':web', files);
  assert.ok(r.ok);
  if (r.ok) {
    assert.equal(r.user.gid, 1500);
    assert.deepEqual(r.user.supplementaryGroups?.sort(), [1000, 1500, 1600]);
  }
  const lone = resolveScriptUser('alice', ':', files);
  assert.ok(lone.ok);
  if (lone.ok) assert.equal(lone.user.gid, 1000);
});

test('unknown user or group is an error with the name', () => {
  const u = resolveScriptUser('mallory', undefined, files);
  assert.equal(u.ok, false);
  if (!u.ok) assert.match(u.error, /'mallory' does not exist/);
  const g = resolveScriptUser('alice', 'nogrp', files);
  assert.equal(g.ok, false);
  if (!g.ok) assert.match(g.error, /group 'nogrp'/);
});

test('default script user is keepalived_script when it exists', () => {
  const d = defaultScriptUser(files);
  assert.equal(d.warning, undefined);
  assert.deepEqual([d.user.user, d.user.uid, d.user.gid], ['keepalived_script', 997, 996]);
});

test('default script user falls back to our own identity with a warning', () => {
  writeFileSync(join(dir, 'passwd2'), 'root:x:0:0:root:/root:/bin/bash\n');
  const d = defaultScriptUser({ passwd: join(dir, 'passwd2'), group: files.group });
  assert.match(d.warning ?? '', /keepalived_script/);
  assert.equal(d.user.uid, process.getuid?.());
});

test('malformed lines are skipped, not fatal', () => {
  assert.equal(lookupUser('broken line without fields', files), undefined);
});
