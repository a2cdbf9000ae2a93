// Config -> runnable script, with real account files and script files in a temp dir.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptContext, prepareScript } from '../../src/notify/prepare.js';

const isRoot = process.getuid?.() === 0;
let dir = '';
const withKs = { passwd: '', group: '' };
const withoutKs = { passwd: '', group: '' };
const pos = { file: '/etc/keepalived/keepalived.conf', line: 3 };
let good = '';

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vipd-prepare-'));
  chmodSync(dir, 0o755);
  withKs.passwd = join(dir, 'passwd');
  withKs.group = join(dir, 'group');
  withoutKs.passwd = join(dir, 'passwd-min');
  withoutKs.group = withKs.group;
  writeFileSync(withKs.passwd, 'root:x:0:0::/root:/bin/sh\nkeepalived_script:x:997:996::/:/bin/false\nweb:x:1001:1001::/:/bin/false\n');
  writeFileSync(withoutKs.passwd, 'root:x:0:0::/root:/bin/sh\nweb:x:1001:1001::/:/bin/false\n');
  writeFileSync(withKs.group, 'root:x:0:\nkeepalived_script:x:996:\nweb:x:1001:\n');
  good = join(dir, 'good.sh');
  writeFileSync(good, '#!/bin/sh\nexit 0\n');
  chmodSync(good, 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('keepalived_script is the default user when it exists', () => {
  const { ctx, diagnostics } = scriptContext({ enableScriptSecurity: true }, pos, withKs);
  assert.deepEqual(diagnostics, []);
  assert.equal(ctx.defaultUser?.uid, 997);
  const p = prepareScript({ ...pos, cmd: `${good} 'a b' c` }, 'vrrp script chk', ctx);
  assert.deepEqual(p.spec?.argv, [good, 'a b', 'c']);
  assert.equal(p.spec?.user?.user, 'keepalived_script');
});

test('no keepalived_script and no script security: own identity with a warning', () => {
  const { ctx, diagnostics } = scriptContext({ enableScriptSecurity: false }, pos, withoutKs);
  assert.equal(diagnostics[0]?.severity, 'warning');
  assert.equal(ctx.defaultUser?.uid, process.getuid?.());
});

test('no keepalived_script with enable_script_security: error, scripts without a user are removed', () => {
  const { ctx, diagnostics } = scriptContext({ enableScriptSecurity: true }, pos, withoutKs);
  assert.equal(diagnostics[0]?.severity, 'error');
  assert.match(diagnostics[0]!.message, /Unable to set default user keepalived_script/);
  const p = prepareScript({ file: 'k.conf', line: 9, cmd: good }, 'vrrp script c1', ctx);
  assert.equal(p.spec, undefined);
  assert.deepEqual([p.diagnostics[0]?.file, p.diagnostics[0]?.line], ['k.conf', 9]);
  assert.match(p.diagnostics[0]!.message, /vrrp script c1: unable to set default user/);
  // A script with its own user still works.
  const own = prepareScript({ file: 'k.conf', line: 10, cmd: good, user: 'web' }, 'notify', ctx);
  assert.equal(own.spec?.user?.uid, 1001);
});

test('script_user from global_defs; unknown script_user is an error at its own line', () => {
  const ok = scriptContext({ enableScriptSecurity: true, scriptUser: { user: 'web', file: 'k.conf', line: 4 } }, pos, withoutKs);
  assert.equal(ok.ctx.defaultUser?.uid, 1001);
  const bad = scriptContext({ enableScriptSecurity: true, scriptUser: { user: 'ghost', file: 'k.conf', line: 4 } }, pos, withoutKs);
  assert.equal(bad.ctx.defaultUser, undefined);
  assert.deepEqual([bad.diagnostics[0]?.line, bad.diagnostics[0]?.severity], [4, 'error']);
});

test('unparsable command and unknown per-script user are errors with file:line', () => {
  const { ctx } = scriptContext({ enableScriptSecurity: false }, pos, withKs);
  const q = prepareScript({ file: 'k.conf', line: 20, cmd: `${good} 'open` }, '(VI_1) notify_master script', ctx);
  assert.equal(q.spec, undefined);
  assert.match(q.diagnostics[0]!.message, /\(VI_1\) notify_master script: unable to parse script/);
  const u = prepareScript({ file: 'k.conf', line: 21, cmd: good, user: 'ghost' }, 'notify', ctx);
  assert.equal(u.spec, undefined);
  assert.match(u.diagnostics[0]!.message, /invalid user\/group/);
});

test('an insecure root script is removed under enable_script_security and flagged otherwise', { skip: !isRoot && 'needs root-owned files' }, () => {
  const ww = join(dir, 'ww.sh');
  writeFileSync(ww, '#!/bin/sh\nexit 0\n');
  chmodSync(ww, 0o777);
  const sec = scriptContext({ enableScriptSecurity: true, scriptUser: { user: 'root', ...pos } }, pos, withKs).ctx;
  const a = prepareScript({ ...pos, cmd: ww }, 'vrrp script c3', sec);
  assert.equal(a.spec, undefined);
  assert.equal(a.insecure, true);
  const open = scriptContext({ enableScriptSecurity: false, scriptUser: { user: 'root', ...pos } }, pos, withKs).ctx;
  const b = prepareScript({ ...pos, cmd: ww }, 'vrrp script c3', open);
  assert.ok(b.spec);
  assert.equal(b.insecure, true);
});
