// The language fixtures (test/fixtures/lang) are valid configurations: they seed the mutation test,
// so keepalived must accept their language and the reader must read them as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readConfig } from '../../src/config/reader.js';
import type { ConfigNode } from '../../src/config/tree.js';

const fixtures = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'test', 'fixtures', 'lang');
const keepalivedMissing = spawnSync('keepalived', ['-v']).error ? 'keepalived is not installed' : false;

const argsOf = (n: ConfigNode | undefined) => (n ? [n.keyword, ...n.args].join(' ') : undefined);
const child = (n: ConfigNode, kw: string) => n.children?.find((c) => c.keyword === kw);

test('features.conf: definitions, multi-line blocks, ~SEQ, ~LST, @ID and includes give the intended tree', () => {
  const r = readConfig(join(fixtures, 'features.conf'), { configId: 'lab1' });
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.files.length, 3);
  const instances = r.nodes.filter((n) => n.keyword === 'vrrp_instance');
  assert.deepEqual(instances.map((n) => n.args[0]), ['VI_51', 'VI_52', 'VI_53']);
  const vi52 = instances[1]!;
  assert.equal(argsOf(child(vi52, 'priority')), 'priority 150');
  assert.equal(argsOf(child(vi52, 'virtual_ipaddress')?.children?.[0]), '192.0.2.52/24 dev eth0 label eth0:vip52');
  assert.equal(argsOf(child(vi52, 'notify')), "notify /usr/local/bin/notify.sh 'VI_52'");
  assert.equal(argsOf(child(child(vi52, 'authentication')!, 'auth_pass')), 'auth_pass s3cr3t#1');
  const vs = r.nodes.find((n) => n.keyword === 'virtual_server')!;
  assert.deepEqual(vs.children!.filter((n) => n.keyword === 'real_server').map((n) => n.args.join(' ')), ['192.0.2.101 80', '192.0.2.102 80']);
  const other = readConfig(join(fixtures, 'features.conf'), { configId: 'lab2' });
  assert.equal(argsOf(child(other.nodes.find((n) => n.keyword === 'vrrp_instance')!, 'priority')), 'priority 100');
});

test('lvs.conf reads without diagnostics', () => {
  const r = readConfig(join(fixtures, 'lvs.conf'));
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.nodes.map((n) => n.keyword), ['global_defs', 'virtual_server_group', 'virtual_server', 'virtual_server']);
});

test('keepalived accepts the fixtures\' language (only host-specific interface warnings)', { skip: keepalivedMissing }, () => {
  for (const name of ['features.conf', 'lvs.conf']) {
    const k = spawnSync('keepalived', ['-t', '-l', '-D', '-i', 'lab1', '-f', join(fixtures, name)], { encoding: 'utf8', timeout: 20_000 });
    const complaints = `${k.stdout}${k.stderr}`.split('\n').filter((l) => l.trim() !== '' && !/interface|Non-existent/.test(l));
    assert.deepEqual(complaints, [], `keepalived -t on ${name}`);
  }
});
