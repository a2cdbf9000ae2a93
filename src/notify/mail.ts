// SMTP alerts (`notification_email`, `notification_email_from`, `smtp_server IP|name [PORT]`,
// `smtp_helo_name`, `smtp_connect_timeout`, `smtp_alert[_vrrp|_checker]`), sent with nodemailer.
//
// Message format copied from what keepalived 2.2.7 actually sends (captured with a real SMTP server):
//   Subject: [<router_id>] VRRP Instance VI_1 - Entering MASTER state
//   X-Mailer: Keepalived
//   To: a@example.com, b@example.com
//   body:  => VRRP Instance is now owning VRRP VIPs <=
// keepalived speaks plain SMTP (no STARTTLS, no AUTH); one connection per alert; the envelope
// recipients are all `notification_email` addresses. A failure (server down, timeout, rejected)
// is logged and counted, never thrown into the caller: alerts must not disturb VRRP.
import { hostname } from 'node:os';
import nodemailer from 'nodemailer';
import { silentLogger, type Logger } from './log.js';

export interface MailConfig {
  routerId: string;
  /** `notification_email { ... }`; no recipients = mail disabled. */
  to: string[];
  /** `notification_email_from` (default keepalived@<hostname>). */
  from?: string;
  /** `smtp_server`; absent = mail disabled. */
  server?: { host: string; port?: number };
  /** `smtp_helo_name` (default: hostname). */
  heloName?: string;
  /** `smtp_connect_timeout` in seconds (default 30). */
  connectTimeoutSec?: number;
}

export type AlertState = 'MASTER' | 'BACKUP' | 'FAULT';

export interface MailText { subject: string; body: string }

const ENTERING: Record<AlertState, string> = {
  MASTER: 'Entering MASTER state',
  BACKUP: 'Entering BACKUP state',
  FAULT: 'Entering FAULT state',
};

/** Subject and body of keepalived's VRRP instance / sync group alerts. */
export function vrrpAlertText(routerId: string, kind: 'INSTANCE' | 'GROUP', name: string, state: AlertState): MailText {
  if (kind === 'INSTANCE') {
    return {
      subject: `[${routerId}] VRRP Instance ${name} - ${ENTERING[state]}`,
      body: state === 'MASTER'
        ? '=> VRRP Instance is now owning VRRP VIPs <='
        : '=> VRRP Instance is no longer owning VRRP VIPs <=',
    };
  }
  return {
    subject: `[${routerId}] VRRP Group ${name} - ${ENTERING[state]}`,
    body: `=> All VRRP group instances are now in ${state} state <=`,
  };
}

/** keepalived's checker alert: `[rid] Realserver [ip]:tcp:80 of virtual server [vip]:tcp:80 - UP`. */
export function realServerAlertText(routerId: string, rs: string, vs: string, up: boolean, body: string): MailText {
  return { subject: `[${routerId}] Realserver ${rs} of virtual server ${vs} - ${up ? 'UP' : 'DOWN'}`, body };
}

/** keepalived's virtual-server alert (quorum changes): `[rid] Virtualserver [vip]:tcp:80 - <what>`. */
export function virtualServerAlertText(routerId: string, vs: string, what: string, body: string): MailText {
  return { subject: `[${routerId}] Virtualserver ${vs} - ${what}`, body };
}

/** Which alerts are enabled for an object, from its own `smtp_alert` and the globals. */
export function smtpAlertEnabled(own: boolean | undefined, globalForType: boolean | undefined, globalAll: boolean | undefined): boolean {
  if (own !== undefined) return own;
  if (globalForType !== undefined) return globalForType;
  return globalAll ?? false;
}

export class Mailer {
  readonly stats = { sent: 0, failed: 0 };
  private readonly from: string;
  private readonly helo: string;

  constructor(readonly config: MailConfig, private readonly log: Logger = silentLogger) {
    const host = hostname();
    this.from = config.from ?? `keepalived@${host}`;
    this.helo = config.heloName ?? host;
  }

  /** Mail is only attempted with a server and at least one recipient, as keepalived does. */
  get enabled(): boolean {
    return this.config.server !== undefined && this.config.to.length > 0;
  }

  /** Send one alert. Resolves true when the server accepted it; never rejects. */
  async send(text: MailText): Promise<boolean> {
    const server = this.config.server;
    if (!server || this.config.to.length === 0) return false;
    const timeoutMs = (this.config.connectTimeoutSec ?? 30) * 1000;
    const target = `[${server.host}]:${server.port ?? 25}`;
    let transport: ReturnType<typeof nodemailer.createTransport> | undefined;
    try {
      transport = nodemailer.createTransport({
        host: server.host,
        port: server.port ?? 25,
        secure: false,
        ignoreTLS: true, // keepalived never upgrades; keep the exchange identical
        name: this.helo,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      await transport.sendMail({
        from: this.from,
        to: this.config.to.join(', '),
        subject: text.subject,
        text: `${text.body}\n`,
        headers: { 'X-Mailer': 'Keepalived' },
        envelope: { from: this.from, to: this.config.to },
      });
      this.stats.sent++;
      this.log.info(`SMTP alert successfully sent to ${target}: ${text.subject}`);
      return true;
    } catch (e) {
      this.stats.failed++;
      this.log.error(`SMTP alert to ${target} failed: ${(e as Error).message}`);
      return false;
    } finally {
      transport?.close();
    }
  }

  vrrpAlert(kind: 'INSTANCE' | 'GROUP', name: string, state: AlertState): Promise<boolean> {
    return this.send(vrrpAlertText(this.config.routerId, kind, name, state));
  }

  realServerAlert(rs: string, vs: string, up: boolean, body: string): Promise<boolean> {
    return this.send(realServerAlertText(this.config.routerId, rs, vs, up, body));
  }

  virtualServerAlert(vs: string, what: string, body: string): Promise<boolean> {
    return this.send(virtualServerAlertText(this.config.routerId, vs, what, body));
  }
}
