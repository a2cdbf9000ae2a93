// main(): what the command prints and returns for the paths that do not depend on the checker or daemon
// modules (those are covered by test/integration/config-differential.test.ts through bin/vipd.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}

test('-v prints the version banner on stderr (like keepalived) and exits 0', async () => {
  const r = await run(['-v']);
  assert.equal(r.code, 0);
  assert.match(r.err, /^vipd v\d+\.\d+\.\d+ \(keepalived 2\.2\.7 compatible\)/);
  assert.equal(r.out, '');
});

test('-h prints usage on stderr and exits 0', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.err, /^Usage: vipd \[OPTION\.\.\.\]/);
});

test('--signum prints keepalived\'s signal numbers on stdout', async () => {
  const expected: Record<string, number> = { STOP: 15, RELOAD: 1, DATA: 10, STATS: 12, STATS_CLEAR: 63, JSON: 36 };
  for (const [name, n] of Object.entries(expected)) {
    const r = await run([`--signum=${name}`]);
    assert.deepEqual([r.code, r.out], [0, `${n}\n`], name);
  }
  // Names are case-sensitive and TDATA is a debug-build-only function in keepalived 2.2.7.
  for (const bad of ['stop', 'TDATA', 'FOO']) {
    const r = await run(['--signum', bad]);
    assert.deepEqual([r.code, r.out, r.err], [1, '', `Unknown sigfunc ${bad}\n`], bad);
  }
});

test('unknown options and missing values exit 1 with keepalived\'s message', async () => {
  assert.deepEqual(await run(['-Z']), { code: 1, out: '', err: 'Unknown option -Z\n' });
  assert.deepEqual(await run(['-t', '-f']), { code: 1, out: '', err: 'Missing parameter for option -f\n' });
});

test('-t on a missing or directory config file: message, exit 0; with -e exit 4 (keepalived 2.2.7)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-cli-'));
  try {
    const missing = join(dir, 'nope.conf');
    assert.deepEqual(await run(['-t', '-f', missing]), { code: 0, out: '', err: `Config files missing '${missing}'.\n` });
    assert.equal((await run(['-t', '-e', '-f', missing])).code, 4);
    const asDir = await run(['-t', '-f', dir]);
    assert.equal(asDir.code, 0);
    assert.match(asDir.err, /is a directory - skipping/);
    assert.equal((await run(['-t', '-e', '-f', dir])).code, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-t=FILE writes the check output to FILE instead of stderr', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-cli-'));
  try {
    const log = join(dir, 'check.log');
    const missing = join(dir, 'nope.conf');
    const r = await run([`--config-test=${log}`, '-f', missing]);
    assert.equal(r.code, 0);
    assert.equal(r.err, '');
    assert.equal(readFileSync(log, 'utf8'), `Config files missing '${missing}'.\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stray words are reported like keepalived and do not stop the run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-cli-'));
  try {
    const missing = join(dir, 'nope.conf');
    const r = await run(['-t', '-f', missing, 'extra', 'words']);
    assert.equal(r.code, 0);
    assert.match(r.err, /^Unexpected argument\(s\): extra words \n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('daemon flags vipd cannot honour yet stop the run with a message naming them (never silently ignored)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-cli-'));
  try {
    const conf = join(dir, 'k.conf');
    writeFileSync(conf, '');
    for (const [flag, name] of [['-x', '-x/--snmp'], ['-A/sock', '-A/--snmp-agent-socket'], ['-m', '-m/--core-dump'], ['-Mcore', '-M/--core-dump-pattern'],
      ['-sns1', '-s/--namespace'], ['-a', '-a/--address-monitoring'], ['--flush-log-file', '--flush-log-file']] as const) {
      const r = await run([flag, '-f', conf]);
      assert.equal(r.code, 1, flag);
      assert.ok(r.err.includes('recognised but not implemented yet') && r.err.includes(name), `${flag}: ${r.err}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('genhash subcommand and -T reach the genhash tool (usage on -h)', async () => {
  for (const argv of [['genhash', '-h'], ['-T', '-h'], ['--genhash', '--help']]) {
    const r = await run(argv);
    assert.equal(r.code, 0, argv.join(' '));
    assert.match(r.out, /genhash COMMAND/);
  }
});

test('bin/vipd.js runs main() and exits with its code (the launcher operators use)', () => {
  const bin = fileURLToPath(new URL('../../../bin/vipd.js', import.meta.url));
  const ok = spawnSync(process.execPath, [bin, '--signum=RELOAD'], { encoding: 'utf8' });
  assert.deepEqual([ok.status, ok.stdout], [0, '1\n']);
  const bad = spawnSync(process.execPath, [bin, '--no-such-option'], { encoding: 'utf8' });
  assert.deepEqual([bad.status, bad.stderr], [1, 'Unknown option --no-such-option\n']);
});

test('-t reports file:line diagnostics on stderr with keepalived\'s exit code; -d adds the dump on stdout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-cli-'));
  try {
    const good = join(dir, 'good.conf');
    writeFileSync(good, 'global_defs {\n    router_id corpus-router-7\n}\n');
    const clean = await run(['-t', '-f', good]);
    assert.deepEqual([clean.code, clean.out, clean.err], [0, '', '']);
    const dumped = await run(['-t', '-d', '-f', good]);
    assert.equal(dumped.code, 0);
    assert.match(dumped.out, /corpus-router-7/);

    const bad = join(dir, 'bad.conf');
    writeFileSync(bad, 'global_defs {\n    frobnicate yes\n}\n');
    const r = await run(['-t', '-f', bad]);
    assert.equal(r.code, 5);
    assert.match(r.err, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: .*frobnicate`, 'm'));
    assert.equal(r.out, '');

    // A bad -S value is a configuration error for keepalived -t (exit 5 on an otherwise clean file).
    const s = await run(['-t', '-S', '9', '-f', good]);
    assert.equal(s.code, 5);
    assert.match(s.err, /Invalid log facility '9'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
