// Checker scale bench: N real servers with TCP_CHECK at delay_loop 1 against local listeners,
// all inside a throw-away network namespace. Reports checks/s (ideal = N), CPU share and RSS of
// the checker process (the same dist/src/check/process.js the daemon forks).
//
//   sudo node dist/bench/checker-scale.js [N ...] [--seconds S]      (default: 1000 10000, 15 s)
//
// Addresses: 198.51.100.0/24 made local on lo (AnyIP route), ports 20000+; traffic never leaves
// the namespace.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Lab, labUnavailable, sleep, waitFor } from '../test/helpers/netns.js';
import type { VirtualServerSpec } from '../src/check/types.js';
import { NftDataPlane } from '../src/lb/nft.js';
import { CheckerScheduler } from '../src/check/scheduler.js';

const CHECKER_JS = resolve('dist/src/check/process.js');
const PORTS = 50;

// nginx as the listener: a node accept loop saturates near 3-4k connections/s and SYNs then
// queue up, which would measure the harness instead of the checker.
const NGINX_CONF = (dir: string, ports: number) => `worker_processes 2;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;
events { worker_connections 16384; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${dir}/b; proxy_temp_path ${dir}/p; fastcgi_temp_path ${dir}/f; uwsgi_temp_path ${dir}/u; scgi_temp_path ${dir}/s;
  server {
${Array.from({ length: ports }, (_, i) => `    listen ${20000 + i} backlog=16384;`).join('\n')}
    return 204;
  }
}
`;

interface Stats { meanCheckMs: number; loopDelayP99Ms: number; checksPerSec: number; rssBytes: number; cpuUserMs: number; cpuSystemMs: number; checksRun: number; at: number }

function servicesFor(n: number): VirtualServerSpec[] {
  // group into virtual servers of 100 real servers, as a large config would
  const out: VirtualServerSpec[] = [];
  for (let i = 0; i < n; i++) {
    const vsIdx = Math.floor(i / 100);
    if (!out[vsIdx]) out[vsIdx] = { vip: '203.0.113.10', port: 1 + vsIdx, lbAlgo: 'rr', delayLoop: 1, connectTimeout: 2, retry: 1, delayBeforeRetry: 1, realServers: [] };
    const ip = `198.51.100.${1 + (Math.floor(i / PORTS) % 250)}`;
    const port = 20000 + (i % PORTS);
    out[vsIdx]!.realServers.push({ ip, port, weight: 1, checkers: [{ kind: 'TCP_CHECK' }] });
  }
  return out;
}

async function runOne(n: number, seconds: number): Promise<Record<string, string | number>> {
  if (n > PORTS * 250) throw new Error(`at most ${PORTS * 250} real servers`);
  const lab = new Lab('vbn');
  const dir = mkdtempSync(join(tmpdir(), 'vipd-bench-'));
  try {
    lab.addHost('b');
    lab.exec('b', 'ip', ['route', 'add', 'local', '198.51.100.0/24', 'dev', 'lo']);
    lab.exec('b', 'sysctl', ['-qw', 'net.ipv4.ip_local_port_range=10000 19999', 'net.ipv4.tcp_tw_reuse=1', 'net.core.somaxconn=16384', 'net.ipv4.tcp_max_syn_backlog=16384']);
    writeFileSync(join(dir, 'nginx.conf'), NGINX_CONF(dir, PORTS));
    lab.spawn('b', 'nginx', ['-c', join(dir, 'nginx.conf'), '-g', 'daemon off;']);
    await waitFor(() => {
      try { lab.exec('b', 'bash', ['-c', `exec 3<>/dev/tcp/198.51.100.1/${20000 + PORTS - 1}`]); return true; } catch { return false; }
    }, 10_000, 100);
    writeFileSync(join(dir, 'spec.json'), JSON.stringify({ type: 'config', services: servicesFor(n), dataPlane: { kind: 'none' }, statsIntervalMs: 1000 }));
    const checker = lab.spawn('b', process.execPath, [CHECKER_JS, '--spec', join(dir, 'spec.json')]);
    const stats: Stats[] = [];
    const downs: string[] = [];
    let buf = '';
    let readyAt = 0;
    let stderr = '';
    checker.stderr?.on('data', (d: Buffer) => { stderr += String(d); });
    checker.stdout?.setEncoding('utf8');
    checker.stdout?.on('data', (d: string) => {
      buf += d;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
        try {
          const m = JSON.parse(line) as { type: string; up?: boolean; detail?: string } & Stats;
          if (m.type === 'stats') stats.push({ ...m, at: Date.now() });
          if (m.type === 'ready') readyAt = Date.now();
          if (m.type === 'rs' && m.up === false) downs.push(m.detail ?? '');
        } catch { /* ignore */ }
      }
    });
    await waitFor(() => readyAt > 0, 60_000, 100);
    await sleep(seconds * 1000);
    await lab.stop(checker);
    // skip the first 2 s after start-up (warmup spreads the first round over delay_loop)
    const steady = stats.filter((x) => x.at >= readyAt + 2000);
    if (steady.length < 2) throw new Error(`too few stats samples (${stats.length}); checker stderr: ${stderr}`);
    const first = steady[0]!; const last = steady[steady.length - 1]!;
    const wallMs = last.at - first.at;
    const cpuMs = (last.cpuUserMs + last.cpuSystemMs) - (first.cpuUserMs + first.cpuSystemMs);
    return {
      realServers: n,
      checksPerSec: Math.round(((last.checksRun - first.checksRun) * 1000) / wallMs),
      idealPerSec: n,
      cpuPercent: Math.round((cpuMs / wallMs) * 1000) / 10,
      meanCheckMs: Math.round(steady.reduce((a, x) => a + x.meanCheckMs, 0) / steady.length),
      loopDelayP99Ms: Math.max(...steady.map((x) => x.loopDelayP99Ms)),
      rssMB: Math.round(Math.max(...steady.map((s) => s.rssBytes)) / 1048576),
      serversMarkedDown: downs.length,
      firstDownReason: downs[0] ?? '',
    };
  } finally {
    await lab.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Time of one atomic nft transaction carrying all N real servers (100 per service), in a namespace. */
async function nftApplyMs(n: number): Promise<{ realServers: number; services: number; nftApplyMs: number[] }> {
  const lab = new Lab('vbn');
  try {
    const h = lab.addHost('n');
    const services = new CheckerScheduler(servicesFor(n), { runScripts: false }).snapshot();
    const plane = new NftDataPlane({ command: ['ip', 'netns', 'exec', h.ns, 'nft'] });
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await plane.apply(services);
      times.push(Math.round(performance.now() - t0));
    }
    return { realServers: n, services: services.length, nftApplyMs: times };
  } finally { await lab.teardown(); }
}

async function main(): Promise<void> {
  const skip = labUnavailable();
  if (skip) { console.error(`checker-scale: ${skip}`); process.exit(2); }
  const args = process.argv.slice(2);
  const si = args.indexOf('--seconds');
  const seconds = si >= 0 ? Number(args.splice(si, 2)[1]) : 15;
  const sizes = args.length ? args.map(Number) : [1000, 10000];
  const rows = [];
  for (const n of sizes) rows.push(await runOne(n, seconds));
  console.table(rows);
  const applies = [];
  for (const n of sizes) applies.push(await nftApplyMs(n));
  console.table(applies.map((a) => ({ ...a, nftApplyMs: a.nftApplyMs.join(' / ') })));
  console.log(`load average at end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} CPUs`);
  console.log(JSON.stringify(rows));
}

main().catch((e) => { console.error(e); process.exit(1); });
