// SMTP_CHECK: expect a 220 greeting, send HELO and expect 250, then QUIT (keepalived's dialogue).
// Replies are read line by line with a bounded buffer; multi-line replies ("250-...") are joined.
import { connect } from 'node:net';
import { attempt, ok, fail, errText } from './attempt.js';
import type { CheckResult, Runnable, SmtpCheckSpec } from './types.js';

export const DEFAULT_HELO_NAME = 'smtpchecker.keepalived.org';
const MAX_REPLY_BYTES = 8192;

export function run(spec: Runnable<SmtpCheckSpec>, signal?: AbortSignal): Promise<CheckResult> {
  const t = spec.target;
  const where = `SMTP ${t.ip}:${t.port}`;
  return attempt(t.timeoutMs, signal, where, (a) => {
    const sock = connect({ host: t.ip, port: t.port, localAddress: t.bindto, localPort: t.bindPort });
    a.onCleanup(() => sock.destroy());
    let buf = '';
    let stage: 'banner' | 'helo' | 'quit' = 'banner';
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.length > MAX_REPLY_BYTES) return a.done(fail(`${where}: reply longer than ${MAX_REPLY_BYTES} bytes`));
      for (;;) {
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const m = /^(\d{3})([ -])?/.exec(line);
        if (!m) return a.done(fail(`${where}: not an SMTP reply: ${JSON.stringify(line.slice(0, 60))}`));
        if (m[2] === '-') continue; // continuation line of a multi-line reply
        const code = Number(m[1]);
        if (stage === 'banner') {
          if (code !== 220) return a.done(fail(`${where}: greeting ${code}, expected 220`));
          stage = 'helo';
          sock.write(`HELO ${spec.heloName ?? DEFAULT_HELO_NAME}\r\n`);
        } else if (stage === 'helo') {
          if (code !== 250) return a.done(fail(`${where}: HELO answered ${code}, expected 250`));
          stage = 'quit';
          sock.write('QUIT\r\n');
          // keepalived counts the server healthy once HELO succeeded; QUIT is a courtesy
          return a.done(ok(`${where}: 220/250`));
        }
      }
    });
    sock.once('error', (e) => a.done(fail(`${where}: ${errText(e)}`)));
    sock.once('close', () => a.done(fail(`${where}: connection closed during ${stage}`)));
  });
}
