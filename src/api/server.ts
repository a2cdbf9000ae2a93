// The status API: GET /api/status (JSON), GET /metrics (Prometheus), GET / (dashboard), GET /api/events
// (server-sent events, one status per change). Runs in the parent process, never in the VRRP process.
// Hostile requests get a status code, never an exception: only GET/HEAD, bounded URL, no body read.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { DaemonStatus } from './status.js';
import { DASHBOARD_HTML } from './dashboard.js';

export interface ApiOptions { host: string; port: number }

export interface Api {
  server: Server;
  address(): { host: string; port: number };
  /** Push the latest status to SSE subscribers. */
  publish(): void;
  close(): Promise<void>;
  requests: { total: number; rejected: number };
}

export function parseListen(s: string): ApiOptions {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`--api-listen expects HOST:PORT or [V6]:PORT, got '${s}'`);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

/**
 * `refresh` (optional) asks the daemon's children for fresh snapshots; it is awaited before answering
 * /api/status and /metrics, and run every 2 s while dashboards are connected.
 */
export function startApi(opts: ApiOptions, getStatus: () => DaemonStatus, metrics: Registry, refresh?: () => Promise<void>): Promise<Api> {
  const subscribers = new Set<ServerResponse>();
  let ticker: NodeJS.Timeout | undefined;
  const tick = () => { void refresh?.(); };
  const requests = { total: 0, rejected: 0 };

  function reject(res: ServerResponse, code: number, msg: string, headers: Record<string, string> = {}): void {
    requests.rejected++;
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: msg }) + '\n');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests.total++;
    if (req.method !== 'GET' && req.method !== 'HEAD') return reject(res, 405, 'only GET and HEAD', { allow: 'GET, HEAD' });
    if ((req.url ?? '').length > 2048) return reject(res, 414, 'URL too long');
    let path: string;
    try { path = new URL(req.url ?? '/', 'http://x').pathname; } catch { return reject(res, 400, 'bad URL'); }
    switch (path) {
      case '/':
      case '/dashboard':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(DASHBOARD_HTML);
        return;
      case '/api/status':
        await refresh?.();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(getStatus()) + '\n');
        return;
      case '/metrics': {
        await refresh?.();
        const body = await metrics.metrics();
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(body);
        return;
      }
      case '/api/events':
        if (subscribers.size >= 64) return reject(res, 503, 'too many event subscribers');
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        res.write(`data: ${JSON.stringify(getStatus())}\n\n`);
        subscribers.add(res);
        if (refresh && !ticker) ticker = setInterval(tick, 2000);
        req.on('close', () => {
          subscribers.delete(res);
          if (subscribers.size === 0 && ticker) { clearInterval(ticker); ticker = undefined; }
        });
        return;
      default:
        return reject(res, 404, `no such path: ${path}`);
    }
  }

  const server = createServer({ maxHeaderSize: 8192, requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) reject(res, 500, String((e as Error)?.message ?? e));
      else res.destroy();
    });
  });
  server.on('clientError', (_err, socket) => { requests.rejected++; socket.destroy(); });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve({
        server,
        requests,
        address() {
          const a = server.address();
          return typeof a === 'object' && a ? { host: a.address, port: a.port } : { host: opts.host, port: opts.port };
        },
        publish() {
          if (subscribers.size === 0) return;
          const line = `data: ${JSON.stringify(getStatus())}\n\n`;
          for (const s of subscribers) s.write(line);
        },
        close() {
          if (ticker) clearInterval(ticker);
          for (const s of subscribers) s.end();
          subscribers.clear();
          return new Promise((r) => { server.close(() => r()); server.closeAllConnections(); });
        },
      });
    });
  });
}
