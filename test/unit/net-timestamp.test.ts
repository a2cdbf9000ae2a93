import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelTimestampMs } from '../../src/net/vrrp-socket.js';
import { K } from '../../src/net/rawsock.js';

test('SCM_TIMESTAMPNS control messages become realtime milliseconds; others are ignored', () => {
  const ts = Buffer.alloc(16);
  ts.writeBigInt64LE(1795685000n, 0);
  ts.writeBigInt64LE(123456789n, 8);
  const hop = Buffer.alloc(4);
  assert.equal(kernelTimestampMs([{ level: 41, type: 52, data: hop }, { level: K.SOL_SOCKET, type: K.SCM_TIMESTAMPNS, data: ts }]), 1795685000123.4568);
  assert.equal(kernelTimestampMs([{ level: 41, type: 52, data: hop }]), undefined);
  assert.equal(kernelTimestampMs([{ level: K.SOL_SOCKET, type: K.SCM_TIMESTAMPNS, data: Buffer.alloc(8) }]), undefined, 'truncated');
});
