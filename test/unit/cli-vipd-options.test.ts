import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, type CliOptions } from '../../src/cli/options.js';
import { daemonOptions } from '../../src/daemon/run.js';

const opts = (argv: string[]) => parseArgs(argv) as CliOptions;

test('--api-listen and --dump-dir reach the daemon options; off disables the API', () => {
  assert.equal(daemonOptions(opts(['--api-listen=0.0.0.0:9100'])).apiListen, '0.0.0.0:9100');
  assert.equal(daemonOptions(opts(['--api-listen', 'off'])).apiListen, null);
  assert.equal(daemonOptions(opts(['--dump-dir=/run/vipd'])).dumpDir, '/run/vipd');
  const d = daemonOptions(opts(['-n', '-l', '-f', '/x.conf', '-R', '-p', '/p', '-r', '/r']));
  assert.equal(d.configFile, '/x.conf');
  assert.equal(d.dontFork && d.logConsole && d.dontRespawn, true);
  assert.equal(d.pidFile, '/p');
  assert.equal(d.vrrpPidFile, '/r');
});
