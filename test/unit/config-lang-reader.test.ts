// The reader: blocks, positions, parameters, conditional lines, ~SEQ/~LST (keepalived 2.2.7 rules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfigText, type ReadResult } from '../../src/config/reader.js';
import type { ConfigNode } from '../../src/config/tree.js';

/** Compact form of a tree for assertions: [line, keyword, ...args] and children. */
type Shape = [number, ...string[]] | [[number, ...string[]], Shape[]];
function shape(nodes: ConfigNode[]): Shape[] {
  return nodes.map((n) => {
    const head: [number, ...string[]] = [n.line, n.keyword, ...n.args];
    return n.children ? [head, shape(n.children)] : head;
  });
}
function read(text: string, configId = 'lab1'): ReadResult {
  return readConfigText(text, '/etc/keepalived/test.conf', { configId, randomSeed: 1 });
}
function messages(r: ReadResult): string[] {
  return r.diagnostics.map((d) => `${d.line}: ${d.severity}: ${d.message}`);
}

test('keyword lines, blocks with { on the keyword line or the next line, file and line on every node', () => {
  const r = read('global_defs {\n  router_id r1\n}\n\nvrrp_instance VI_1\n{\n  state MASTER\n  virtual_ipaddress {\n    192.0.2.1/24\n  }\n}\n');
  assert.deepEqual(shape(r.nodes), [
    [[1, 'global_defs'], [[2, 'router_id', 'r1']]],
    [[5, 'vrrp_instance', 'VI_1'], [[7, 'state', 'MASTER'], [[8, 'virtual_ipaddress'], [[9, '192.0.2.1/24']]]]],
  ]);
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.nodes[0]!.file, '/etc/keepalived/test.conf');
  assert.deepEqual(r.files, ['/etc/keepalived/test.conf']);
});

test('one-line blocks and several } on a line', () => {
  const r = read('global_defs { notification_email { a@example.org b@example.org } router_id x }\nvrrp_sync_group G { group { VI_1 VI_2 } }\nk {\n a {\n b } } last\n');
  assert.deepEqual(shape(r.nodes), [
    [[1, 'global_defs'], [[[1, 'notification_email'], [[1, 'a@example.org', 'b@example.org']]], [1, 'router_id', 'x']]],
    [[2, 'vrrp_sync_group', 'G'], [[[2, 'group'], [[2, 'VI_1', 'VI_2']]]]],
    [[3, 'k'], [[[4, 'a'], [[5, 'b']]]]],
    [5, 'last'],
  ]);
  assert.deepEqual(r.diagnostics, []);
});

test('comments and quotes: # and ! outside double quotes, quoted words keep spaces', () => {
  const r = read('k1 a # comment\nk2 "x # y" ! c\n# full\n  ! full\nk3 "a b"c\nk4 \'p q\'\n');
  assert.deepEqual(shape(r.nodes), [[1, 'k1', 'a'], [2, 'k2', 'x # y'], [5, 'k3', 'a b', 'c'], [6, 'k4', "'p", "q'"]]);
});

test('raw keeps the line text for keywords that re-split command lines', () => {
  const r = read(`notify "/bin/echo 'a b'" # c\n`);
  assert.equal(r.nodes[0]!.raw, `notify "/bin/echo 'a b'"`);
});

test('brace and quote errors use keepalived wording and name the line', () => {
  assert.deepEqual(messages(read('a {\n b\n')), [`1: error: There are 1 missing '}'s or extra '{'s (the first unbalanced '{' is here)`]);
  assert.deepEqual(messages(read('}\nk\n')), [`1: error: Extra '}' found`, `1: error: Unknown keyword '}'`]);
  assert.deepEqual(messages(read('{\n}\n')), [`1: error: Unexpected '{' - ignoring`, `2: error: Unknown keyword '}'`]);
  // a quoted brace counts for the structure (keepalived compares the first word), not for the balance
  const quoted = read('k "{"\n  x\n"}"\ny\n');
  assert.deepEqual(shape(quoted.nodes), [[[1, 'k'], [[2, 'x']]], [4, 'y']]);
  assert.deepEqual(messages(quoted), []);
  assert.deepEqual(messages(read('k "abc\n')), [`1: error: Unterminated quote 'k "abc'`, `1: error: Unmatched quote: 'k "abc'`]);
  // reported again after parameter expansion, as keepalived does
  assert.deepEqual(messages(read('k "${_INSTANCE}\n')), [`1: error: Unterminated quote 'k "\${_INSTANCE}'`, `1: error: Unterminated quote 'k "lab1'`, `1: error: Unmatched quote: 'k "lab1'`]);
});

test('$NAME=value definitions: $NAME and ${NAME}, empty values, undefined names verbatim', () => {
  const r = read('$A=foo bar\n$A\n${A}x\n$Ax\n$B =x\n$E=\nk1 $E k2\nk $U ${U}\nk $A,$A)\n');
  assert.deepEqual(shape(r.nodes), [
    [2, 'foo', 'bar'], [3, 'foo', 'barx'], [4, '$Ax'], [5, '$B', '=x'], [7, 'k1', 'k2'],
    // `${U}` stays, and its braces are then split like any other brace
    [[8, 'k', '$U', '$'], [[8, 'U']]],
    [9, 'k', 'foo', 'bar,foo', 'bar)'],
  ]);
});

test('expansion is recursive and happens at use time', () => {
  const r = read('$A=$B\n$B=first\nk $A\n$B=second\nk $A\n');
  assert.deepEqual(shape(r.nodes), [[3, 'k', 'first'], [5, 'k', 'second']]);
});

test('self-recursive and mutually recursive definitions end with a diagnostic', () => {
  const r = read('$A=$A\nk $A\n$B=x$C\n$C=y$B\nk2 $B\nnext\n');
  assert.equal(r.nodes.at(-1)!.keyword, 'next');
  const msgs = messages(r);
  assert.ok(msgs.some((m) => m.startsWith('2: error: parameter expansion stopped')), msgs.join('\n'));
  assert.ok(msgs.some((m) => m.startsWith('5: error: ')), msgs.join('\n'));
});

test('a value containing # or ! starts a comment once expanded (keepalived 2.2.7)', () => {
  const r = read('$D=a\\#b\nk $D c\nk2 ${_HASH}x\nk3 "${_BANG}"\n');
  assert.deepEqual(shape(r.nodes), [[2, 'k', 'a'], [3, 'k2'], [4, 'k3', '!']]);
});

test('multi-line definitions with trailing \\, expanded where the reference ends the line', () => {
  const r = read('$M=a1 \\\n  a2 x \\\n  a3\nfoo\nk $M\n$M\nk ${M} end\n');
  assert.deepEqual(shape(r.nodes), [
    [4, 'foo'],
    [5, 'k', 'a1'], [5, 'a2', 'x'], [5, 'a3'],
    [6, 'a1'], [6, 'a2', 'x'], [6, 'a3'],
    // not at the end of the line: not expanded
    [[7, 'k', '$'], [[7, 'M']]], [7, 'end'],
  ]);
});

test('a multi-line definition can hold a whole block', () => {
  const r = read('$INST=vrrp_instance $N { \\\n  priority $P \\\n}\n$N=VI_1\n$P=100\n$INST\n$N=VI_2\n$P=50\n$INST\n');
  assert.deepEqual(shape(r.nodes), [
    [[6, 'vrrp_instance', 'VI_1'], [[6, 'priority', '100']]],
    [[9, 'vrrp_instance', 'VI_2'], [[9, 'priority', '50']]],
  ]);
  assert.deepEqual(r.diagnostics, []);
});

test('an empty line ends a multi-line definition', () => {
  const r = read('$M=a \\\n b \\\n\nk\n$M\n');
  assert.deepEqual(shape(r.nodes), [[4, 'k'], [5, 'a'], [5, 'b']]);
});

test('predefined parameters: _PWD, _INSTANCE, _RANDOM, _HASH, _BANG; _ENV is not in 2.2.7', () => {
  const r = read('k ${_PWD} ${_INSTANCE}\nr ${_RANDOM} ${_RANDOM 5 7} ${_RANDOM 9 9}\ne ${_ENV HOME}\n');
  const [pwd, rnd] = r.nodes;
  assert.deepEqual(pwd!.args, ['/etc/keepalived', 'lab1']);
  const [any, small, nine] = rnd!.args.map(Number);
  assert.ok(any! >= 0 && any! <= 32767);
  assert.ok(small! >= 5 && small! <= 7);
  assert.equal(nine, 9);
  assert.deepEqual(r.nodes[2]!.args, ['$']);
});

test('names starting with _ are reserved: redefining one is allowed but warned about', () => {
  const r = read('$_PWD=x\nk $_PWD\n$_MINE=y\n');
  assert.deepEqual(r.nodes[0]!.args, ['x']);
  assert.equal(r.diagnostics.filter((d) => d.severity === 'warning').length, 2);
});

test('@ID and @^ID conditional lines', () => {
  const text = '@lab1 k1\n@^lab1 k2\n@lab2 k3\n@^lab2 k4\n@lab1\n@^x\tk5\n@lab1 vrrp_instance V {\n@lab1 }\n';
  assert.deepEqual(shape(read(text, 'lab1').nodes), [[1, 'k1'], [4, 'k4'], [6, 'k5'], [[7, 'vrrp_instance', 'V'], []]]);
  assert.deepEqual(shape(read(text, 'lab2').nodes), [[2, 'k2'], [3, 'k3'], [6, 'k5']]);
});

test('~SEQ with 1, 2 or 3 numbers, ~SEQx in hex, nested and combined with ~LST', () => {
  const r = read('~SEQ(i, 1, 3) k$i\n~SEQ(i,5,-2,1) b$i\n~SEQx(i,9,12) c${i}z\n~SEQ(i,0) d$i\n~SEQ(i,-2) e$i\n~SEQ(i,1,2) ~SEQ(j,1,2) f${i}_$j\n');
  assert.deepEqual(r.nodes.map((n) => `${n.line}:${n.keyword}`), [
    '1:k1', '1:k2', '1:k3', '2:b5', '2:b3', '2:b1', '3:c9z', '3:caz', '3:cbz', '3:ccz', '4:d1', '4:d0', '5:e-1', '5:e-2',
    '6:f1_1', '6:f1_2', '6:f2_1', '6:f2_2',
  ]);
  assert.deepEqual(r.diagnostics, []);
});

test('~SEQ takes parameters in its numbers and can generate blocks', () => {
  const r = read('$N=3\n~SEQ(i,1,$N) vrrp_instance VI_$i { virtual_router_id $i }\n');
  assert.deepEqual(shape(r.nodes), [1, 2, 3].map((i) => [[2, 'vrrp_instance', `VI_${i}`], [[2, 'virtual_router_id', String(i)]]]));
});

test('~LST with single values and with tuples', () => {
  const r = read('~LST(v, a, b, c) k$v\n~LST({x,y}, {1,2}, {3,4}) m${x}_$y\n~LST({x,y}, {1,2}, {3}) n${x}_${y}z\n~SEQ(i,1,2) ~LST(v,a,b) u${v}$i\n');
  assert.deepEqual(r.nodes.map((n) => n.keyword), ['ka', 'kb', 'kc', 'm1_2', 'm3_4', 'n1_2z', 'n3_z', 'ua1', 'ub1', 'ua2', 'ub2']);
  assert.deepEqual(r.diagnostics, []);
});

test('invalid ~SEQ/~LST specifications give keepalived\'s messages and nothing else', () => {
  const r = read('~SEQ(i,1,0,3) x$i\n~SEQ(i) y\n~SEQ x\n~SEQ(i,a) z$i\n~SEQx(i,-1,2) w$i\n~LST(v) z\n~LST(v,p q) z\n~LST({x,y}, {1,2,3}) m\nafter\n');
  assert.deepEqual(shape(r.nodes), [[9, 'after']]);
  assert.deepEqual(messages(r), [
    "1: error: Invalid ~SEQ values '~SEQ(i,1,0,3) x$i'", "1: error: Invalid ~SEQ specification '~SEQ(i,1,0,3) x$i'",
    "2: error: Invalid ~SEQ definition '~SEQ(i) y'", "2: error: Invalid ~SEQ specification '~SEQ(i) y'",
    "3: error: Invalid ~SEQ specification '~SEQ x'",
    "4: error: Invalid ~SEQ definition '~SEQ(i,a) z$i'", "4: error: Invalid ~SEQ specification '~SEQ(i,a) z$i'",
    "5: error: ~SEQx is only valid for positive numbers '~SEQx(i,-1,2) w$i'", "5: error: Invalid ~SEQ specification '~SEQx(i,-1,2) w$i'",
    "6: error: Invalid ~LST specification '~LST(v) z'",
    "7: error: Invalid ~LST specification '~LST(v,p q) z'",
    "8: error: ~LST specification has too many values '~LST({x,y}, {1,2,3}) m'", "8: error: Invalid ~LST specification '~LST({x,y}, {1,2,3}) m'",
  ]);
});

test('CRLF line ends are accepted; a NUL byte ends the line with a diagnostic', () => {
  const r = read('k1 a\r\nk2 b\r\nk3\0junk\nk4\n');
  assert.deepEqual(shape(r.nodes), [[1, 'k1', 'a'], [2, 'k2', 'b'], [3, 'k3'], [4, 'k4']]);
  assert.deepEqual(messages(r), ['3: error: NUL byte in line - the rest of the line is ignored (as keepalived does)']);
});

test('lines keepalived would split (>= 1023 bytes) are kept whole with a warning', () => {
  assert.deepEqual(read(`k ${'a'.repeat(1020)}\n`).diagnostics, []); // 1022 bytes: keepalived reads it whole
  assert.equal(read(`k ${'a'.repeat(1021)}\n`).diagnostics.length, 1);
  const long = 'a'.repeat(1100);
  const r = read(`k ${long}\nnext\n`);
  assert.deepEqual(shape(r.nodes), [[1, 'k', long], [2, 'next']]);
  assert.equal(r.diagnostics.length, 1);
  assert.equal(r.diagnostics[0]!.severity, 'warning');
});

test('keepLines returns the flat logical lines, braces included, in reading order', () => {
  const r = readConfigText('$V=192.0.2.1\nvrrp_instance VI_1 { virtual_ipaddress { $V } }\nbogus_block {\n  x 1\n}\n', 'lines.conf', { keepLines: true });
  assert.deepEqual(r.lines!.map((l) => `${l.line}:${l.words.join(' ')}`), [
    '2:vrrp_instance VI_1', '2:{', '2:virtual_ipaddress', '2:{', '2:192.0.2.1', '2:}', '2:}', '3:bogus_block', '3:{', '4:x 1', '5:}',
  ]);
  assert.equal(read('k\n').lines, undefined);
});

test('a UTF-8 byte order mark is kept (as keepalived does) but warned about', () => {
  const r = read('\uFEFFglobal_defs {\n}\n');
  assert.equal(r.nodes[0]!.keyword, '\uFEFFglobal_defs');
  assert.deepEqual(messages(r), ['1: warning: file starts with a UTF-8 byte order mark; keepalived reads it as part of the first word']);
});
