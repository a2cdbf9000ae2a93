// `vipd genhash`: keepalived's genhash tool. Same options and the same digest (MD5 of the raw
// body bytes, chunk markers included) computed over the same request, so digests can be
// generated with either tool. Differences: failures exit 1 (genhash exits 0) and -m (fwmark) is
// rejected rather than silently needing CAP_NET_ADMIN.
import { fetchOnce, defaultHost, DEFAULT_MAX_RESPONSE_BYTES } from './http.js';

export const GENHASH_USAGE = `Usage: vipd genhash COMMAND [OPTIONS]
Commands:
   -s server-address -p port -u url
   -S -s server-address -p port -u url
   -h

Options:
   --use-ssl         -S       Use SSL connection to remote server.
   --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).
   --server          -s       Use the specified remote server address.
   --port            -p       Use the specified remote server port.
   --url             -u       Use the specified remote server url.
   --use-virtualhost -V       Use the specified virtualhost in GET query.
   --verbose         -v       Use verbose mode output.
   --help            -h       Display this short inlined help screen.
   --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.
   --timeout         -t       Timeout in seconds
`;

export interface GenhashOptions {
  server: string; port: number; url: string; ssl: boolean; sni: boolean; virtualhost?: string;
  verbose: boolean; protocol: '1.0' | '1.0C' | '1.1'; timeoutS: number;
}

const LONG: Record<string, string> = {
  '--use-ssl': '-S', '--use-sni': '-I', '--server': '-s', '--port': '-p', '--url': '-u',
  '--use-virtualhost': '-V', '--verbose': '-v', '--help': '-h', '--fwmark': '-m', '--protocol': '-P', '--timeout': '-t',
};

/** Parse genhash's argv; returns 'help' for -h, throws Error with a message on bad usage. */
export function parseGenhashArgs(argv: string[]): GenhashOptions | 'help' {
  const o: Partial<GenhashOptions> = { ssl: false, sni: false, verbose: false, protocol: '1.0', timeoutS: 5 };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { inline = a.slice(eq + 1); a = a.slice(0, eq); }
    a = LONG[a] ?? a;
    const val = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`option ${a} needs a value`);
      return v;
    };
    switch (a) {
      case '-h': return 'help';
      case '-S': o.ssl = true; break;
      case '-I': o.sni = true; break;
      case '-v': o.verbose = true; break;
      case '-s': o.server = val(); break;
      case '-p': { const v = val(); const n = Number(v); if (!/^\d+$/.test(v) || n < 1 || n > 65535) throw new Error(`bad port ${v}`); o.port = n; break; }
      case '-u': o.url = val(); break;
      case '-V': o.virtualhost = val(); break;
      case '-t': { const v = val(); const n = Number(v); if (!(n > 0)) throw new Error(`bad timeout ${v}`); o.timeoutS = n; break; }
      case '-P': {
        const v = val().toLowerCase();
        if (v === '1.0') o.protocol = '1.0'; else if (v === '1.0c') o.protocol = '1.0C'; else if (v === '1.1') o.protocol = '1.1';
        else throw new Error(`bad protocol ${v}: expected 1.0, 1.0c or 1.1`);
        break;
      }
      case '-m': throw new Error('-m/--fwmark is not supported by vipd genhash');
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if (!o.server || !o.port || !o.url) throw new Error('-s server, -p port and -u url are required');
  return o as GenhashOptions;
}

export interface Io { out(s: string): void; err(s: string): void }

/** genhash's hex dump: decimal offset, 16 bytes as "8 hex - 8 hex", then the printable ASCII. */
export function hexDump(buf: Buffer): string {
  const lines: string[] = [];
  for (let off = 0; off < buf.length; off += 16) {
    const row = buf.subarray(off, off + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const hexPart = hex.length > 8 ? `${left} - ${hex.slice(8).join(' ')}` : left;
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${String(off).padStart(4, '0')}  ${hexPart.padEnd(49)}   ${ascii.padEnd(16)}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

const banner = (title: string): string => `-----------------------[${title}]-----------------------\n`;

/** Run genhash; resolves with the process exit code. */
export async function genhash(argv: string[], io: Io = {
  out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s),
}): Promise<number> {
  let o: GenhashOptions | 'help';
  try { o = parseGenhashArgs(argv); } catch (e) { io.err(`${(e as Error).message}\n${GENHASH_USAGE}`); return 2; }
  if (o === 'help') { io.out(GENHASH_USAGE); return 0; }
  const started = process.hrtime.bigint();
  const r = await fetchOnce({ ip: o.server, port: o.port, timeoutMs: o.timeoutS * 1000 }, {
    path: o.url, host: o.virtualhost ?? defaultHost(o.server, o.port), protocol: o.protocol,
    tls: o.ssl, sni: o.ssl && o.sni ? o.virtualhost : undefined, maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES * 64,
  });
  if (!r.res) { io.err(`genhash: ${o.server}:${o.port}${o.url}: ${r.error}\n`); return 1; }
  if (o.verbose) {
    // the layout of keepalived 2.2.7's genhash -v
    io.out(banner('    HTTP Header Buffer    ') + hexDump(r.res.header));
    io.out(`${banner(' HTTP Header Ascii Buffer ')}${r.res.header.toString('latin1')}\n`);
    io.out(`${banner('        HTML Buffer        ')}${hexDump(r.res.body)}\n`);
    io.out(banner('    HTML hash resulting    ') + hexDump(Buffer.from(r.res.digest, 'hex')));
    io.out(`${banner(' HTML hash final resulting ')}${r.res.digest}\n\n`);
    const us = Number((process.hrtime.bigint() - started) / 1000n);
    io.out(`Global response time for [${o.url}] = ${us} usecs\n`);
    return 0;
  }
  io.out(`${r.res.digest}\n`);
  return 0;
}
