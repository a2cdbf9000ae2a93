// Bad input never crashes or hangs the reader: each case ends with diagnostics and bounded work.
// (No timing assertions: CI is noisy. Sizes are what the brief asks for; times are printed.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig, readConfigText, type ReadResult } from '../../src/config/reader.js';
import type { ConfigNode } from '../../src/config/tree.js';

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'vipd-robust-')); });
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function countNodes(nodes: ConfigNode[]): number {
  let n = 0;
  const stack = [...nodes];
  while (stack.length > 0) {
    const node = stack.pop()!;
    n++;
    if (node.children) stack.push(...node.children);
  }
  return n;
}

function maxDepth(nodes: ConfigNode[]): number {
  let deepest = 0;
  const stack: [ConfigNode[], number][] = [[nodes, 1]];
  while (stack.length > 0) {
    const [list, d] = stack.pop()!;
    for (const n of list) {
      if (d > deepest) deepest = d;
      if (n.children) stack.push([n.children, d + 1]);
    }
  }
  return deepest;
}

function timed(label: string, fn: () => ReadResult): ReadResult {
  const t0 = performance.now();
  const r = fn();
  console.log(`robust: ${label}: ${(performance.now() - t0).toFixed(0)} ms, ${countNodes(r.nodes)} nodes, ${r.diagnostics.length} diagnostics`);
  return r;
}

function hasError(r: ReadResult, re: RegExp): boolean {
  return r.diagnostics.some((d) => d.severity === 'error' && re.test(d.message));
}

const BLOCK = 'vrrp_instance VI_1 {\n  state MASTER\n  interface eth0\n  virtual_router_id 51\n  priority 100\n  virtual_ipaddress {\n    192.0.2.10/24\n  }\n}\n';

test('a 10 MB configuration is read completely', () => {
  const copies = Math.ceil((10 * 1024 * 1024) / BLOCK.length);
  const file = join(dir, 'big.conf');
  writeFileSync(file, BLOCK.repeat(copies));
  const r = timed('10 MB config', () => readConfig(file));
  assert.equal(r.nodes.length, copies);
  assert.equal(countNodes(r.nodes), copies * 7);
  assert.deepEqual(r.diagnostics, []);
});

test('the size limit is enforced with a diagnostic', () => {
  const file = join(dir, 'limited.conf');
  writeFileSync(file, BLOCK.repeat(100));
  const r = readConfig(file, { maxBytes: 1000 });
  assert.deepEqual(r.nodes, []);
  assert.ok(hasError(r, /exceed the 1000-byte limit/));
  assert.ok(hasError(readConfigText(BLOCK.repeat(100), 'x.conf', { maxBytes: 1000 }), /exceeds the 1000-byte limit/));
});

test('100k nested blocks: depth is bounded, the braces still balance, nothing recurses', () => {
  const text = 'a {\n'.repeat(100_000) + '}\n'.repeat(100_000) + 'after\n';
  const r = timed('100k nested blocks', () => readConfigText(text, 'nest.conf', { maxDepth: 64 }));
  assert.equal(maxDepth(r.nodes), 65); // 64 blocks, the nodes in the 64th, the rest flattened there
  assert.equal(r.nodes.at(-1)!.keyword, 'after');
  assert.ok(hasError(r, /nested more than 64 deep/));
  assert.ok(!hasError(r, /missing '\}'/));
});

test('60k { on one line, unbalanced; 100k on one line is past the line limit', () => {
  const r = timed('60k { on one line', () => readConfigText('{'.repeat(60_000) + '\nk\n', 'braces.conf'));
  assert.ok(hasError(r, /Unexpected '\{'/));
  assert.ok(r.diagnostics.some((d) => /further diagnostics not shown/.test(d.message)));
  assert.equal(r.nodes.at(-1)!.keyword, 'k');
  const over = readConfigText('{'.repeat(100_000) + '\nk\n', 'braces.conf');
  assert.ok(hasError(over, /more than the 65536 accepted/));
  assert.deepEqual(over.nodes.map((n) => n.keyword), ['k']);
});

test('an unclosed block at end of file is reported where it opened', () => {
  const r = readConfigText('global_defs {\n router_id a\n}\nvrrp_instance X {\n priority 1\n', 'eof.conf');
  assert.deepEqual(r.diagnostics.map((d) => [d.line, d.message]), [[4, "There are 1 missing '}'s or extra '{'s (the first unbalanced '{' is here)"]]);
});

test('include loops: a file including itself, and A -> B -> A', () => {
  writeFileSync(join(dir, 'self.conf'), 'include self.conf\nk\n');
  const self = readConfig(join(dir, 'self.conf'));
  assert.deepEqual(self.nodes.map((n) => n.keyword), ['k']);
  assert.ok(hasError(self, /include loop/));
  writeFileSync(join(dir, 'a.conf'), 'include b.conf\nka\n');
  writeFileSync(join(dir, 'b.conf'), 'include a.conf\nkb\n');
  const ab = readConfig(join(dir, 'a.conf'));
  assert.deepEqual(ab.nodes.map((n) => n.keyword), ['kb', 'ka']);
  assert.ok(hasError(ab, /include loop: .*a\.conf -> .*b\.conf -> .*a\.conf/));
});

test('include depth is bounded', () => {
  const chain = join(dir, 'chain');
  mkdirSync(chain);
  for (let i = 0; i < 20; i++) writeFileSync(join(chain, `c${i}.conf`), `include c${i + 1}.conf\nk${i}\n`);
  writeFileSync(join(chain, 'c20.conf'), 'k20\n');
  const r = readConfig(join(chain, 'c0.conf'), { maxIncludeDepth: 5 });
  assert.deepEqual(r.nodes.map((n) => n.keyword), ['k4', 'k3', 'k2', 'k1', 'k0']);
  assert.ok(hasError(r, /includes nested more than 5 deep/));
  assert.equal(readConfig(join(chain, 'c0.conf')).nodes.length, 21);
});

test('unreadable includes: a directory, a dangling symlink, a FIFO, an executable file', () => {
  const u = join(dir, 'unreadable');
  mkdirSync(join(u, 'adir'), { recursive: true });
  symlinkSync('/nonexistent/vipd-test-target', join(u, 'dangling.conf'));
  execFileSync('mkfifo', [join(u, 'fifo.conf')]);
  writeFileSync(join(u, 'exec.conf'), 'never\n', { mode: 0o755 });
  writeFileSync(join(u, 'main.conf'), 'include adir\ninclude dangling.conf\ninclude fifo.conf\ninclude exec.conf\nincluder adir\nk\n');
  const r = readConfig(join(u, 'main.conf'));
  assert.deepEqual(r.nodes.map((n) => n.keyword), ['k']);
  assert.deepEqual(r.diagnostics.map((d) => `${d.line} ${d.severity} ${d.message}`), [
    "1 warning Configuration file 'adir/' is a directory - skipping",
    "2 warning Configuration file 'dangling.conf' is not a regular non-executable file - skipping",
    "3 warning Configuration file 'fifo.conf' is not a regular non-executable file - skipping",
    "4 warning Configuration file 'exec.conf' is not a regular non-executable file - skipping",
    "5 error Configuration file 'adir/' is a directory - skipping",
  ]);
});

test('a missing main file is an error, not an exception', () => {
  const r = readConfig(join(dir, 'does-not-exist.conf'));
  assert.deepEqual(r.nodes, []);
  assert.ok(hasError(r, /Config files missing/));
  const d = readConfig(dir);
  assert.ok(d.diagnostics.some((x) => /is a directory/.test(x.message)));
});

test('binary garbage and NUL bytes', () => {
  let seed = 12345;
  const bytes = Buffer.alloc(1 << 20);
  for (let i = 0; i < bytes.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    bytes[i] = seed >>> 24;
  }
  const file = join(dir, 'garbage.conf');
  writeFileSync(file, bytes);
  const r = timed('1 MiB of random bytes', () => readConfig(file));
  assert.ok(r.diagnostics.length > 0);
  assert.ok(r.diagnostics.some((d) => /NUL byte/.test(d.message)));
});

test('extremely long lines are kept up to 64 KiB and dropped beyond', () => {
  const ok = readConfigText(`k ${'x'.repeat(60_000)}\nnext\n`, 'long.conf');
  assert.equal(ok.nodes[0]!.args[0]!.length, 60_000);
  // the worst case for brace splitting: 32k pieces of one line, each re-read
  const braces = timed('64 KiB of a{', () => readConfigText(`${'a{'.repeat(32_000)}\n`, 'ab.conf'));
  assert.equal(countNodes(braces.nodes), 32_000);
  const huge = timed('10 MB line', () => readConfigText(`k ${'x'.repeat(10_000_000)}\nnext\n`, 'huge.conf'));
  assert.deepEqual(huge.nodes.map((n) => n.keyword), ['next']);
  assert.ok(hasError(huge, /characters long, more than the 65536 accepted/));
});

test('self-recursive and exponential definitions stop with diagnostics', () => {
  const self = timed('$A=$A x10000', () => readConfigText(`$A=$A\n${'k $A\n'.repeat(10_000)}end\n`, 'rec.conf'));
  assert.equal(self.nodes.at(-1)!.keyword, 'end');
  assert.ok(hasError(self, /substitutions in one line/));
  const exp = timed('$A=$A$A x10000', () => readConfigText(`$A=$A$A\n${'k $A\n'.repeat(10_000)}end\n`, 'exp.conf'));
  assert.equal(exp.nodes.at(-1)!.keyword, 'end');
  assert.ok(exp.diagnostics.length > 0);
});

test('~SEQ with huge counts, nested ~SEQ and huge multi-line expansions are bounded', () => {
  const r = timed('~SEQ huge', () => readConfigText('~SEQ(i,1,1000000000) k$i\n~SEQ(i,1,100) ~SEQ(j,1,100) ~SEQ(k,1,100) x\nend\n', 'seq.conf', { maxGeneratedLines: 50_000 }));
  assert.ok(hasError(r, /would repeat its line 1000000000 times/));
  assert.ok(hasError(r, /would generate more than 50000 lines/));
  assert.equal(r.nodes.at(-1)!.keyword, 'end');
  assert.ok(r.nodes.length <= 50_001);
  const multi = `$M=${'a \\\n'.repeat(100)}z\n${'$M\n'.repeat(1000)}end\n`;
  const m = readConfigText(multi, 'multi.conf', { maxGeneratedLines: 10_000 });
  assert.ok(hasError(m, /would generate more than 10000 lines/));
  assert.equal(m.nodes.at(-1)!.keyword, 'end');
});

test('a multi-line definition that uses itself is caught at once', () => {
  const r = readConfigText('$VI=vrrp_instance X { \\\n  priority 1 \\\n$VI\n}\n$VI\nend\n', 'selfml.conf');
  assert.ok(hasError(r, /multi-line definition \$VI uses itself/), r.diagnostics.map((d) => d.message).join('\n'));
  assert.ok(countNodes(r.nodes) < 10);
  // using it twice in a row is not recursion
  const twice = readConfigText('$M=a \\\nb\n$M\n$M\n', 'twice.conf');
  assert.deepEqual(twice.nodes.map((n) => n.keyword), ['a', 'b', 'a', 'b']);
  assert.deepEqual(twice.diagnostics, []);
});

test('a ~SEQ that expands itself is stopped by the nesting bound', () => {
  const r = timed('$S=~SEQ(i,1,1000) $S', () => readConfigText('$S=~SEQ(i,1,1000) $S\n$S\nend\n', 'seqrec.conf'));
  assert.equal(r.nodes.at(-1)!.keyword, 'end');
  assert.ok(hasError(r, /nested more than 1000 deep/));
});
