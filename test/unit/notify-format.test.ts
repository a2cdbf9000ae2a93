// Line and message formats, as recorded from keepalived 2.2.7 (FIFO reader and a real SMTP server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vrrpFifoLine, lvsVsFifoLine, lvsRsFifoLine, lvsEndpoint } from '../../src/notify/fifo.js';
import { vrrpAlertText, realServerAlertText, smtpAlertEnabled } from '../../src/notify/mail.js';
import { SerialQueue } from '../../src/notify/serial-queue.js';

test('VRRP FIFO lines', () => {
  assert.equal(vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER', 100), 'INSTANCE "VI_1" MASTER 100\n');
  assert.equal(vrrpFifoLine('GROUP', 'G1', 'BACKUP', 0), 'GROUP "G1" BACKUP 0\n');
  assert.equal(vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER_PRIORITY', 105), 'INSTANCE "VI_1" MASTER_PRIORITY 105\n');
  assert.equal(vrrpFifoLine('INSTANCE', 'VI_1', 'MASTER_RX_LOWER_PRI', 100), 'INSTANCE "VI_1" MASTER_RX_LOWER_PRI 100\n');
});

test('LVS FIFO lines', () => {
  const vs = lvsEndpoint('192.0.2.15', 'tcp', 80);
  const rs = lvsEndpoint('198.51.100.4', 'tcp', 8080);
  assert.equal(lvsVsFifoLine(vs, true), 'VS [192.0.2.15]:tcp:80 UP\n');
  assert.equal(lvsRsFifoLine(rs, vs, false), 'RS [198.51.100.4]:tcp:8080 [192.0.2.15]:tcp:80 DOWN\n');
});

test('VRRP alert subject and body', () => {
  assert.deepEqual(vrrpAlertText('R1', 'INSTANCE', 'VI_1', 'MASTER'), {
    subject: '[R1] VRRP Instance VI_1 - Entering MASTER state',
    body: '=> VRRP Instance is now owning VRRP VIPs <=',
  });
  assert.equal(vrrpAlertText('R1', 'INSTANCE', 'VI_1', 'FAULT').body, '=> VRRP Instance is no longer owning VRRP VIPs <=');
  assert.equal(vrrpAlertText('R1', 'GROUP', 'G1', 'BACKUP').subject, '[R1] VRRP Group G1 - Entering BACKUP state');
  assert.equal(realServerAlertText('R1', '[a]:tcp:1', '[b]:tcp:2', false, 'x').subject, '[R1] Realserver [a]:tcp:1 of virtual server [b]:tcp:2 - DOWN');
});

test('smtp_alert precedence: own setting, then smtp_alert_vrrp/_checker, then smtp_alert', () => {
  assert.equal(smtpAlertEnabled(undefined, undefined, undefined), false);
  assert.equal(smtpAlertEnabled(undefined, undefined, true), true);
  assert.equal(smtpAlertEnabled(undefined, false, true), false);
  assert.equal(smtpAlertEnabled(true, false, false), true);
  assert.equal(smtpAlertEnabled(false, true, true), false);
});

test('serial queue runs jobs one at a time in order, even when earlier jobs are slower or fail', async () => {
  const q = new SerialQueue();
  const log: string[] = [];
  let active = 0;
  let maxActive = 0;
  const job = (name: string, ticks: number, fail = false) => async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    log.push(`start ${name}`);
    for (let i = 0; i < ticks; i++) await new Promise<void>((r) => setImmediate(r));
    log.push(`end ${name}`);
    active--;
    if (fail) throw new Error('boom');
  };
  q.push(job('a', 5, true));
  q.push(job('b', 0));
  q.push(job('c', 2));
  await q.idle();
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(maxActive, 1);
  assert.equal(q.busy, false);
});
