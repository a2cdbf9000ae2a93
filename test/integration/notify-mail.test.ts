// SMTP alerts against a real SMTP server (smtp-server) listening on 127.0.0.1 in this process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { Mailer } from '../../src/notify/mail.js';
import { Notifier } from '../../src/notify/notifier.js';
import { MemoryLogger } from '../../src/notify/log.js';

interface Received { helo: string; from: string; to: string[]; data: string }

async function startSmtp(): Promise<{ port: number; mails: Received[]; close: () => Promise<void> }> {
  const mails: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      let data = '';
      stream.on('data', (c: Buffer) => { data += c.toString(); });
      stream.on('end', () => {
        mails.push({
          helo: session.hostNameAppearsAs,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function header(data: string, name: string): string | undefined {
  const m = new RegExp(`^${name}: (.*)$`, 'mi').exec(data);
  return m?.[1]?.trim();
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => { for (const c of cleanups) await c(); });

test('VRRP alert: envelope, HELO, headers and body as keepalived sends them', async () => {
  const smtp = await startSmtp();
  cleanups.push(smtp.close);
  const mailer = new Mailer({
    routerId: 'LVS_R1', to: ['ops@example.com', 'oncall@example.com'], from: 'vipd@example.com',
    server: { host: '127.0.0.1', port: smtp.port }, heloName: 'lb1.example.com', connectTimeoutSec: 5,
  });
  assert.equal(mailer.enabled, true);
  assert.equal(await mailer.vrrpAlert('INSTANCE', 'VI_1', 'MASTER'), true);
  assert.equal(smtp.mails.length, 1);
  const m = smtp.mails[0]!;
  assert.equal(m.helo, 'lb1.example.com');
  assert.equal(m.from, 'vipd@example.com');
  assert.deepEqual(m.to, ['ops@example.com', 'oncall@example.com']);
  assert.equal(header(m.data, 'Subject'), '[LVS_R1] VRRP Instance VI_1 - Entering MASTER state');
  assert.equal(header(m.data, 'From'), 'vipd@example.com');
  assert.equal(header(m.data, 'To'), 'ops@example.com, oncall@example.com');
  assert.equal(header(m.data, 'X-Mailer'), 'Keepalived');
  assert.ok(header(m.data, 'Date'));
  const body = m.data.split(/\r?\n\r?\n/).slice(1).join('\n\n').trim();
  assert.equal(body, '=> VRRP Instance is now owning VRRP VIPs <=');
  assert.deepEqual(mailer.stats, { sent: 1, failed: 0 });
});

test('the notifier mails MASTER/BACKUP/FAULT only when smtp_alert is on', async () => {
  const smtp = await startSmtp();
  cleanups.push(smtp.close);
  const mailer = new Mailer({ routerId: 'R2', to: ['a@example.com'], server: { host: '127.0.0.1', port: smtp.port } });
  const on = new Notifier({ kind: 'GROUP', name: 'G1', mailer, smtpAlert: true });
  const off = new Notifier({ kind: 'INSTANCE', name: 'VI_off', mailer, smtpAlert: false });
  off.stateChanged('MASTER', 100);
  on.stateChanged('FAULT', 0);
  on.stateChanged('STOP', 0); // no alert for STOP
  await Promise.all([on.idle(), off.idle()]);
  assert.deepEqual(mailer.stats, { sent: 1, failed: 0 });
  assert.equal(smtp.mails.length, 1);
  assert.equal(header(smtp.mails[0]!.data, 'Subject'), '[R2] VRRP Group G1 - Entering FAULT state');
  assert.match(smtp.mails[0]!.data, /=> All VRRP group instances are now in FAULT state <=/);
});

test('no_email_faults suppresses FAULT alerts only', async () => {
  const smtp = await startSmtp();
  cleanups.push(smtp.close);
  const mailer = new Mailer({ routerId: 'R5', to: ['a@example.com'], server: { host: '127.0.0.1', port: smtp.port } });
  const n = new Notifier({ kind: 'INSTANCE', name: 'VI_5', mailer, smtpAlert: true, noEmailFaults: true });
  n.stateChanged('FAULT', 100);
  n.stateChanged('BACKUP', 100);
  n.stateChanged('BACKUP', 90); // same state again (e.g. after a FAULT that was not mailed): no second mail
  await n.idle();
  assert.deepEqual(mailer.stats, { sent: 1, failed: 0 });
  assert.equal(smtp.mails.length, 1);
  assert.equal(header(smtp.mails[0]!.data, 'Subject'), '[R5] VRRP Instance VI_5 - Entering BACKUP state');
});

test('server down: the failure is logged and counted, never thrown', async () => {
  // Find a port with nothing listening: bind, note it, close.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const log = new MemoryLogger();
  const mailer = new Mailer({ routerId: 'R3', to: ['a@example.com'], server: { host: '127.0.0.1', port } }, log);
  assert.equal(await mailer.vrrpAlert('INSTANCE', 'VI_1', 'BACKUP'), false);
  assert.deepEqual(mailer.stats, { sent: 0, failed: 1 });
  assert.ok(log.lines.some((l) => /SMTP alert to \[127\.0\.0\.1\]:\d+ failed/.test(l)), log.lines.join('\n'));
});

test('server that never answers: smtp_connect_timeout ends the attempt, counted as a failure', async () => {
  const silent: Server = createServer(() => { /* accept and say nothing */ });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => { silent.close(() => r()); }));
  const port = (silent.address() as AddressInfo).port;
  const mailer = new Mailer({ routerId: 'R4', to: ['a@example.com'], server: { host: '127.0.0.1', port }, connectTimeoutSec: 1 });
  assert.equal(await mailer.vrrpAlert('INSTANCE', 'VI_1', 'FAULT'), false);
  assert.equal(mailer.stats.failed, 1);
});

test('no recipients or no server: mail disabled, nothing attempted', async () => {
  const a = new Mailer({ routerId: 'R', to: [], server: { host: '127.0.0.1', port: 25 } });
  const b = new Mailer({ routerId: 'R', to: ['x@example.com'] });
  assert.equal(a.enabled || b.enabled, false);
  assert.equal(await a.vrrpAlert('INSTANCE', 'V', 'MASTER'), false);
  assert.deepEqual([a.stats, b.stats], [{ sent: 0, failed: 0 }, { sent: 0, failed: 0 }]);
});
