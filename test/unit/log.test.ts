import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger, parseFacility } from '../../src/daemon/log.js';

test('structured JSON lines and keepalived-style text lines, detail only with -D', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-log-'));
  const f = join(dir, 'log');
  new Logger({ file: f, json: true, proc: 'vipd_vrrp' }).info('(VI_1) Entering MASTER STATE', { vrid: 51 });
  const rec = JSON.parse(readFileSync(f, 'utf8').trim());
  assert.equal(rec.msg, '(VI_1) Entering MASTER STATE');
  assert.equal(rec.vrid, 51);
  assert.equal(rec.level, 'info');
  assert.equal(rec.proc, 'vipd_vrrp');
  const g = join(dir, 'text');
  const l = new Logger({ file: g, json: false, proc: 'vipd' });
  l.debug('hidden without -D');
  l.warn('shown');
  assert.match(readFileSync(g, 'utf8'), /^\S+ vipd\[\d+\]: shown\n$/);
});

test('syslog facilities as keepalived names them', () => {
  assert.equal(parseFacility(undefined), 3);
  assert.equal(parseFacility('daemon'), 3);
  assert.equal(parseFacility('0'), 16);
  assert.equal(parseFacility('local7'), 23);
  assert.equal(parseFacility('bogus'), undefined);
});
