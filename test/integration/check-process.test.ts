// The checker child over a real IPC channel (as the daemon forks it): ready, state events,
// snapshot on request, validation errors naming the backend, orderly stop, and exit when the
// parent goes away. Uses FILE_CHECK and no data plane, so it needs no namespace.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/netns.js';
import { CHECKER_JS } from './lb-fixtures.js';
import type { CheckerConfigMessage } from '../../src/check/process.js';

const dir = mkdtempSync(join(tmpdir(), 'vipd-proc-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function start(): { child: ChildProcess; msgs: Array<Record<string, unknown>> } {
  const child = fork(CHECKER_JS, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const msgs: Array<Record<string, unknown>> = [];
  child.on('message', (m) => msgs.push(m as Record<string, unknown>));
  return { child, msgs };
}

test('config, events, snapshot and stop over IPC', { timeout: 20_000 }, async () => {
  const f = join(dir, 'health');
  writeFileSync(f, '0');
  const { child, msgs } = start();
  await waitFor(() => msgs.find((m) => m.type === 'ready'), 10_000);
  const cfg: CheckerConfigMessage = { type: 'config', dataPlane: { kind: 'none' }, services: [{
    vip: '203.0.113.10', port: 80, lbAlgo: 'rr', delayLoop: 0.05, retry: 0, warmup: 0,
    realServers: [{ ip: '198.51.100.11', port: 80, checkers: [{ kind: 'FILE_CHECK', trackFile: f, weight: 0 }] }] }] };
  child.send(cfg);
  await waitFor(() => msgs.find((m) => m.type === 'applied'), 5000);
  writeFileSync(f, '1');
  const ev = await waitFor(() => msgs.find((m) => m.type === 'rs' && m.up === false), 5000);
  assert.equal(ev!.ip, '198.51.100.11');
  await waitFor(() => msgs.find((m) => m.type === 'quorum' && m.up === false), 5000);
  child.send({ type: 'snapshot' });
  const snap = await waitFor(() => msgs.find((m) => m.type === 'snapshot'), 5000);
  assert.deepEqual((snap!.services as Array<{ backends: unknown[] }>)[0]!.backends, []);
  // a reload the backend cannot do is refused and the running configuration stays
  child.send({ ...cfg, dataPlane: undefined, services: [{ ...cfg.services[0]!, lbAlgo: 'wlc' }] });
  await waitFor(() => msgs.find((m) => m.type === 'error'), 5000);
  const before = msgs.length;
  child.send({ type: 'snapshot' });
  const snap2 = await waitFor(() => msgs.slice(before).find((m) => m.type === 'snapshot'), 5000);
  assert.equal((snap2!.services as Array<{ lbAlgo: string }>)[0]!.lbAlgo, 'rr');
  // a good reload keeps the known state: the failed server stays out of the pool
  const before2 = msgs.length;
  child.send(cfg);
  await waitFor(() => msgs.slice(before2).find((m) => m.type === 'applied'), 5000);
  const applied = msgs.slice(before2).find((m) => m.type === 'applied')!;
  assert.deepEqual((applied.services as Array<{ backends: unknown[] }>)[0]!.backends, []);
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  child.send({ type: 'stop' });
  assert.equal(await exited, 0);
  assert.ok(msgs.find((m) => m.type === 'stopped'));
});

test('an algorithm the backend cannot do is reported, naming the backend; garbage is refused', { timeout: 20_000 }, async () => {
  const { child, msgs } = start();
  await waitFor(() => msgs.find((m) => m.type === 'ready'), 10_000);
  for (const bad of [{ type: 'config' }, { type: 'config', services: [{ realServers: [{ ip: 1 }] }] },
    { type: 'config', services: [{ realServers: [{ ip: '198.51.100.1', port: 80, checkers: [{ kind: 'NOPE' }] }] }] }]) {
    const n = msgs.length;
    child.send(bad);
    const e = await waitFor(() => msgs.slice(n).find((m) => m.type === 'error'), 5000);
    assert.match(String(e!.message), /bad configuration message/);
  }
  const n0 = msgs.length;
  child.send({ type: 'config', services: [{ vip: '203.0.113.10', port: 80, lbAlgo: 'lc', realServers: [] }] });
  const err = await waitFor(() => msgs.slice(n0).find((m) => m.type === 'error'), 5000);
  assert.match(String(err!.message), /lb_algo lc is not supported by the nftables backend/);
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  child.disconnect(); // parent gone → the checker must not linger
  assert.equal(await exited, 0);
});
