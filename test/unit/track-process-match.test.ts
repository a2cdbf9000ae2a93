import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processMatches, quorumMet, type ProcessInfo, type TrackProcessConfig } from '../../src/track/process.js';

const proc = (comm: string, argv: string[], zombie = false): ProcessInfo => ({ pid: 1234, comm, argv, zombie });
const cfg = (c: Partial<TrackProcessConfig>): TrackProcessConfig => ({ name: 't', process: 'nginx', ...c });

test('plain name: exact match on the process name, never a substring', () => {
  assert.equal(processMatches(cfg({ process: 'ssh' }), proc('ssh', ['ssh', 'host'])), true);
  assert.equal(processMatches(cfg({ process: 'ssh' }), proc('sshd', ['/usr/sbin/sshd'])), false);
  assert.equal(processMatches(cfg({ process: 'ssh' }), proc('xssh', [])), false);
});

test('the kernel name is compared exactly: names longer than 15 chars never match it (use full_command)', () => {
  assert.equal(processMatches(cfg({ process: 'averyveryverylongname' }), proc('averyveryverylo', ['averyveryverylongname'])), false);
  assert.equal(processMatches(cfg({ process: 'averyveryverylongname', fullCommand: true }), proc('averyveryverylo', ['averyveryverylongname'])), true);
});

test('zombies are never counted', () => {
  assert.equal(processMatches(cfg({}), proc('nginx', ['nginx'], true)), false);
});

test('with parameters: argv[0] and the exact parameter list', () => {
  const c = cfg({ process: '/usr/sbin/nginx', params: ['-g', 'daemon off;'] });
  assert.equal(processMatches(c, proc('nginx', ['/usr/sbin/nginx', '-g', 'daemon off;'])), true);
  assert.equal(processMatches(c, proc('nginx', ['/usr/sbin/nginx', '-g'])), false);
  assert.equal(processMatches(c, proc('nginx', ['/usr/sbin/nginx', '-g', 'daemon off;', '-x'])), false);
  assert.equal(processMatches(c, proc('nginx', ['nginx', '-g', 'daemon off;'])), false);
});

test('param_match partial: configured parameters are a prefix of the real ones', () => {
  const c = cfg({ process: 'sleep', params: ['1000'], paramMatch: 'partial' });
  assert.equal(processMatches(c, proc('sleep', ['sleep', '1000', 'extra'])), true);
  assert.equal(processMatches(c, proc('sleep', ['sleep', '100'])), false);
});

test('param_match initial: the last configured parameter may be a prefix, more may follow', () => {
  const c = cfg({ process: 'sleep', params: ['-x', '10'], paramMatch: 'initial' });
  assert.equal(processMatches(c, proc('sleep', ['sleep', '-x', '1000'])), true);
  assert.equal(processMatches(c, proc('sleep', ['sleep', '-x', '1000', 'more'])), true);
  assert.equal(processMatches(c, proc('sleep', ['sleep', '-x', '2000'])), false);
  assert.equal(processMatches(c, proc('sleep', ['sleep', '-xy', '1000'])), false, 'only the last one may be a prefix');
  assert.equal(processMatches(c, proc('sleep', ['sleep', '-x'])), false);
});

test('param_match partial/initial without parameters accept any parameters', () => {
  assert.equal(processMatches(cfg({ process: 'sleep', paramMatch: 'partial' }), proc('sleep', ['sleep', '5'])), true);
  assert.equal(processMatches(cfg({ process: 'sleep', paramMatch: 'initial' }), proc('sleep', ['sleep'])), true);
});

test('param_match without parameters means "no parameters at all"', () => {
  const c = cfg({ process: 'sleep', paramMatch: 'exact' });
  assert.equal(processMatches(c, proc('sleep', ['sleep'])), true);
  assert.equal(processMatches(c, proc('sleep', ['sleep', '5'])), false);
});

test('full_command matches argv[0] of the command line instead of the kernel name', () => {
  const c = cfg({ process: '/opt/app/bin/server', fullCommand: true });
  assert.equal(processMatches(c, proc('java', ['/opt/app/bin/server', '--port', '1'])), true);
  assert.equal(processMatches(c, proc('server', ['server'])), false);
});

test('quorum and quorum_max', () => {
  assert.equal(quorumMet(0), false);
  assert.equal(quorumMet(1), true);
  assert.equal(quorumMet(2, 3), false);
  assert.equal(quorumMet(3, 3, 3), true);
  assert.equal(quorumMet(4, 3, 3), false);
  assert.equal(quorumMet(0, 0, 0), true); // quorum_max 0: OK only while nothing runs
  assert.equal(quorumMet(1, 0, 0), false);
});
