import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onRawSignal, closeRawSignals, SIGFUNC } from '../../src/daemon/signals.js';

test('real-time signals (keepalived JSON = 36, STATS_CLEAR = 63) reach JavaScript instead of killing the process', async () => {
  const seen: number[] = [];
  await new Promise<void>((resolve) => {
    onRawSignal(SIGFUNC.JSON!, () => { seen.push(36); if (seen.length === 2) resolve(); });
    onRawSignal(SIGFUNC.STATS_CLEAR!, () => { seen.push(63); if (seen.length === 2) resolve(); });
    process.kill(process.pid, 36);
    process.kill(process.pid, 63);
  });
  closeRawSignals();
  assert.deepEqual(seen.sort(), [36, 63]);
});
