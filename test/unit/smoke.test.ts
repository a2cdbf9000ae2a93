import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli.js';
test('cli prints its version', async () => {
  assert.equal(await main(['-v']), 0);
});
