// The script runner against real shell scripts and processes: arguments, exit codes, uid/gid,
// timeouts (SIGTERM, then SIGKILL for scripts that ignore it), whole process group killed, no zombies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runScript, startScript, scriptSucceeded, parseScriptCommand } from '../../src/notify/script.js';
import { resolveScriptUser } from '../../src/notify/users.js';
import { waitFor } from '../helpers/netns.js';

const isRoot = process.getuid?.() === 0;
let dir = '';

function sh(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

function alive(pid: number): boolean {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(st);
  } catch {
    return false;
  }
}

/** Our own children that are zombies (never reaped). */
function zombieChildren(): number[] {
  const out: number[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    try {
      const st = readFileSync(`/proc/${n}/stat`, 'utf8');
      const rest = st.slice(st.lastIndexOf(')') + 2).split(' ');
      if (rest[0] === 'Z' && Number(rest[1]) === process.pid) out.push(Number(n));
    } catch { /* gone */ }
  }
  return out;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vipd-script-'));
  chmodSync(dir, 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('arguments arrive exactly as parsed, with extra arguments appended, and no shell is involved', async () => {
  const out = join(dir, 'args.out');
  const p = sh('args.sh', `for a in "$@"; do printf '[%s]' "$a"; done > ${out}`);
  const parsed = parseScriptCommand(`${p} 'a b' $HOME "*" x>y`);
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  const r = await runScript({ argv: parsed.argv }, { extraArgs: ['INSTANCE', 'VI_1', 'MASTER', '100'] });
  assert.equal(r.exitCode, 0);
  assert.ok(scriptSucceeded(r));
  assert.equal(readFileSync(out, 'utf8'), '[a b][$HOME][*][x>y][INSTANCE][VI_1][MASTER][100]');
  assert.equal(existsSync(join(dir, 'y')), false, 'no redirection happened');
});

test('exit codes and signals are reported, not thrown', async () => {
  const r3 = await runScript({ argv: [sh('exit3.sh', 'exit 3')] });
  assert.deepEqual([r3.exitCode, r3.signal, r3.timedOut, scriptSucceeded(r3)], [3, null, false, false]);
  const rs = await runScript({ argv: [sh('selfkill.sh', 'kill -USR1 $$')] });
  assert.equal(rs.signal, 'SIGUSR1');
});

test('a missing program is a spawn error, not an exception', async () => {
  const direct = await runScript({ argv: [join(dir, 'does-not-exist')] }, { parentDeathSignal: null });
  assert.equal(direct.spawnError, 'ENOENT');
  assert.equal(scriptSucceeded(direct), false);
  // Through setpriv (parent-death signal, the default) it is reported like a shell does: 127.
  const wrapped = await runScript({ argv: [join(dir, 'does-not-exist')] });
  assert.ok(wrapped.spawnError === 'ENOENT' || wrapped.exitCode === 127, JSON.stringify(wrapped));
  assert.equal(scriptSucceeded(wrapped), false);
});

test('a script without #! is run by /bin/sh', async () => {
  const out = join(dir, 'noshebang.out');
  const p = join(dir, 'noshebang.sh');
  writeFileSync(p, `echo "ran $1" > ${out}\n`);
  chmodSync(p, 0o755);
  const r = await runScript({ argv: [p, 'ok'] });
  assert.equal(r.exitCode, 0);
  assert.equal(readFileSync(out, 'utf8'), 'ran ok\n');
});

test('timeout: SIGTERM to the whole process group kills the script and its children', async () => {
  const pidFile = join(dir, 'child.pid');
  const p = sh('hang.sh', `sleep 300 & echo $! > ${pidFile}; wait`);
  const r = await runScript({ argv: [p] }, { timeoutMs: 300 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGTERM');
  const child = Number(readFileSync(pidFile, 'utf8'));
  await waitFor(() => !alive(child), 5000);
});

test('timeout: a script that ignores SIGTERM gets SIGKILL after the grace period', async () => {
  const p = sh('stubborn.sh', `trap '' TERM; while :; do sleep 0.05; done`);
  const r = await runScript({ argv: [p] }, { timeoutMs: 200, killGraceMs: 300 });
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, 'SIGKILL');
});

test('terminate() stops a long-running script (FIFO reader style, no timeout)', async () => {
  const run = startScript({ argv: [sh('forever.sh', 'exec sleep 300')] });
  await waitFor(() => run.pid !== undefined && alive(run.pid), 5000);
  const r = await run.terminate();
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(r.timedOut, false);
});

test('runs as the configured uid/gid', { skip: !isRoot && 'needs root to switch user' }, async () => {
  const nobody = resolveScriptUser('nobody');
  assert.ok(nobody.ok, 'nobody account exists');
  if (!nobody.ok) return;
  const out = join(dir, 'id.out');
  writeFileSync(out, '');
  chmodSync(out, 0o666);
  const r = await runScript({ argv: [sh('id.sh', `echo "$(id -u) $(id -g) $(id -G)" > ${out}`)], user: nobody.user });
  assert.equal(r.exitCode, 0);
  const [uid, gid, groups] = readFileSync(out, 'utf8').trim().split(' ', 3);
  assert.equal(Number(uid), nobody.user.uid);
  assert.equal(Number(gid), nobody.user.gid);
  assert.equal(Number(groups), nobody.user.gid, 'root supplementary groups dropped');
});

test('supplementary groups (script_user USER :GROUP) are set', { skip: (!isRoot || !existsSync('/usr/bin/setpriv')) && 'needs root and setpriv' }, async () => {
  const out = join(dir, 'groups.out');
  writeFileSync(out, '');
  chmodSync(out, 0o666);
  const user = { uid: 65534, gid: 65534, user: 'nobody', supplementaryGroups: [65534, 100] };
  const r = await runScript({ argv: [sh('groups.sh', `echo "$(id -u) $(id -G)" > ${out}`)], user });
  assert.equal(r.exitCode, 0);
  const [uid, ...groups] = readFileSync(out, 'utf8').trim().split(' ');
  assert.equal(uid, '65534');
  assert.deepEqual(groups.map(Number).sort((a, b) => a - b), [100, 65534]);
});

test('many concurrent scripts leave no zombie behind', async () => {
  const p = sh('quick.sh', 'exit 0');
  const results = await Promise.all(Array.from({ length: 20 }, () => runScript({ argv: [p] })));
  assert.ok(results.every((r) => r.exitCode === 0));
  assert.deepEqual(zombieChildren(), []);
});

test('parent-death signal (default): a running script dies with the daemon even if the daemon is SIGKILLed', { skip: !existsSync('/usr/bin/setpriv') && 'needs setpriv (util-linux)' }, async () => {
  const runner = new URL('../../src/notify/script.js', import.meta.url).href;
  const reader = sh('reader.sh', 'exec sleep 300');
  const code = `
    const { startScript } = await import(${JSON.stringify(runner)});
    const r = startScript({ argv: [${JSON.stringify(reader)}] });
    const wait = () => r.pid === undefined ? setTimeout(wait, 10) : console.log(r.pid);
    wait();
    setInterval(() => {}, 1000);`;
  const daemon = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  daemon.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  try {
    await waitFor(() => /^\d+\n/.test(out), 10000);
    const pid = Number(out.trim());
    await waitFor(() => alive(pid) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sleep', 5000);
    daemon.kill('SIGKILL');
    await waitFor(() => !alive(pid), 5000);
  } finally {
    daemon.kill('SIGKILL');
  }
});
