// include: glob and brace expansion, relative paths, the checking variants, include_check, and
// included text joining the block it is included in (keepalived 2.2.7 rules).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig, type ReadResult } from '../../src/config/reader.js';
import { expandBraces, globPattern } from '../../src/config/include.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vipd-include-'));
  mkdirSync(join(dir, 'conf.d', 'deeper'), { recursive: true });
  mkdirSync(join(dir, 'conf.d', 'adir.conf'));
  writeFileSync(join(dir, 'conf.d', 'b.conf'), 'kb\n');
  writeFileSync(join(dir, 'conf.d', 'a.conf'), 'ka\n');
  writeFileSync(join(dir, 'conf.d', '.hidden.conf'), 'khidden\n');
  writeFileSync(join(dir, 'conf.d', 'c.cfg'), 'kc\n');
  writeFileSync(join(dir, 'conf.d', 'deeper', 'inner.conf'), 'kinner\ninclude ../a.conf\n');
  writeFileSync(join(dir, 'conf.d', 'vips.conf'), '192.0.2.1/24\n192.0.2.2/24\n');
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function readMain(text: string, opts = {}): ReadResult {
  const main = join(dir, `main-${Math.random().toString(36).slice(2)}.conf`);
  writeFileSync(main, text);
  return readConfig(main, opts);
}
const keywords = (r: ReadResult) => r.nodes.map((n) => n.keyword);
const diags = (r: ReadResult) => r.diagnostics.map((d) => `${d.line} ${d.severity} ${d.message}`);

test('csh brace expansion keeps the written order and nests', () => {
  assert.deepEqual(expandBraces('a{b,c}d'), ['abd', 'acd']);
  assert.deepEqual(expandBraces('{x,y}{1,2}'), ['x1', 'x2', 'y1', 'y2']);
  assert.deepEqual(expandBraces('a{b,{c,d}e}'), ['ab', 'ace', 'ade']);
  assert.deepEqual(expandBraces('a{b}c'), ['a{b}c']);
  assert.deepEqual(expandBraces('a{b,c'), ['a{b,c']);
  assert.equal(expandBraces('{a,b}'.repeat(20)), undefined); // 2^20 names: refused
});

test('globbing sorts matches, skips dot files and marks directories', () => {
  const names = globPattern('conf.d/*.conf', dir).map((m) => m.shown);
  assert.deepEqual(names, ['conf.d/a.conf', 'conf.d/adir.conf/', 'conf.d/b.conf', 'conf.d/vips.conf']);
  assert.deepEqual(globPattern('conf.d/[ab].c?g', dir).map((m) => m.shown), []);
  assert.deepEqual(globPattern('conf.d/?.c*', dir).map((m) => m.shown), ['conf.d/a.conf', 'conf.d/b.conf', 'conf.d/c.cfg']);
  assert.deepEqual(globPattern(join(dir, 'conf.d', 'deeper', '*'), '/').map((m) => m.absolute), [join(dir, 'conf.d', 'deeper', 'inner.conf')]);
});

test('bracket expressions: negation, ranges, POSIX classes, a leading ], malformed ones match nothing', () => {
  const names = (p: string) => globPattern(p, dir).map((m) => m.shown.replace('conf.d/', ''));
  assert.deepEqual(names('conf.d/[^a].conf'), ['b.conf']);
  assert.deepEqual(names('conf.d/[a-b].conf'), ['a.conf', 'b.conf']);
  assert.deepEqual(names('conf.d/[[:alpha:]].c[[:lower:]][[:alpha:]]'), ['c.cfg']);
  assert.deepEqual(names('conf.d/[[:alpha:]].conf'), ['a.conf', 'b.conf']);
  assert.deepEqual(names('conf.d/[]a].conf'), ['a.conf']);
  assert.deepEqual(names('conf.d/[z-a]*'), []);
  assert.deepEqual(names('conf.d/[^]'), []);
  assert.deepEqual(names('conf.d/[a'), []);
  assert.deepEqual(names('conf.d/[[:constructor:]].conf'), []);
});

test('include reads matches in glob order, braces in written order, relative to the including file', () => {
  const r = readMain('include conf.d/[ab].conf\ninclude conf.d/{c.cfg,a.conf}\ninclude conf.d/deeper/inner.conf\nlast\n');
  assert.deepEqual(keywords(r), ['ka', 'kb', 'kc', 'ka', 'kinner', 'ka', 'last']);
  assert.deepEqual(r.diagnostics, []);
  const inner = r.nodes[4]!;
  assert.equal(inner.file, join(dir, 'conf.d', 'deeper', 'inner.conf'));
  assert.equal(inner.line, 1);
  assert.equal(r.files.length, 5);
});

test('included lines join the block the include stands in', () => {
  const r = readMain('vrrp_instance V {\n  virtual_ipaddress {\n    include conf.d/vips.conf\n  }\n}\n');
  const vips = r.nodes[0]!.children![0]!.children!;
  assert.deepEqual(vips.map((n) => n.keyword), ['192.0.2.1/24', '192.0.2.2/24']);
  assert.deepEqual(vips.map((n) => n.line), [1, 2]);
  assert.deepEqual(r.diagnostics, []);
});

test('plain include never fails; missing names, directories and no-match globs are warnings or silent', () => {
  const r = readMain('include nothere.conf\ninclude conf.d/none*\ninclude conf.d/{x,y}.conf\ninclude conf.d/{x,a}.conf\ninclude conf.d/adir.conf\nk\n');
  assert.deepEqual(keywords(r), ['ka', 'k']);
  assert.deepEqual(diags(r), [
    "1 warning Config files missing 'nothere.conf'.",
    "3 warning Config files missing 'conf.d/{x,y}.conf'.",
    '4 warning Some config files missing: "conf.d/{x,a}.conf".',
    "5 warning Configuration file 'conf.d/adir.conf/' is a directory - skipping",
  ]);
});

test('checking variants: a failed match check is an error and nothing of that include is read', () => {
  const r = readMain('includem nothere.conf\nincludew conf.d/none*\nincludeb conf.d/{x,a}.conf\nincluder conf.d/*.conf\nincludea conf.d/a.conf\nincluder nothere.conf\nk\n');
  // includer reads the files around the directory it cannot read (in glob order)
  assert.deepEqual(keywords(r), ['ka', 'kb', '192.0.2.1/24', '192.0.2.2/24', 'ka', 'k']);
  assert.deepEqual(diags(r), [
    "1 error Config files missing 'nothere.conf'.",
    "2 error No config files matched 'conf.d/none*'.",
    '3 error Some config files missing: "conf.d/{x,a}.conf".',
    "4 error Configuration file 'conf.d/adir.conf/' is a directory - skipping",
    "6 warning Config files missing 'nothere.conf'.",
  ]);
});

test('include takes the rest of the line, quotes included; `include` alone is a keyword line', () => {
  const r = readMain('include "conf.d/a.conf"\ninclude\n');
  assert.deepEqual(keywords(r), ['include']);
  assert.deepEqual(diags(r), [`1 warning Config files missing '"conf.d/a.conf"'.`]);
});

test('global_defs include_check makes later plain includes checked; -e style defaults come from options', () => {
  const r = readMain('include nothere.conf\nglobal_defs {\n  include_check\n}\ninclude nothere.conf\nglobal_defs {\n  include_check -match bogus\n}\ninclude nothere.conf\n');
  assert.deepEqual(diags(r), [
    "1 warning Config files missing 'nothere.conf'.",
    "5 error Config files missing 'nothere.conf'.",
    "7 error Unknown include_check type 'bogus' - ignoring",
    "9 warning Config files missing 'nothere.conf'.",
  ]);
  const dup = readMain('global_defs {\n  include_check match read\n  include_check +match -read\n}\n');
  assert.deepEqual(diags(dup), ["2 error Duplicate include_check 'read' specified - ignoring"]);
  const strict = readMain('include nothere.conf\n', { includeChecks: ['readable', 'match', 'wildcard_match', 'brace_match'] });
  assert.deepEqual(diags(strict), ["1 error Config files missing 'nothere.conf'."]);
});

test('definitions made in an included file are visible after it', () => {
  const sub = join(dir, 'defs.conf');
  writeFileSync(sub, '$VIP=192.0.2.50\n');
  const r = readMain(`include ${sub}\nvip $VIP\n`);
  assert.deepEqual(r.nodes.map((n) => [n.keyword, ...n.args]), [['vip', '192.0.2.50']]);
});

test('a pattern that would walk too much of the disk is refused', () => {
  const many = join(dir, 'many');
  mkdirSync(many);
  for (let i = 0; i < 50; i++) writeFileSync(join(many, `f${i}.conf`), '');
  assert.throws(() => globPattern('many/*', dir, 10), /matches more than 10 directory entries/);
  assert.equal(globPattern('many/*', dir).length, 50);
  const r = readMain(`include ${many}/*/../*/*\nk\n`, { maxGlobEntries: 20 });
  assert.deepEqual(keywords(r), ['k']);
  assert.deepEqual(diags(r), [`1 error include '${many}/*/../*/*' matches more than 20 directory entries - skipping`]);
});

test('a main configuration name that does not exist is globbed, and every match is read (keepalived -f)', () => {
  const pattern = join(dir, 'conf.d', '{b,a}.conf');
  const r = readConfig(pattern);
  assert.deepEqual(keywords(r), ['kb', 'ka']);
  assert.deepEqual(r.files, [join(dir, 'conf.d', 'b.conf'), join(dir, 'conf.d', 'a.conf')]);
  assert.deepEqual(r.diagnostics.map((d) => d.message), [`WARNING, multiple configuration file matches of ${pattern}, starting with ${join(dir, 'conf.d', 'b.conf')}`]);
  const none = readConfig(join(dir, 'conf.d', 'none*.conf'));
  assert.deepEqual(none.diagnostics.map((d) => `${d.severity} ${d.message}`), [`error Config files missing '${join(dir, 'conf.d', 'none*.conf')}'.`]);
});
