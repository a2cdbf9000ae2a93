// Differential test: the same script files and modes judged by Debian's keepalived 2.2.7 (its
// configuration dump lists only the vrrp_scripts it kept) and by our checkScriptSecurity().
// keepalived runs inside a network namespace of its own; it only reads the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, chmodSync, chownSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor } from '../helpers/netns.js';
import { parseScriptCommand } from '../../src/notify/cmdline.js';
import { checkScriptSecurity } from '../../src/notify/security.js';
import { resolveScriptUser, type ScriptUser } from '../../src/notify/users.js';

function keepalivedMissing(): string | undefined {
  try { execFileSync('keepalived', ['-v'], { stdio: 'ignore' }); return undefined; } catch { return 'keepalived not installed'; }
}

test('enable_script_security verdicts match keepalived 2.2.7 on real files', { skip: labUnavailable() ?? keepalivedMissing(), timeout: 60_000 }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'vipd-secdiff-'));
  chmodSync(base, 0o755);
  const lab = new Lab('vs');
  try {
    const script = (p: string, mode = 0o755, body = '#!/bin/sh\nexit 0\n'): string => {
      writeFileSync(p, body);
      chmodSync(p, mode);
      return p;
    };
    const dir = (name: string, mode: number): string => {
      const d = join(base, name);
      mkdirSync(d);
      chmodSync(d, mode);
      return d;
    };
    const ok = dir('ok', 0o755);
    const open = dir('open', 0o777);
    const sticky = dir('sticky', 0o1777);
    const grp = dir('grp', 0o775);
    chownSync(grp, 0, 1000);
    script(join(ok, 's.sh'));
    script(join(ok, 'ww.sh'), 0o777);
    script(join(ok, 'noexec.sh'), 0o644);
    script(join(ok, 'noshebang.sh'), 0o755, 'exit 0\n');
    script(join(ok, 'theirs.sh'));
    chownSync(join(ok, 'theirs.sh'), 1000, 1000);
    script(join(open, 'in.sh'));
    script(join(sticky, 'in.sh'));
    script(join(grp, 'in.sh'));
    symlinkSync(join(open, 'in.sh'), join(ok, 'link-to-open.sh'));
    symlinkSync(open, join(base, 'dirlink'));

    const cases: Array<{ name: string; cmd: string; user?: string }> = [
      { name: 'safe', cmd: join(ok, 's.sh') },
      { name: 'ww_file', cmd: join(ok, 'ww.sh') },
      { name: 'open_dir', cmd: join(open, 'in.sh') },
      { name: 'sticky_dir', cmd: join(sticky, 'in.sh') },
      { name: 'group_dir', cmd: join(grp, 'in.sh') },
      { name: 'not_root_owner', cmd: join(ok, 'theirs.sh') },
      { name: 'link_file', cmd: join(ok, 'link-to-open.sh') },
      { name: 'link_dir', cmd: join(base, 'dirlink', 'in.sh') },
      { name: 'bin_true', cmd: '/bin/true' },
      { name: 'bare_true', cmd: 'true x' },
      { name: 'noexec', cmd: join(ok, 'noexec.sh') },
      { name: 'missing', cmd: join(ok, 'missing.sh') },
      { name: 'bare_missing', cmd: 'no-such-command-vipd arg' },
      { name: 'noshebang', cmd: join(ok, 'noshebang.sh') },
      { name: 'open_as_nobody', cmd: join(open, 'in.sh'), user: 'nobody' },
    ];
    const conf = join(base, 'keepalived.conf');
    writeFileSync(conf, [
      'global_defs {', '  enable_script_security', '  script_user root', '}',
      ...cases.flatMap((c) => [`vrrp_script ${c.name} {`, `  script "${c.cmd}"`, ...(c.user ? [`  user ${c.user}`] : []), '}']),
      'vrrp_instance VI_1 {', '  interface eth0', '  virtual_router_id 51', '  priority 100',
      '  virtual_ipaddress {', '    192.0.2.100/24', '  }', '  track_script {', ...cases.map((c) => `    ${c.name}`), '  }', '}', '',
    ].join('\n'));
    chmodSync(conf, 0o644);

    lab.addHost('a', '192.0.2.1/24');
    const ka = lab.spawn('a', 'keepalived', ['-n', '-l', '-d', '-P', '-f', conf, '-p', join(base, 'ka.pid'), '-r', join(base, 'vrrp.pid')]);
    let log = '';
    ka.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
    ka.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
    await waitFor(() => /------< VRRP Scripts >------[\s\S]*------< /.test(log), 20_000).catch(() => {
      throw new Error(`no configuration dump from keepalived:\n${log}`);
    });
    await lab.stop(ka);
    const section = /------< VRRP Scripts >------([\s\S]*?)------< /.exec(log)?.[1] ?? '';
    const kept = new Set([...section.matchAll(/VRRP Script = (\S+)/g)].map((m) => m[1]));

    const root: ScriptUser = { uid: 0, gid: 0, user: 'root' };
    const ours = new Set<string>();
    for (const c of cases) {
      const parsed = parseScriptCommand(c.cmd);
      assert.ok(parsed.ok);
      if (!parsed.ok) continue;
      let user = root;
      if (c.user) {
        const r = resolveScriptUser(c.user);
        assert.ok(r.ok);
        if (r.ok) user = r.user;
      }
      const v = checkScriptSecurity({ argv: parsed.argv, user, scriptSecurity: true, pos: { file: conf, line: 1 }, what: c.name });
      if (v.runnable) ours.add(c.name);
    }
    t.diagnostic(`kept by keepalived: ${[...kept].sort().join(' ')}`);
    assert.deepEqual([...ours].sort(), [...kept].sort());
    // The scenario must exercise both verdicts.
    assert.ok(kept.has('safe') && kept.has('sticky_dir') && !kept.has('ww_file') && !kept.has('link_dir'));
  } finally {
    await lab.teardown();
    rmSync(base, { recursive: true, force: true });
  }
});
