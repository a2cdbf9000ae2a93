// The command-line parser must read argv the way keepalived 2.2.7's getopt_long loop does. Each expectation
// below was checked against `keepalived` on Debian bookworm (see the comments for the observed behaviour).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG_FILE, isCliError, parseArgs, parseUmask, usage, type CliOptions } from '../../src/cli/options.js';

function ok(argv: string[]): CliOptions {
  const r = parseArgs(argv);
  if (isCliError(r)) assert.fail(`unexpected error for ${argv.join(' ')}: ${r.error}`);
  return r;
}

function err(argv: string[]): { error: string; exitCode: number } {
  const r = parseArgs(argv);
  if (!isCliError(r)) assert.fail(`expected an error for ${argv.join(' ')}`);
  return r;
}

test('defaults: daemon mode on /etc/keepalived/keepalived.conf, nothing set', () => {
  const o = ok([]);
  assert.equal(o.mode, 'daemon');
  assert.equal(o.configFile, DEFAULT_CONFIG_FILE);
  assert.equal(o.configFileGiven, false);
  assert.equal(o.dontFork, false);
  assert.deepEqual(o.unexpectedArgs, []);
});

test('every boolean flag, short and long', () => {
  const pairs: [string, string, keyof CliOptions][] = [
    ['-P', '--vrrp', 'vrrpOnly'], ['-C', '--check', 'checkOnly'], ['-B', '--no_bfd', 'noBfd'],
    ['-l', '--log-console', 'logConsole'], ['-D', '--log-detail', 'logDetail'], ['-G', '--no-syslog', 'noSyslog'],
    ['-X', '--release-vips', 'releaseVips'], ['-V', '--dont-release-vrrp', 'dontReleaseVrrp'],
    ['-I', '--dont-release-ipvs', 'dontReleaseIpvs'], ['-R', '--dont-respawn', 'dontRespawn'],
    ['-n', '--dont-fork', 'dontFork'], ['-d', '--dump-conf', 'dumpConf'], ['-a', '--address-monitoring', 'addressMonitoring'],
    ['-e', '--all-config', 'allConfig'], ['-x', '--snmp', 'snmp'], ['-m', '--core-dump', 'coreDump'],
  ];
  for (const [s, l, key] of pairs) {
    assert.equal(ok([s])[key], true, s);
    assert.equal(ok([l])[key], true, l);
    assert.equal(ok([])[key], false, `${key} default`);
  }
  assert.equal(ok(['--all']).all, true);
  assert.equal(ok(['--flush-log-file']).flushLogFile, true);
});

test('options with a required value: glued, separate, --long=value, --long value', () => {
  assert.equal(ok(['-f', 'a.conf']).configFile, 'a.conf');
  assert.equal(ok(['-fa.conf']).configFile, 'a.conf');
  assert.equal(ok(['--use-file=a.conf']).configFile, 'a.conf');
  assert.equal(ok(['--use-file', 'a.conf']).configFile, 'a.conf');
  assert.equal(ok(['-f', 'a.conf']).configFileGiven, true);
  const o = ok(['-p', '/p', '-r', '/r', '-c', '/c', '-b', '/b', '-s', 'ns1', '-i', 'lb01', '-A', '/sock', '-g', '/log', '-S', 'local3']);
  assert.deepEqual(
    [o.pidFile, o.vrrpPidFile, o.checkersPidFile, o.bfdPidFile, o.namespace, o.configId, o.snmpAgentSocket, o.logFile, o.logFacility],
    ['/p', '/r', '/c', '/b', 'ns1', 'lb01', '/sock', '/log', 'local3'],
  );
  const l = ok(['--pid=/p', '--vrrp_pid=/r', '--checkers_pid=/c', '--bfd_pid=/b', '--namespace=ns1', '--config-id=lb01', '--snmp-agent-socket=/sock', '--log-file=/log', '--log-facility=2']);
  assert.deepEqual([l.pidFile, l.vrrpPidFile, l.checkersPidFile, l.bfdPidFile, l.namespace, l.configId, l.snmpAgentSocket, l.logFile, l.logFacility], ['/p', '/r', '/c', '/b', 'ns1', 'lb01', '/sock', '/log', '2']);
});

test('a required value is the next word even when it starts with "-" (keepalived: `-i -f x` makes -f the id)', () => {
  const o = ok(['-t', '-i', '-f', 'x.conf']);
  assert.equal(o.configId, '-f');
  assert.equal(o.configFile, DEFAULT_CONFIG_FILE);
  assert.deepEqual(o.unexpectedArgs, ['x.conf']);
});

test('clustered short options; a value-taking option ends the cluster', () => {
  const o = ok(['-lDt', '-nf', 'x.conf']);
  assert.equal(o.mode, 'config-test');
  assert.equal(o.logConsole && o.logDetail && o.dontFork, true);
  assert.equal(o.configFile, 'x.conf');
  // keepalived: `-lDf -f x` → the config file is "-f", x is a stray argument.
  const p = ok(['-lDf', '-f', 'x']);
  assert.equal(p.configFile, '-f');
  assert.deepEqual(p.unexpectedArgs, ['x']);
  assert.equal(ok(['-lDfx.conf']).configFile, 'x.conf');
  // An optional value also takes the rest of the cluster: keepalived `-tlD` writes its check log to "./lD".
  const t = ok(['-tlD']);
  assert.equal(t.configTestLogFile, 'lD');
  assert.equal(t.logConsole, false);
});

test('-t takes its log file only when attached (-tFILE, --config-test=FILE); `-t FILE` leaves FILE stray', () => {
  const a = ok(['-t']);
  assert.equal(a.mode, 'config-test');
  assert.equal(a.configTestLogFile, undefined);
  assert.equal(ok(['-t/tmp/x.log']).configTestLogFile, '/tmp/x.log');
  assert.equal(ok(['--config-test=/tmp/x.log']).configTestLogFile, '/tmp/x.log');
  const c = ok(['-t', 'a.conf']);
  assert.equal(c.configTestLogFile, undefined);
  assert.equal(c.configFile, DEFAULT_CONFIG_FILE);
  assert.deepEqual(c.unexpectedArgs, ['a.conf']);
});

test('-M takes its pattern only when attached and implies -m; default pattern is "core"', () => {
  assert.deepEqual([ok(['-M']).coreDump, ok(['-M']).coreDumpPattern], [true, 'core']);
  assert.equal(ok(['-Mcore.%p']).coreDumpPattern, 'core.%p');
  assert.equal(ok(['--core-dump-pattern=x']).coreDumpPattern, 'x');
  const o = ok(['-M', 'foo']);
  assert.equal(o.coreDumpPattern, 'core');
  assert.deepEqual(o.unexpectedArgs, ['foo']);
});

test('unique prefixes of long options are accepted; ambiguous ones are unknown options', () => {
  assert.equal(ok(['--use=a.conf']).configFile, 'a.conf');
  assert.equal(ok(['--sig=JSON']).signum, 'JSON');
  assert.equal(ok(['--dont-f']).dontFork, true);
  assert.equal(ok(['--vrrp']).vrrpOnly, true); // exact match wins over the prefix of --vrrp_pid
  assert.deepEqual(err(['--d']), { error: 'Unknown option --d', exitCode: 1 });
  assert.deepEqual(err(['--con=x']), { error: 'Unknown option --con=x', exitCode: 1 });
  assert.deepEqual(err(['--no']), { error: 'Unknown option --no', exitCode: 1 });
});

test('unknown options and values on flags exit 1 with keepalived\'s message', () => {
  assert.deepEqual(err(['-Z']), { error: 'Unknown option -Z', exitCode: 1 });
  assert.deepEqual(err(['-t', '-lZ']), { error: 'Unknown option -Z', exitCode: 1 });
  assert.deepEqual(err(['--bogus']), { error: 'Unknown option --bogus', exitCode: 1 });
  assert.deepEqual(err(['--log-console=1']), { error: 'Unknown option --log-console=1', exitCode: 1 });
  // Options of keepalived builds with other configure flags are unknown in 2.2.7 as Debian ships it.
  for (const x of ['--perf', '--debug', '-L', '--no-mem-check', '--ignore-sigint']) assert.equal(err([x]).exitCode, 1, x);
});

test('a missing required value exits 1', () => {
  assert.deepEqual(err(['-f']), { error: 'Missing parameter for option -f', exitCode: 1 });
  assert.deepEqual(err(['-t', '--use-file']), { error: 'Missing parameter for option --use-file', exitCode: 1 });
  assert.deepEqual(err(['--signum=']), { error: 'Missing parameter for option --signum', exitCode: 1 });
  assert.deepEqual(err(['-i']), { error: 'Missing parameter for option -i', exitCode: 1 });
});

test('-v, -h and --signum act at once: the first one wins and later words are not read', () => {
  assert.equal(ok(['-v', '-h']).mode, 'version');
  assert.equal(ok(['-h', '-v']).mode, 'help');
  assert.equal(ok(['-h', '-Z']).mode, 'help'); // -Z is never looked at
  const s = ok(['-t', '-f', 'x', '--signum=JSON']);
  assert.equal(s.mode, 'signum');
  assert.equal(s.signum, 'JSON');
  assert.equal(ok(['--signum', 'RELOAD']).signum, 'RELOAD');
  assert.equal(ok(['-vt']).mode, 'version');
});

test('stray words are collected (reported, not fatal); "--" ends option parsing', () => {
  const o = ok(['extra', '-t', 'more']);
  assert.equal(o.mode, 'config-test');
  assert.deepEqual(o.unexpectedArgs, ['extra', 'more']);
  const d = ok(['-t', '--', '-x']);
  assert.equal(d.snmp, false);
  assert.deepEqual(d.unexpectedArgs, ['-x']);
  assert.deepEqual(ok(['-']).unexpectedArgs, ['-']);
});

test('-T/--genhash first hands the rest to genhash; later it warns and drops what came before', () => {
  assert.deepEqual([ok(['-T', '-s', '192.0.2.1']).mode, ok(['-T', '-s', '192.0.2.1']).genhashArgs], ['genhash', ['-s', '192.0.2.1']]);
  assert.deepEqual(ok(['--genhash', '-h']).genhashArgs, ['-h']);
  const late = ok(['-t', '-f', 'x.conf', '-T', '-u', '/']);
  assert.equal(late.mode, 'genhash');
  assert.deepEqual(late.genhashArgs, ['-u', '/']);
  assert.equal(late.configFile, DEFAULT_CONFIG_FILE);
  assert.match(late.warnings[0]!, /-T` not used as first option/);
});

test('subcommands: `demo` and `genhash` only as the first word', () => {
  assert.equal(ok(['demo']).mode, 'demo');
  assert.deepEqual([ok(['genhash', '-h']).mode, ok(['genhash', '-h']).genhashArgs], ['genhash', ['-h']]);
  const o = ok(['-t', 'demo']);
  assert.equal(o.mode, 'config-test');
  assert.deepEqual(o.unexpectedArgs, ['demo']);
});

test('-S: 0-7, local0-7, user and daemon are accepted; anything else is a configuration error, not fatal', () => {
  for (const v of ['0', '7', 'local0', 'local7', 'user', 'daemon']) {
    const o = ok(['-S', v]);
    assert.equal(o.logFacility, v);
    assert.deepEqual(o.configErrors, []);
  }
  for (const v of ['8', 'local8', 'kern']) {
    const o = ok([`-S${v}`]);
    assert.equal(o.logFacility, undefined, v);
    assert.deepEqual(o.configErrors, [`Invalid log facility '${v}'`]);
  }
  // `-S -t`: the next word is the value, even "-t"; it is then not a config test.
  const t = ok(['-S', '-t']);
  assert.deepEqual(t.configErrors, ["Invalid log facility '-t'"]);
  assert.equal(t.mode, 'daemon');
});

test('-u: numeric like strtoul(…, 0); a bad value is a warning and leaves the umask alone', () => {
  assert.equal(parseUmask('022'), 0o22);
  assert.equal(parseUmask('0777'), 0o777);
  assert.equal(parseUmask('18'), 18);
  assert.equal(parseUmask('0x1f'), 0x1f);
  assert.equal(parseUmask('0'), 0);
  for (const bad of ['abc', '', '08', '01000', '-1', '1e3']) assert.equal(parseUmask(bad), undefined, bad);
  assert.equal(ok(['-u', '027']).umask, 0o27);
  const o = ok(['-u', 'abc']);
  assert.equal(o.umask, undefined);
  assert.deepEqual(o.warnings, ['Invalid --umask option abc']);
});

test('later occurrences override earlier ones, as with getopt', () => {
  assert.equal(ok(['-f', 'a', '-f', 'b']).configFile, 'b');
  assert.equal(ok(['-i', 'x', '--config-id=y']).configId, 'y');
});

test('--help text lists every option the parser knows', () => {
  const text = usage();
  for (const flag of ['-f, --use-file', '-P, --vrrp', '-C, --check', '-B, --no_bfd', '--all', '-l, --log-console', '-D, --log-detail',
    '-S, --log-facility', '-g, --log-file', '--flush-log-file', '-G, --no-syslog', '-u, --umask', '-X, --release-vips',
    '-V, --dont-release-vrrp', '-I, --dont-release-ipvs', '-R, --dont-respawn', '-n, --dont-fork', '-d, --dump-conf', '-p, --pid',
    '-r, --vrrp_pid', '-T, --genhash', '-c, --checkers_pid', '-a, --address-monitoring', '-b, --bfd_pid', '-x, --snmp',
    '-A, --snmp-agent-socket', '-s, --namespace', '-m, --core-dump', '-M, --core-dump-pattern', '-e, --all-config', '-i, --config-id',
    '--signum=SIGFUNC', '-t, --config-test', '-v, --version', '-h, --help', 'vipd demo', 'vipd genhash']) {
    assert.ok(text.includes(flag), flag);
  }
});
