// Differential test: script command lines split by Debian's keepalived 2.2.7 (what the script really
// receives as argv) versus our parseConfiguredCommand() (keepalived decodes escapes twice). keepalived runs in a network namespace and
// runs each vrrp_script once at start-up; the script records its arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor } from '../helpers/netns.js';
import { parseConfiguredCommand } from '../../src/notify/cmdline.js';

function keepalivedMissing(): string | undefined {
  try { execFileSync('keepalived', ['-v'], { stdio: 'ignore' }); return undefined; } catch { return 'keepalived not installed'; }
}

test('command-line splitting matches keepalived 2.2.7', { skip: labUnavailable() ?? keepalivedMissing(), timeout: 60_000 }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'vipd-cmddiff-'));
  chmodSync(base, 0o755);
  const lab = new Lab('vc');
  try {
    const rec = join(base, 'rec.sh');
    // First argument names the output file; the rest is recorded one per line, bracketed.
    writeFileSync(rec, `#!/bin/sh\nout=${base}/$1.args; shift\n: > "$out"\nfor a in "$@"; do printf '[%s]\\n' "$a" >> "$out"; done\n`);
    chmodSync(rec, 0o755);
    // The text between the config line's outer double quotes, exactly as written in the file.
    const cases: Record<string, string> = {
      plain: `${rec} plain a b   c`,
      single: `${rec} single 'a b' 'it''s'`,
      escapes: `${rec} escapes \\x41 \\101 e\\ f \\t g`,
      double: `${rec} double a\\\\b c\\\\x41 \\cA`,
      // After the first decoding this is 'sq'x' y - an unterminated quote: keepalived drops the script.
      rejected: `${rec} rejected 'sq\\'x' y`,
      // ... but a quote opened at the very end is accepted: [sqx].
      lastquote: `${rec} lastquote 'sq\\'x'`,
      mixed: `${rec} mixed x'y z'w 'q'`,
      empty: `${rec} empty '' x`,
      literal: `${rec} literal $HOME * x>y ;`,
    };
    const conf = join(base, 'keepalived.conf');
    writeFileSync(conf, [
      'global_defs {', '  enable_script_security', '  script_user root', '}',
      ...Object.entries(cases).flatMap(([name, cmd]) => [`vrrp_script ${name} {`, `  script "${cmd}"`, '  interval 60', '}']),
      'vrrp_instance VI_1 {', '  interface eth0', '  virtual_router_id 52', '  priority 100',
      '  virtual_ipaddress {', '    192.0.2.101/24', '  }', '  track_script {', ...Object.keys(cases).map((n) => `    ${n}`), '  }', '}', '',
    ].join('\n'));
    chmodSync(conf, 0o644);
    lab.addHost('a', '192.0.2.1/24');
    const ka = lab.spawn('a', 'keepalived', ['-n', '-l', '-P', '-f', conf, '-p', join(base, 'ka.pid'), '-r', join(base, 'vrrp.pid')]);
    let log = '';
    ka.stdout?.on('data', (d: Buffer) => { log += d.toString(); });
    ka.stderr?.on('data', (d: Buffer) => { log += d.toString(); });
    // Every script either ran (its .args file exists) or was dropped by keepalived's parser.
    const dropped = (n: string): boolean => log.includes(`No script set for vrrp_script ${n} - removing`);
    await waitFor(() => Object.keys(cases).every((n) => existsSync(join(base, `${n}.args`)) || dropped(n)), 20_000).catch(() => {
      throw new Error(`keepalived did not run every script:\n${log}`);
    });
    await lab.stop(ka);
    assert.ok(dropped('rejected'), 'the scenario includes a line keepalived refuses');
    for (const [name, cmd] of Object.entries(cases)) {
      const parsed = parseConfiguredCommand(cmd);
      if (dropped(name)) {
        assert.equal(parsed.ok, false, `keepalived refused case ${name}, we accepted it: ${cmd}`);
        continue;
      }
      const theirs = readFileSync(join(base, `${name}.args`), 'utf8').split('\n').filter(Boolean);
      assert.ok(parsed.ok, name);
      if (!parsed.ok) continue;
      const ours = parsed.argv.slice(2).map((a) => `[${a}]`);
      assert.deepEqual(ours, theirs, `case ${name}: ${cmd}`);
    }
  } finally {
    await lab.teardown();
    rmSync(base, { recursive: true, force: true });
  }
});
