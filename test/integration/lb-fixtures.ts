// Shared fixtures for the checker and load-balancer integration tests: nginx instances with a
// generated config (HTTP + HTTPS with a fresh self-signed certificate), small node servers written
// to a temp dir, and a line reader for the checker process's JSON output.
import { mkdtempSync, writeFileSync, chmodSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import type { Lab } from '../helpers/netns.js';
import { waitFor } from '../helpers/netns.js';

export const ROOT = resolve(process.cwd());
export const CHECKER_JS = join(ROOT, 'dist', 'src', 'check', 'process.js');

const created: string[] = [];

export function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `vipd-${tag}-`));
  chmodSync(d, 0o755); // nginx workers run as nobody
  created.push(d);
  return d;
}

/** Delete the temp dirs this test file created (call after the lab's teardown). */
export function removeTempDirs(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function selfSignedCert(dir: string, cn = 'rs.vipd.test'): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem'); const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', `/CN=${cn}`], { stdio: 'ignore' });
  chmodSync(key, 0o644);
  return { cert, key };
}

export interface NginxSite { dir: string; conf: string; page: string }

/** Write an nginx config serving `page` at / on `httpPort` (and HTTPS on `httpsPort`). */
export function nginxSite(base: string, name: string, page: string, httpPort = 80, httpsPort?: number,
  tls?: { cert: string; key: string }): NginxSite {
  const dir = join(base, name);
  mkdirSync(join(dir, 'www'), { recursive: true });
  chmodSync(dir, 0o755); chmodSync(join(dir, 'www'), 0o755);
  writeFileSync(join(dir, 'www', 'index.html'), page);
  const ssl = httpsPort && tls
    ? `listen ${httpsPort} ssl; ssl_certificate ${tls.cert}; ssl_certificate_key ${tls.key};` : '';
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, `worker_processes 1;
error_log ${dir}/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp_body; proxy_temp_path ${dir}/tmp_proxy; fastcgi_temp_path ${dir}/tmp_fcgi;
  uwsgi_temp_path ${dir}/tmp_uwsgi; scgi_temp_path ${dir}/tmp_scgi;
  server { listen ${httpPort}; ${ssl} root ${dir}/www; location / { index index.html; } }
}
`);
  return { dir, conf, page };
}

export function startNginx(lab: Lab, host: string, site: NginxSite): ChildProcess {
  return lab.spawn(host, 'nginx', ['-c', site.conf, '-g', `daemon off; pid ${site.dir}/nginx.pid;`]);
}

/** Wait until something accepts TCP connections on ip:port inside `host`. */
export async function waitListening(lab: Lab, host: string, ip: string, port: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => {
    try { lab.exec(host, 'bash', ['-c', `exec 3<>/dev/tcp/${ip}/${port}`]); return true; } catch { return false; }
  }, timeoutMs, 100);
}

/** Collect JSON lines from a child's stdout. */
export class JsonLines {
  readonly messages: Array<Record<string, unknown> & { type: string; at: number }> = [];
  private buf = '';
  stderr = '';
  constructor(p: ChildProcess) {
    p.stdout?.setEncoding('utf8');
    p.stdout?.on('data', (d: string) => {
      this.buf += d;
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, nl); this.buf = this.buf.slice(nl + 1);
        try { this.messages.push({ ...JSON.parse(line), at: Date.now() }); } catch { /* not ours */ }
      }
    });
    p.stderr?.setEncoding('utf8');
    p.stderr?.on('data', (d: string) => { this.stderr += d; });
  }
  find(pred: (m: Record<string, unknown> & { type: string; at: number }) => boolean, from = 0): (Record<string, unknown> & { type: string; at: number }) | undefined {
    return this.messages.slice(from).find(pred);
  }
}
