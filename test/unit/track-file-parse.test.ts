import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrackFileValue } from '../../src/track/file.js';

test('decimal, signed, with blanks and trailing text (strtol rules)', () => {
  assert.equal(parseTrackFileValue('5\n'), 5);
  assert.equal(parseTrackFileValue('  -300\n'), -300);
  assert.equal(parseTrackFileValue('+7 apples'), 7);
  assert.equal(parseTrackFileValue('12abc'), 12);
});

test('hex and octal like strtol base 0', () => {
  assert.equal(parseTrackFileValue('0x10'), 16);
  assert.equal(parseTrackFileValue('-0X1f'), -31);
  assert.equal(parseTrackFileValue('010'), 8);
  assert.equal(parseTrackFileValue('0'), 0);
  assert.equal(parseTrackFileValue('09'), 0); // "0" then stop at 9, as strtol does
});

test('empty or garbage reads as 0', () => {
  assert.equal(parseTrackFileValue(''), 0);
  assert.equal(parseTrackFileValue('\n'), 0);
  assert.equal(parseTrackFileValue('abc'), 0);
  assert.equal(parseTrackFileValue('-'), 0);
});

test('values outside the 32-bit range are rejected (previous value kept by the tracker)', () => {
  assert.equal(parseTrackFileValue('2147483648'), 2147483648);
  assert.equal(parseTrackFileValue('2147483649'), undefined);
  assert.equal(parseTrackFileValue('-2147483649'), undefined);
  assert.equal(parseTrackFileValue('99999999999999999999999'), undefined);
});
