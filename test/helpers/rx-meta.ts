// Receive metadata carries the kernel's receive time (SO_TIMESTAMPNS): check it is a plausible realtime
// stamp (taken moments ago), then compare the rest exactly.
import assert from 'node:assert/strict';

export function stamped(meta: object): Record<string, unknown> {
  const { rxRealtimeMs, ...rest } = meta as { rxRealtimeMs?: number } & Record<string, unknown>;
  assert.equal(typeof rxRealtimeMs, 'number', 'the kernel receive timestamp is present');
  const age = Date.now() - rxRealtimeMs!;
  assert.ok(age >= -1000 && age < 60_000, `receive timestamp ${rxRealtimeMs} is ${age} ms old`);
  return rest;
}
