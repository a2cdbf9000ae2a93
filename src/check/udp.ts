// UDP_CHECK: send a payload on a connected UDP socket. An ICMP unreachable comes back as an
// ECONNREFUSED/EHOSTUNREACH error on that socket and marks the server down. Without require_reply
// silence until the deadline counts as healthy (keepalived's semantics); with it, a reply whose
// length lies in [min_reply_length, max_reply_length] and that matches the hex pattern is needed.
import { createSocket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { attempt, ok, fail, errText } from './attempt.js';
import type { CheckResult, Runnable, UdpCheckSpec } from './types.js';

/** A parsed hex string: byte values plus a mask of the bits that must match (0 nibble = "x"). */
export interface HexPattern { bytes: Buffer; mask: Buffer }

/**
 * keepalived's free-format hex: whitespace separates groups, each group is read two nibbles per
 * byte and an odd trailing nibble is a byte of its own ("Ab12f 3" = AB 12 0F 03). With
 * `wildcards`, x/X stands for a nibble whose value is ignored.
 */
export function parseHex(text: string, wildcards = false): HexPattern {
  const bytes: number[] = []; const mask: number[] = [];
  for (const group of text.trim().split(/\s+/).filter(Boolean)) {
    const re = wildcards ? /^[0-9a-fA-FxX]+$/ : /^[0-9a-fA-F]+$/;
    if (!re.test(group)) throw new Error(`bad hex string ${JSON.stringify(group)}`);
    for (let i = 0; i < group.length; i += 2) {
      const pair = group.slice(i, i + 2);
      const nib = (c: string): [number, number] => (/[xX]/.test(c) ? [0, 0] : [parseInt(c, 16), 0xf]);
      if (pair.length === 1) { const [v, m] = nib(pair); bytes.push(v); mask.push(m); continue; }
      const [hv, hm] = nib(pair[0]!); const [lv, lm] = nib(pair[1]!);
      bytes.push((hv << 4) | lv); mask.push((hm << 4) | lm);
    }
  }
  return { bytes: Buffer.from(bytes), mask: Buffer.from(mask) };
}

/** Compare up to the shorter of the two lengths, as keepalived does. */
export function matchesPattern(reply: Buffer, p: HexPattern): boolean {
  const n = Math.min(reply.length, p.bytes.length);
  for (let i = 0; i < n; i++) if (((reply[i]! ^ p.bytes[i]!) & p.mask[i]!) !== 0) return false;
  return true;
}

export function run(spec: Runnable<UdpCheckSpec>, signal?: AbortSignal): Promise<CheckResult> {
  const t = spec.target;
  const where = `UDP ${t.ip}:${t.port}`;
  let payload: Buffer; let pattern: HexPattern | undefined;
  try {
    payload = spec.payload ? parseHex(spec.payload).bytes : randomBytes(16);
    pattern = spec.requireReplyHex ? parseHex(spec.requireReplyHex, true) : undefined;
  } catch (e) {
    return Promise.resolve(fail(`${where}: ${errText(e)}`));
  }
  const wantReply = spec.requireReply || pattern !== undefined;
  const min = spec.minReplyLength ?? 0; const max = spec.maxReplyLength ?? 255;
  // Without require_reply only an ICMP error can fail the check: wait a little under the deadline.
  const timeoutMs = wantReply ? t.timeoutMs : t.timeoutMs + 1000;
  return attempt(timeoutMs, signal, where, (a) => {
    const sock = createSocket(t.ip.includes(':') ? 'udp6' : 'udp4');
    a.onCleanup(() => sock.close());
    sock.on('error', (e) => a.done(fail(`${where}: ${errText(e)}`)));
    sock.on('message', (msg) => {
      if (!wantReply) return a.done(ok(`${where}: reply received`));
      if (msg.length < min || msg.length > max) return a.done(fail(`${where}: reply length ${msg.length} outside ${min}..${max}`));
      if (pattern && !matchesPattern(msg, pattern)) return a.done(fail(`${where}: reply does not match require_reply`));
      a.done(ok(`${where}: reply of ${msg.length} bytes`));
    });
    if (!wantReply) {
      const quiet = setTimeout(() => a.done(ok(`${where}: no ICMP error`)), t.timeoutMs);
      a.onCleanup(() => clearTimeout(quiet));
    }
    sock.bind({ address: t.bindto, port: t.bindPort ?? 0 }, () => {
      sock.connect(t.port, t.ip, () => {
        sock.send(payload, (e) => { if (e) a.done(fail(`${where}: ${errText(e)}`)); });
      });
    });
  });
}
