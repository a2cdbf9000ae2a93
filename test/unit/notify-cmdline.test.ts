import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScriptCommand, formatCommand } from '../../src/notify/cmdline.js';

function argv(text: string): string[] {
  const r = parseScriptCommand(text);
  assert.ok(r.ok, `expected ${JSON.stringify(text)} to parse`);
  return r.argv;
}

test('splits on blanks and keeps a bare path as one word', () => {
  assert.deepEqual(argv('/etc/keepalived/notify.sh'), ['/etc/keepalived/notify.sh']);
  assert.deepEqual(argv('  /bin/check   a\tb  '), ['/bin/check', 'a', 'b']);
});

test('single and double quotes group words and are removed', () => {
  // The exact case recorded from keepalived 2.2.7: "/tmp/notify.sh 'a b' c\"d \x41" -> [a b] [c"d] [A]
  assert.deepEqual(argv(`/tmp/notify.sh 'a b' c\\"d \\x41`), ['/tmp/notify.sh', 'a b', 'c"d', 'A']);
  assert.deepEqual(argv(`x "it's" 'say "hi"'`), ['x', "it's", 'say "hi"']);
  assert.deepEqual(argv(`x ab"c d"ef`), ['x', 'abc def']);
});

test('quoted empty strings are kept as empty arguments', () => {
  assert.deepEqual(argv(`x "" ''`), ['x', '', '']);
});

test('no shell expansion: $VAR, globs and redirections stay literal', () => {
  assert.deepEqual(argv('/x.sh $HOME * x>y'), ['/x.sh', '$HOME', '*', 'x>y']);
});

test('backslash escapes work outside and inside quotes', () => {
  assert.deepEqual(argv('x a\\ b'), ['x', 'a b']);
  assert.deepEqual(argv(`x "a\\"b" 'c\\'d'`), ['x', 'a"b', "c'd"]);
  assert.deepEqual(argv('x \\t \\n \\E \\a'), ['x', '\t', '\n', '\x1b', '\x07']);
  assert.deepEqual(argv('x \\101\\60 \\x4a\\x6B \\cA'), ['x', 'A0', 'Jk', '\x01']);
  assert.deepEqual(argv('x \\q'), ['x', 'q']);
});

test('unterminated quotes and a trailing backslash are errors, not crashes', () => {
  const a = parseScriptCommand(`/x.sh 'oops`);
  assert.equal(a.ok, false);
  if (!a.ok) assert.match(a.error, /missing terminating '/);
  const b = parseScriptCommand('/x.sh "c"d" e');
  assert.equal(b.ok, false);
  if (!b.ok) assert.match(b.error, /missing terminating "/);
  assert.equal(parseScriptCommand('/x.sh \\').ok, false);
  // keepalived quirk (verified): a quote opened as the very last character is not an error.
  assert.deepEqual(parseScriptCommand(`x 'sq'x'`), { ok: true, argv: ['x', 'sqx'] });
  assert.equal(parseScriptCommand('   ').ok, false);
});

test('formatCommand quotes every word like keepalived logs them', () => {
  assert.equal(formatCommand(['/x.sh', "it's", 'a b']), `'/x.sh' 'it'\\''s' 'a b'`);
});
