// `-s/--namespace NAME` with `-t`: the configuration is checked as seen from inside network namespace NAME,
// so an interface that exists only there is accepted — by keepalived and by vipd alike. Also checks that vipd
// and keepalived give the same verdict when the interface is missing (the config is checked from the test's
// own namespace, where the interface does not exist).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable } from '../helpers/netns.js';
import { keepalivedAvailable, REPO_ROOT, VIPD_BIN } from '../../scripts/corpus-lib.js';

function skipReason(): string | undefined {
  const lab = labUnavailable();
  if (lab) return lab;
  if (!keepalivedAvailable()) return 'keepalived is not installed (CI installs Debian\'s keepalived 2.2.7)';
  if (!existsSync(join(REPO_ROOT, 'src', 'config', 'check.ts'))) return 'model not yet available (src/config/check.ts missing)';
  return undefined;
}

describe('-t with -s/--namespace', { skip: skipReason() }, () => {
  const lab = new Lab('vs');
  let dir = '';
  let conf = '';
  // Unusual name so that it cannot exist in the namespace the test runs in.
  const ifname = `vq${lab.id}`;

  before(() => {
    lab.addHost('h', '192.0.2.1/24');
    lab.exec('h', 'ip', ['link', 'add', ifname, 'type', 'veth', 'peer', 'name', `${ifname}p`]);
    lab.exec('h', 'ip', ['link', 'set', ifname, 'up']);
    dir = mkdtempSync(join(tmpdir(), 'vipd-ns-'));
    conf = join(dir, 'k.conf');
    writeFileSync(conf, `vrrp_instance VI_1 {\n    interface ${ifname}\n    virtual_router_id 51\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n}\n`);
  });

  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await lab.teardown();
  });

  const run = (cmd: string, args: string[]): { code: number | null; out: string } => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };

  test('interface present only in the namespace: both accept with -s, both reject without', () => {
    const ns = lab.host('h').ns;
    execFileSync('ip', ['-n', ns, 'link', 'show', ifname], { stdio: 'ignore' }); // really there
    const kIn = run('keepalived', ['-t', '-s', ns, '-f', conf]);
    const vIn = run(process.execPath, [VIPD_BIN, '-t', '-s', ns, '-f', conf]);
    assert.equal(kIn.code, 0, kIn.out);
    assert.equal(vIn.code, kIn.code, vIn.out);
    const kOut = run('keepalived', ['-t', '-f', conf]);
    const vOut = run(process.execPath, [VIPD_BIN, '-t', '-f', conf]);
    assert.equal(kOut.code, 5, kOut.out);
    assert.equal(vOut.code, kOut.code, vOut.out);
    assert.match(vOut.out, /k\.conf:2:/, 'vipd names the interface line');
  });
});
