// Notify FIFOs and the notify dispatcher with real FIFOs, a separate reader process and real scripts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, readFileSync, rmSync, existsSync, statSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotifyFifo } from '../../src/notify/fifo.js';
import { Notifier } from '../../src/notify/notifier.js';
import { MemoryLogger } from '../../src/notify/log.js';
import { waitFor } from '../helpers/netns.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vipd-fifo-'));
  chmodSync(dir, 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function sh(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

/** A separate process reading the FIFO, collecting what it gets. */
function reader(path: string): { text: () => string; exited: Promise<void> } {
  const p = spawn('cat', [path], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buf = '';
  p.stdout.on('data', (d: Buffer) => { buf += d.toString(); });
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  return { text: () => buf, exited };
}

test('FIFO is created if missing, lines arrive in transition order at a reader process, FIFO removed at close', async () => {
  const path = join(dir, 'vrrp.fifo');
  const fifo = new NotifyFifo({ path, type: 'vrrp ' });
  assert.equal(await fifo.open(), true);
  assert.ok(lstatSync(path).isFIFO());
  const r = reader(path);
  const n = new Notifier({ kind: 'INSTANCE', name: 'VI_1', fifos: [fifo], notifyPriorityChanges: true });
  // The sequence recorded from keepalived 2.2.7 in the same situation.
  n.stateChanged('BACKUP', 100);
  n.stateChanged('MASTER', 100);
  n.priorityChanged(105, 'MASTER');
  n.priorityChanged(95, 'MASTER');
  n.priorityChanged(95, 'MASTER'); // no change: not reported again
  n.stateChanged('FAULT', 95);
  n.priorityChanged(90, 'FAULT'); // not reported outside MASTER/BACKUP
  n.stateChanged('BACKUP', 100);
  n.priorityChanged(101, 'BACKUP');
  n.masterRxLowerPri(100);
  n.stateChanged('STOP', 100);
  const expected = [
    'INSTANCE "VI_1" BACKUP 100',
    'INSTANCE "VI_1" MASTER 100',
    'INSTANCE "VI_1" MASTER_PRIORITY 105',
    'INSTANCE "VI_1" MASTER_PRIORITY 95',
    'INSTANCE "VI_1" FAULT 95',
    'INSTANCE "VI_1" BACKUP 100',
    'INSTANCE "VI_1" BACKUP_PRIORITY 101',
    'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100',
    'INSTANCE "VI_1" STOP 100',
  ].join('\n') + '\n';
  await waitFor(() => r.text() === expected, 5000);
  assert.equal(fifo.stats.written, 9);
  await fifo.close();
  await r.exited; // our close was the last writer: the reader sees EOF
  assert.equal(existsSync(path), false);
});

test('without notify_priority_changes no *_PRIORITY lines are written', async () => {
  const path = join(dir, 'noprio.fifo');
  const fifo = new NotifyFifo({ path });
  assert.equal(await fifo.open(), true);
  const r = reader(path);
  const n = new Notifier({ kind: 'GROUP', name: 'G1', fifos: [fifo] });
  n.stateChanged('BACKUP', 0);
  n.priorityChanged(120, 'BACKUP');
  n.stateChanged('MASTER', 0);
  await waitFor(() => r.text() === 'GROUP "G1" BACKUP 0\nGROUP "G1" MASTER 0\n', 5000);
  await fifo.close();
  await r.exited;
});

test('notify scripts of one instance run serially in transition order, notify_<state> before notify', async () => {
  const log = join(dir, 'order.log');
  writeFileSync(log, '');
  const slowBackup = sh('backup.sh', `echo "backup start" >> ${log}; sleep 0.4; echo "backup end" >> ${log}`);
  const master = sh('master.sh', `echo "master" >> ${log}`);
  const generic = sh('generic.sh', `echo "notify $*" >> ${log}`);
  const n = new Notifier({
    kind: 'INSTANCE', name: 'VI_9',
    scripts: { backup: { argv: [slowBackup] }, master: { argv: [master] }, notify: { argv: [generic, 'fixed arg'] } },
  });
  const done: string[] = [];
  n.onScriptDone = (rec) => done.push(`${rec.script}:${rec.state}`);
  n.stateChanged('BACKUP', 100);
  n.stateChanged('MASTER', 100);
  n.stateChanged('BACKUP', 90);
  assert.ok(n.pendingScripts > 0);
  await n.idle();
  assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
    'backup start', 'backup end', 'notify fixed arg INSTANCE VI_9 BACKUP 100',
    'master', 'notify fixed arg INSTANCE VI_9 MASTER 100',
    'backup start', 'backup end', 'notify fixed arg INSTANCE VI_9 BACKUP 90',
  ]);
  assert.deepEqual(done, ['backup:BACKUP', 'notify:BACKUP', 'master:MASTER', 'notify:MASTER', 'backup:BACKUP', 'notify:BACKUP']);
  assert.equal(n.stats.scriptsRun, 6);
});

test('a hung notify script is killed at its timeout and the queue moves on; failures are counted and logged', async () => {
  const log = join(dir, 'hung.log');
  writeFileSync(log, '');
  const mem = new MemoryLogger();
  const n = new Notifier({
    kind: 'INSTANCE', name: 'VI_H', scriptTimeoutMs: 300, log: mem,
    scripts: { fault: { argv: [sh('hung.sh', 'exec sleep 300')] }, backup: { argv: [sh('after.sh', `echo after >> ${log}`)] } },
  });
  n.stateChanged('FAULT', 0);
  n.stateChanged('BACKUP', 100);
  await n.idle();
  assert.equal(readFileSync(log, 'utf8'), 'after\n');
  assert.equal(n.stats.scriptsFailed, 1);
  assert.ok(mem.lines.some((l) => /VI_H\) notify fault script timed out/.test(l)), mem.lines.join('\n'));
});

test('fifo_script: started before open with the FIFO path appended, reads the lines, SIGTERMed at close', async () => {
  const path = join(dir, 'scripted.fifo');
  const out = join(dir, 'scripted.out');
  const argsOut = join(dir, 'scripted.args');
  const script = sh('fiforeader.sh', `echo "$@" > ${argsOut}; exec cat "$2" > ${out}`);
  const fifo = new NotifyFifo({ path, script: { argv: [script, 'first'] } });
  assert.equal(await fifo.open(), true);
  const n = new Notifier({ kind: 'INSTANCE', name: 'VI_2', fifos: [fifo] });
  n.stateChanged('MASTER', 150);
  await waitFor(() => existsSync(out) && readFileSync(out, 'utf8') === 'INSTANCE "VI_2" MASTER 150\n', 5000);
  assert.equal(readFileSync(argsOut, 'utf8').trim(), `first ${path}`);
  const pid = fifo.readerPid;
  assert.ok(pid);
  await fifo.close();
  assert.equal(fifo.readerPid, undefined);
  assert.throws(() => process.kill(pid as number, 0), /ESRCH/);
});

test('an existing non-FIFO path is refused and left untouched', async () => {
  const path = join(dir, 'regular-file');
  writeFileSync(path, 'keep me');
  const mem = new MemoryLogger();
  const fifo = new NotifyFifo({ path }, mem);
  assert.equal(await fifo.open(), false);
  assert.equal(fifo.write('INSTANCE "X" MASTER 1\n'), false);
  assert.equal(readFileSync(path, 'utf8'), 'keep me');
  assert.ok(mem.lines.some((l) => /not a fifo we own/.test(l)));
});

test('an existing FIFO is used and not removed at close', async () => {
  const path = join(dir, 'preexisting.fifo');
  const pre = new NotifyFifo({ path });
  assert.equal(await pre.open(), true);
  // Simulate "already existed": a second writer opening the same path does not own its creation.
  const second = new NotifyFifo({ path });
  assert.equal(await second.open(), true);
  await second.close();
  assert.ok(statSync(path).isFIFO());
  await pre.close();
  assert.equal(existsSync(path), false);
});

test('nobody reading: writes never block, overflow is dropped and counted', async () => {
  const path = join(dir, 'full.fifo');
  const mem = new MemoryLogger();
  const fifo = new NotifyFifo({ path }, mem);
  assert.equal(await fifo.open(), true);
  const line = 'INSTANCE "VI_overflow_test_instance_name" MASTER_PRIORITY 200\n';
  for (let i = 0; i < 3000; i++) fifo.write(line); // ~190 KB, far beyond the 64 KB pipe buffer
  assert.ok(fifo.stats.written > 0);
  assert.ok(fifo.stats.dropped > 0);
  assert.equal(fifo.stats.written + fifo.stats.dropped, 3000);
  assert.equal(mem.lines.filter((l) => /dropped line/.test(l)).length, 1, 'one warning per streak');
  await fifo.close();
});
