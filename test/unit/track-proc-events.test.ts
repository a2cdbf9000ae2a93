// Decoding of kernel proc connector datagrams (layout from linux/cn_proc.h), built by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProcEvents, PROC_EVENT } from '../../src/track/proc-events.js';

/** One netlink message carrying a proc_event with the given event_data words. */
function msg(what: number, data: number[], idx = 1, val = 1): Buffer {
  const len = 52 + data.length * 4;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(len, 0);
  b.writeUInt16LE(3, 4); // NLMSG_DONE
  b.writeUInt32LE(idx, 16);
  b.writeUInt32LE(val, 20);
  b.writeUInt16LE(len - 36, 32);
  b.writeUInt32LE(what, 36);
  b.writeUInt32LE(2, 40); // cpu
  b.writeBigUInt64LE(123456789n, 44);
  data.forEach((w, i) => b.writeUInt32LE(w, 52 + i * 4));
  return b;
}

test('fork reports the child, exec/comm/exit the process', () => {
  assert.deepEqual(decodeProcEvents(msg(PROC_EVENT.FORK, [100, 100, 4242, 4242])), [{ what: PROC_EVENT.FORK, pid: 4242, tgid: 4242 }]);
  assert.deepEqual(decodeProcEvents(msg(PROC_EVENT.EXEC, [4242, 4242])), [{ what: PROC_EVENT.EXEC, pid: 4242, tgid: 4242 }]);
  assert.deepEqual(decodeProcEvents(msg(PROC_EVENT.COMM, [7, 5, 0x6c6c6568, 0x6f, 0, 0])), [{ what: PROC_EVENT.COMM, pid: 7, tgid: 5 }]);
  assert.deepEqual(decodeProcEvents(msg(PROC_EVENT.EXIT, [4242, 4242, 0, 17, 1, 1])), [{ what: PROC_EVENT.EXIT, pid: 4242, tgid: 4242 }]);
});

test('several messages in one datagram are all decoded', () => {
  const both = Buffer.concat([msg(PROC_EVENT.EXEC, [1, 1]), msg(PROC_EVENT.EXIT, [2, 2, 0, 0])]);
  assert.deepEqual(decodeProcEvents(both).map((e) => e.pid), [1, 2]);
});

test('other events, other connectors and truncated or garbage input are ignored, never thrown', () => {
  assert.deepEqual(decodeProcEvents(msg(0x4 /* UID */, [1, 1, 0, 0])), []);
  assert.deepEqual(decodeProcEvents(msg(PROC_EVENT.EXEC, [1, 1], 2, 1)), []);
  assert.deepEqual(decodeProcEvents(msg(PROC_EVENT.FORK, [1, 1])), [], 'fork too short for the child fields');
  const m = msg(PROC_EVENT.EXEC, [1, 1]);
  assert.deepEqual(decodeProcEvents(m, 30), []);
  const lying = Buffer.from(m);
  lying.writeUInt32LE(4096, 0); // claims more than there is
  assert.deepEqual(decodeProcEvents(lying), []);
  assert.deepEqual(decodeProcEvents(Buffer.alloc(0)), []);
  const zero = Buffer.alloc(64); // nlmsg_len 0 must not loop forever
  assert.deepEqual(decodeProcEvents(zero), []);
});
