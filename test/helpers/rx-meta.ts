// Receive metadata carries the kernel's receive time (SO_TIMESTAMPNS): check it is a plausible realtime
// stamp (taken moments ago), then compare the rest exactly. With the offload thread it also carries the
// packet's key (hop limit, source, destination, payload: what an absorbed advert must match); check
// that it says exactly that.
import assert from 'node:assert/strict';
import { ipToBuffer } from '../../src/net/ipaddr.js';

export function stamped(meta: object, payloadHex?: string): Record<string, unknown> {
  const { rxRealtimeMs, offloadKey, ...rest } = meta as { rxRealtimeMs?: number; offloadKey?: Buffer | { data: number[] } } & Record<string, unknown>;
  assert.equal(typeof rxRealtimeMs, 'number', 'the kernel receive timestamp is present');
  const age = Date.now() - rxRealtimeMs!;
  assert.ok(age >= -1000 && age < 60_000, `receive timestamp ${rxRealtimeMs} is ${age} ms old`);
  if (process.env.VIPD_OFFLOAD !== '0') {
    assert.ok(offloadKey, 'the offload key is present');
    // through the agents' JSON a Buffer arrives as { type: 'Buffer', data: [...] }
    const key = Buffer.isBuffer(offloadKey) ? offloadKey : Buffer.from(offloadKey.data);
    const r = rest as { ttl: number; src: string; dst: string };
    const head = Buffer.concat([Buffer.from([r.ttl]), ipToBuffer(r.src), ipToBuffer(r.dst)]);
    assert.deepEqual(key.subarray(0, head.length), head, 'key starts with hop limit, source, destination');
    if (payloadHex !== undefined) assert.equal(key.subarray(head.length).toString('hex'), payloadHex, 'key ends with the payload');
  }
  return rest;
}
