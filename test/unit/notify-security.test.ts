// Script security with real files, directories, modes, owners and symlinks in a temp dir.
// Owner changes need root; those cases skip themselves otherwise.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, chmodSync, chownSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkScriptSecurity, pathPrefixes, scriptSecurityNotEnabled } from '../../src/notify/security.js';
import type { ScriptUser } from '../../src/notify/users.js';

const isRoot = process.getuid?.() === 0;
const root: ScriptUser = { uid: 0, gid: 0, user: 'root' };
const nobody: ScriptUser = { uid: 65534, gid: 65534, user: 'nobody' };
const pos = { file: '/etc/keepalived/keepalived.conf', line: 42 };
let base = '';

function script(path: string, mode = 0o755): string {
  writeFileSync(path, '#!/bin/sh\nexit 0\n');
  chmodSync(path, mode);
  return path;
}

function check(argv: string[], user = root, scriptSecurity = true, searchPath?: string) {
  return checkScriptSecurity({ argv, user, scriptSecurity, pos, what: 'track script chk', searchPath });
}

before(() => {
  base = mkdtempSync(join(tmpdir(), 'vipd-sec-'));
  chmodSync(base, 0o755);
  mkdirSync(join(base, 'safe'), { mode: 0o755 });
  mkdirSync(join(base, 'open'), { mode: 0o755 });
  chmodSync(join(base, 'open'), 0o777); // world-writable, no sticky bit
  mkdirSync(join(base, 'sticky'), { mode: 0o755 });
  chmodSync(join(base, 'sticky'), 0o1777); // like /tmp: accepted
  mkdirSync(join(base, 'grp'), { mode: 0o755 });
  chmodSync(join(base, 'grp'), 0o775);
  script(join(base, 'safe', 'ok.sh'));
  script(join(base, 'safe', 'ww.sh'), 0o777);
  script(join(base, 'safe', 'noexec.sh'), 0o644);
  script(join(base, 'open', 'in-open.sh'));
  script(join(base, 'sticky', 'in-sticky.sh'));
  script(join(base, 'grp', 'in-grp.sh'));
  symlinkSync(join(base, 'open', 'in-open.sh'), join(base, 'safe', 'link-to-open.sh'));
  symlinkSync(join(base, 'open'), join(base, 'safe-dirlink'));
  if (isRoot) {
    chownSync(join(base, 'grp'), 0, 1000); // group-writable by a non-root group
    script(join(base, 'safe', 'theirs.sh'));
    chownSync(join(base, 'safe', 'theirs.sh'), 1000, 1000);
  }
});
after(() => rmSync(base, { recursive: true, force: true }));

test('pathPrefixes lists every element from /', () => {
  assert.deepEqual(pathPrefixes('/a/b/c.sh'), ['/', '/a', '/a/b', '/a/b/c.sh']);
  assert.deepEqual(pathPrefixes('//a//b'), ['/', '/a', '/a/b']);
});

test('a root-owned script in root-owned 0755 directories is accepted', { skip: !isRoot && 'needs root-owned files' }, () => {
  const r = check([join(base, 'safe', 'ok.sh')]);
  assert.equal(r.runnable, true);
  assert.equal(r.insecure, false);
  assert.equal(r.needsProtection, true);
  assert.deepEqual(r.diagnostics, []);
});

test('world-writable script is disabled under enable_script_security, with file:line', { skip: !isRoot && 'needs root' }, () => {
  const r = check([join(base, 'safe', 'ww.sh')]);
  assert.equal(r.runnable, false);
  assert.equal(r.insecure, true);
  assert.equal(r.diagnostics.length, 1);
  const d = r.diagnostics[0]!;
  assert.deepEqual([d.file, d.line, d.severity], [pos.file, 42, 'error']);
  assert.match(d.message, /track script chk: unsafe permissions .*ww\.sh.*writable by everyone - disabling/);
});

test('without enable_script_security the same script runs but is warned about', { skip: !isRoot && 'needs root' }, () => {
  const r = check([join(base, 'safe', 'ww.sh')], root, false);
  assert.equal(r.runnable, true);
  assert.equal(r.insecure, true);
  assert.equal(r.diagnostics[0]?.severity, 'warning');
});

test('a world-writable non-sticky directory on the path is unsafe; a sticky one is fine', { skip: !isRoot && 'needs root' }, () => {
  const open = check([join(base, 'open', 'in-open.sh')]);
  assert.equal(open.runnable, false);
  assert.match(open.diagnostics[0]!.message, /open' is writable by everyone/);
  assert.equal(check([join(base, 'sticky', 'in-sticky.sh')]).runnable, true);
});

test('a directory writable by a non-root group is unsafe', { skip: !isRoot && 'needs root to chown' }, () => {
  const r = check([join(base, 'grp', 'in-grp.sh')]);
  assert.equal(r.runnable, false);
  assert.match(r.diagnostics[0]!.message, /writable by group 1000/);
});

test('a script owned by a non-root user is unsafe when run as root', { skip: !isRoot && 'needs root to chown' }, () => {
  const r = check([join(base, 'safe', 'theirs.sh')]);
  assert.equal(r.runnable, false);
  assert.match(r.diagnostics[0]!.message, /owned by uid 1000/);
});

test('symlinks are followed: a link into an unsafe directory is caught via the real path', { skip: !isRoot && 'needs root' }, () => {
  const viaFile = check([join(base, 'safe', 'link-to-open.sh')]);
  assert.equal(viaFile.runnable, false);
  assert.match(viaFile.diagnostics[0]!.message, /real path/);
  const viaDir = check([join(base, 'safe-dirlink', 'in-open.sh')]);
  assert.equal(viaDir.runnable, false);
});

test('a script run as an unprivileged user needs no path protection', { skip: !isRoot && 'needs root' }, () => {
  const r = check([join(base, 'open', 'in-open.sh')], nobody);
  assert.equal(r.needsProtection, false);
  assert.equal(r.runnable, true);
});

test('a file that is not executable for the script user is disabled', () => {
  const r = check([join(base, 'safe', 'noexec.sh')], isRoot ? root : { uid: process.getuid?.() ?? 0, gid: 0, user: 'me' });
  assert.equal(r.runnable, false);
  assert.match(r.diagnostics[0]!.message, /not executable/);
});

test('a missing script is disabled', () => {
  const r = check([join(base, 'nope.sh')]);
  assert.equal(r.runnable, false);
  assert.match(r.diagnostics[0]!.message, /cannot be accessed/);
});

test('a bare name is searched in PATH, replaced, and warned about', () => {
  const r = check(['ok.sh', 'arg'], root, false, `${join(base, 'nowhere')}:${join(base, 'safe')}`);
  assert.equal(r.runnable, true);
  assert.deepEqual(r.argv, [join(base, 'safe', 'ok.sh'), 'arg']);
  assert.match(r.diagnostics[0]!.message, /resolved by path search/);
  const missing = check(['does-not-exist-xyz'], root, true, join(base, 'safe'));
  assert.equal(missing.runnable, false);
  assert.match(missing.diagnostics[0]!.message, /cannot find script/);
});

test('a script without #! gets a warning (keepalived would fail to exec it); ELF binaries do not', { skip: !isRoot && 'needs root' }, () => {
  const p = join(base, 'safe', 'noshebang.sh');
  writeFileSync(p, 'echo hi\n');
  chmodSync(p, 0o755);
  const r = check([p]);
  assert.equal(r.runnable, true);
  assert.match(r.diagnostics[0]?.message ?? '', /no #! line/);
  assert.deepEqual(check(['/bin/true']).diagnostics, []);
});

test('global warning when insecure root scripts run without enable_script_security', () => {
  assert.match(scriptSecurityNotEnabled(true, false, pos)?.message ?? '', /SECURITY VIOLATION .* There are insecure scripts/);
  assert.equal(scriptSecurityNotEnabled(true, true, pos), undefined);
  assert.equal(scriptSecurityNotEnabled(false, false, pos), undefined);
});
