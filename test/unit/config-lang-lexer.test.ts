// Line-level lexing: comments, word splitting, brace splitting, escapes (keepalived 2.2.7 rules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decomment, splitAtBrace, splitQuotedEscaped, splitWords } from '../../src/config/lexer.js';

test('decomment strips # and ! comments and surrounding blanks', () => {
  assert.equal(decomment('  router_id foo # a comment').text, 'router_id foo');
  assert.equal(decomment('\trouter_id foo ! other').text, 'router_id foo');
  assert.equal(decomment('# whole line').text, '');
  assert.equal(decomment('! whole line').text, '');
  assert.equal(decomment('a#b').text, 'a');
});

test('decomment keeps comment characters inside double quotes but not single quotes', () => {
  assert.equal(decomment('k "a # b" c # d').text, 'k "a # b" c');
  assert.equal(decomment("k 'a # b' c").text, "k 'a");
});

test('decomment turns \\# and \\! outside quotes into the literal character', () => {
  assert.equal(decomment('k a\\#b c\\!d').text, 'k a#b c!d');
  assert.equal(decomment('k "a\\#b"').text, 'k "a\\#b"');
});

test('decomment reports an unterminated double quote', () => {
  const r = decomment('k "abc');
  assert.equal(r.unterminatedQuote, true);
  assert.equal(decomment('k "abc"').unterminatedQuote, false);
  // a quote inside a comment does not count
  assert.equal(decomment('k # "abc').unterminatedQuote, false);
});

test('decomment keeps a trailing backslash (definition continuation), dropping blanks before it', () => {
  const r = decomment('$A=a b   \\');
  assert.equal(r.continued, true);
  assert.equal(r.text, '$A=a b\\');
  assert.equal(decomment('a \\x').continued, false);
});

test('splitWords: whitespace separates words, a leading " quotes a word, \' is ordinary', () => {
  assert.deepEqual(splitWords('k1  a\tb').words, ['k1', 'a', 'b']);
  assert.deepEqual(splitWords('k "a b" c').words, ['k', 'a b', 'c']);
  assert.deepEqual(splitWords('foo"x y"z').words, ['foo', 'x y', 'z']);
  assert.deepEqual(splitWords("k 'a b'").words, ['k', "'a", "b'"]);
  assert.deepEqual(splitWords('k ""').words, ['k', '']);
  assert.deepEqual(splitWords('k1\vk2\fk3').words, ['k1', 'k2', 'k3']);
  assert.deepEqual(splitWords('').words, []);
});

test('splitWords reports an unmatched quote and keeps the words before it', () => {
  const r = splitWords('k a "b c');
  assert.equal(r.unmatchedQuote, true);
  assert.deepEqual(r.words, ['k', 'a']);
});

test('splitAtBrace puts every brace outside double quotes on its own line', () => {
  assert.deepEqual(splitAtBrace('global_defs { router_id x }'), { head: 'global_defs', residue: '{ router_id x }' });
  assert.deepEqual(splitAtBrace('{ router_id x }'), { head: '{', residue: 'router_id x }' });
  assert.deepEqual(splitAtBrace('router_id x }'), { head: 'router_id x', residue: '}' });
  assert.deepEqual(splitAtBrace('}'), { head: '}', residue: undefined });
  assert.deepEqual(splitAtBrace('} }'), { head: '}', residue: '}' });
  assert.deepEqual(splitAtBrace('ab{'), { head: 'ab', residue: '{' });
  assert.deepEqual(splitAtBrace('k "a{b}" {'), { head: 'k "a{b}"', residue: '{' });
  assert.deepEqual(splitAtBrace("k 'a{b}'"), { head: "k 'a", residue: "{b}'" });
  // an unpaired quote stops the search
  assert.deepEqual(splitAtBrace('k "a { b'), { head: 'k "a { b', residue: undefined });
  assert.deepEqual(splitAtBrace('plain words'), { head: 'plain words', residue: undefined });
});

test('splitQuotedEscaped: both quotes, mid-word quotes, escapes', () => {
  assert.deepEqual(splitQuotedEscaped(`/bin/echo 'a b' "c d" e'f g'h`).words, ['/bin/echo', 'a b', 'c d', 'ef gh']);
  assert.deepEqual(splitQuotedEscaped('a\\tb "x\\x41\\101\\cAy" \\"q\\ r').words, ['a\tb', 'xAA\x01y', '"q r']);
  assert.deepEqual(splitQuotedEscaped('\\E\\n\\\\').words, ['\x1b\n\\']);
});

test('splitQuotedEscaped reports a missing closing quote and a trailing backslash', () => {
  assert.match(splitQuotedEscaped(`a 'b c`).error ?? '', /missing terminating '/);
  assert.match(splitQuotedEscaped('a b\\').error ?? '', /Missing escape char at end/);
});
