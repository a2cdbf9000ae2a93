// HTTP_GET / SSL_GET: one raw HTTP/1.x request per url over net/tls, parsed by hand so that the
// digest is exactly what keepalived's genhash hashes (the MD5 of every byte after the header's
// blank line, chunk markers included) and so every read is bounded: header size, total bytes and
// the per-attempt deadline. Garbage, slow-loris, huge bodies and failed TLS handshakes all end as
// a failed check, never as a stalled or crashed checker.
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { createHash } from 'node:crypto';
import { attempt, ok, fail, errText } from './attempt.js';
import type { CheckResult, CheckTarget, HttpCheckSpec, HttpUrlSpec, Runnable } from './types.js';

export const DEFAULT_MAX_RESPONSE_BYTES = 1 << 20;
const MAX_HEADER_BYTES = 64 * 1024;

export interface HttpRequestOptions {
  path: string;
  host: string; // Host header value
  protocol: '1.0' | '1.0C' | '1.1';
  tls: boolean;
  sni?: string;
  tlsOptions?: HttpCheckSpec['tls'];
  maxResponseBytes: number;
}

export interface HttpResponse {
  status: number;
  statusLine: string;
  header: Buffer; // raw header block including the final CRLFCRLF
  body: Buffer;
  digest: string; // MD5 hex of body
}

/** The request genhash sends, byte for byte (verified against Debian's genhash 2.2.7). */
export function buildRequest(o: Pick<HttpRequestOptions, 'path' | 'host' | 'protocol'>): string {
  const version = o.protocol === '1.1' ? '1.1' : '1.0';
  const close = o.protocol === '1.0' ? '' : 'Connection: close\r\n';
  return `GET ${o.path} HTTP/${version}\r\nUser-Agent: KeepAliveClient\r\n${close}Host: ${o.host}\r\n\r\n`;
}

/** Default Host header: `ip:port`, IPv6 in brackets. */
export function defaultHost(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class HttpParseError extends Error {}

/** Split a complete response into status/header/body; throws HttpParseError on garbage. */
export function parseResponse(buf: Buffer): HttpResponse {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) throw new HttpParseError('no end of HTTP header');
  const header = buf.subarray(0, end + 4);
  const statusLine = header.subarray(0, header.indexOf('\r\n')).toString('latin1');
  const m = /^HTTP\/\d\.\d (\d{3})(?: |$)/.exec(statusLine);
  if (!m) throw new HttpParseError(`bad status line ${JSON.stringify(statusLine.slice(0, 60))}`);
  const body = buf.subarray(end + 4);
  return { status: Number(m[1]), statusLine, header, body, digest: createHash('md5').update(body).digest('hex') };
}

function contentLength(header: Buffer): number | undefined {
  const m = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r\n/i.exec(header.toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

/**
 * Fetch one url. Resolves with the response or rejects with a reason; the whole exchange
 * (connect, TLS, request, response) must finish within target.timeoutMs.
 */
export async function fetchOnce(target: CheckTarget, o: HttpRequestOptions, signal?: AbortSignal):
  Promise<{ res?: HttpResponse; error?: string }> {
  let res: HttpResponse | undefined;
  const r = await attempt(target.timeoutMs, signal, 'HTTP', (a) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let headerEnd = -1;
    let expected: number | undefined;
    const finish = (): void => {
      if (a.settled) return;
      try {
        res = parseResponse(Buffer.concat(chunks, total));
        a.done(ok('response complete'));
      } catch (e) {
        a.done(fail(errText(e)));
      }
    };
    const common = { host: target.ip, port: target.port, localAddress: target.bindto, localPort: target.bindPort };
    let sock: Socket;
    if (o.tls) {
      const t = o.tlsOptions ?? {};
      sock = tlsConnect({
        ...common,
        servername: o.sni ?? '', // '' disables SNI (node would otherwise derive one from host)
        rejectUnauthorized: t.verify ?? false, // keepalived does not verify server certificates
        ca: t.ca, cert: t.cert, key: t.key, passphrase: t.passphrase,
      }, () => sock.write(buildRequest(o)));
    } else {
      sock = netConnect(common, () => sock.write(buildRequest(o)));
    }
    a.onCleanup(() => sock.destroy());
    sock.on('data', (d: Buffer) => {
      if (a.settled) return;
      total += d.length;
      if (total > o.maxResponseBytes) return a.done(fail(`response larger than ${o.maxResponseBytes} bytes`));
      chunks.push(d);
      if (headerEnd < 0) {
        const all = Buffer.concat(chunks, total);
        headerEnd = all.indexOf('\r\n\r\n');
        if (headerEnd < 0) {
          if (total > MAX_HEADER_BYTES) a.done(fail(`HTTP header larger than ${MAX_HEADER_BYTES} bytes`));
          else if (!Buffer.from('HTTP/').subarray(0, Math.min(5, total)).equals(all.subarray(0, Math.min(5, total)))) {
            a.done(fail('response is not HTTP'));
          }
          return;
        }
        expected = contentLength(all.subarray(0, headerEnd + 4));
        if (expected !== undefined) expected += headerEnd + 4;
      }
      if (expected !== undefined && total >= expected) finish();
    });
    sock.once('end', finish);
    sock.once('close', finish);
    sock.once('error', (e) => a.done(fail(errText(e))));
  });
  return res && r.ok ? { res } : { error: r.detail.replace(/^HTTP: /, '') };
}

export function statusAllowed(status: number, ranges: Array<[number, number]> | undefined): boolean {
  const r = ranges && ranges.length ? ranges : [[200, 299] as [number, number]];
  return r.some(([lo, hi]) => status >= lo && status <= hi);
}

/** Parse keepalived's status_code arguments: `200`, `200-299`, several separated by spaces. */
export function parseStatusCodes(words: string[]): Array<[number, number]> {
  return words.map((w) => {
    const m = /^(\d{3})(?:-(\d{3}))?$/.exec(w);
    if (!m) throw new Error(`bad status_code ${JSON.stringify(w)}: expected NNN or NNN-NNN`);
    const lo = Number(m[1]); const hi = m[2] ? Number(m[2]) : lo;
    if (hi < lo) throw new Error(`bad status_code range ${w}: end before start`);
    return [lo, hi];
  });
}

const REGEX_FLAGS: Record<string, string> = { caseless: 'i', multiline: 'm', dotall: 's', utf: 'u' };

/** Compile a url's regex with keepalived's option names; throws on unknown options or bad syntax. */
export function compileUrlRegex(pattern: string, options: string[] = []): RegExp {
  let flags = 'g';
  for (const o of options) {
    const f = REGEX_FLAGS[o];
    if (!f) throw new Error(`regex option ${o} is not supported (supported: ${Object.keys(REGEX_FLAGS).join(', ')})`);
    if (!flags.includes(f)) flags += f;
  }
  return new RegExp(pattern, flags);
}

/** Why the body fails the url's regex rule, or undefined when it passes. */
export function regexProblem(body: Buffer, url: HttpUrlSpec): string | undefined {
  if (!url.regex) return undefined;
  let re: RegExp;
  try { re = compileUrlRegex(url.regex, url.regexOptions); } catch (e) { return errText(e); }
  const text = body.toString(url.regexOptions?.includes('utf') ? 'utf8' : 'latin1');
  re.lastIndex = url.regexMinOffset ?? 0;
  const m = re.exec(text);
  const matched = m !== null && (url.regexMaxOffset === undefined || m.index <= url.regexMaxOffset);
  if (matched && url.regexNoMatch) return `body matches regex ${url.regex} (regex_no_match)`;
  if (!matched && !url.regexNoMatch) return `body does not match regex ${url.regex}`;
  return undefined;
}

function urlHost(spec: Runnable<HttpCheckSpec>, url: HttpUrlSpec): string {
  return url.virtualhost ?? spec.virtualhost ?? defaultHost(spec.target.ip, spec.target.port);
}

/** Check every url in turn; all must pass (status in range and, when given, digest equal). */
export async function run(spec: Runnable<HttpCheckSpec>, signal?: AbortSignal): Promise<CheckResult> {
  const useTls = spec.kind === 'SSL_GET';
  if (spec.urls.length === 0) return fail(`${spec.kind}: no url configured`);
  for (const url of spec.urls) {
    const host = urlHost(spec, url);
    const sni = useTls && spec.enableSni ? (spec.sniName ?? url.virtualhost ?? spec.virtualhost) : undefined;
    const r = await fetchOnce(spec.target, {
      path: url.path, host, protocol: spec.httpProtocol ?? '1.0', tls: useTls, sni,
      tlsOptions: spec.tls, maxResponseBytes: spec.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    }, signal);
    const where = `${spec.kind} ${spec.target.ip}:${spec.target.port}${url.path}`;
    if (!r.res) return fail(`${where}: ${r.error}`);
    if (!statusAllowed(r.res.status, url.statusCodes)) return fail(`${where}: status ${r.res.status} not accepted`);
    const rx = regexProblem(r.res.body, url);
    if (rx) return fail(`${where}: ${rx}`);
    if (url.digest && url.digest.toLowerCase() !== r.res.digest) {
      return fail(`${where}: digest ${r.res.digest} differs from expected ${url.digest.toLowerCase()}`);
    }
  }
  return ok(`${spec.kind} ${spec.target.ip}:${spec.target.port}: ${spec.urls.length} url(s) ok`);
}
