import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startApi, parseListen } from '../../src/api/server.js';
import { createMetrics } from '../../src/api/metrics.js';
import { emptyStats, type DaemonStatus } from '../../src/api/status.js';

function status(state: 'MASTER' | 'BACKUP'): DaemonStatus {
  return {
    version: 'test', pid: 1, startedAtMs: 0, configFile: '/etc/keepalived/keepalived.conf',
    vrrp: {
      pid: 2, updatedAtMs: 0, rssBytes: 1234,
      instances: [{
        name: 'VI_1', vrid: 51, family: 4, version: 2, interface: 'eth0', state, basePriority: 100, effectivePriority: 80,
        advertIntMs: 1000, vips: ['192.0.2.100/32'], trackers: [], lastFailoverMs: 3210,
        stats: { ...emptyStats(), advertsRx: 7, advertsTx: 3, drops: { ttl: 2, checksum: 5 } },
      }],
      offload: { rxPackets: 40, rxAbsorbed: 30, queueDrops: 2 },
      sockets: [{ interface: 'eth0', family: 4, group: '224.0.0.18', src: '192.0.2.1', rxPackets: 12, rxDropped: 4, rxErrors: 0, unknownVrid: 9, txPackets: 3, txErrors: 1 }],
    },
    checker: { pid: 3, updatedAtMs: 0, virtualServers: [{ name: '192.0.2.100:80', quorumUp: true, realServers: [{ addr: '198.51.100.1', port: 80, up: false, weight: 1 }] }] },
  };
}

async function withApi(fn: (base: string, publish: () => void, set: (s: DaemonStatus) => void) => Promise<void>): Promise<void> {
  let cur = status('MASTER');
  const api = await startApi({ host: '127.0.0.1', port: 0 }, () => cur, createMetrics(() => cur));
  try {
    await fn(`http://127.0.0.1:${api.address().port}`, () => api.publish(), (s) => { cur = s; });
  } finally { await api.close(); }
}

test('GET /api/status returns the snapshot', () => withApi(async (base) => {
  const r = await fetch(`${base}/api/status`);
  assert.equal(r.status, 200);
  const body = await r.json() as DaemonStatus;
  assert.equal(body.vrrp?.instances[0]?.state, 'MASTER');
}));

test('GET /metrics renders state, drops per reason and real servers', () => withApi(async (base, _p, set) => {
  let text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /vipd_vrrp_state\{instance="VI_1",vrid="51",interface="eth0",family="ipv4"\} 2/);
  assert.match(text, /vipd_vrrp_packets_dropped_total\{[^}]*reason="checksum"\} 5/);
  assert.match(text, /vipd_vrrp_adverts_received_total\{[^}]*\} 7/);
  assert.match(text, /vipd_real_server_up\{virtual_server="192.0.2.100:80",real_server="198.51.100.1:80"\} 0/);
  assert.match(text, /vipd_vrrp_last_takeover_seconds\{[^}]*\} 3.21/);
  const sock = 'interface="eth0",family="ipv4",group="224.0.0.18",src="192.0.2.1"';
  assert.ok(text.includes(`vipd_vrrp_unknown_vrid_total{${sock}} 9`), 'unknown VRIDs per socket');
  assert.ok(text.includes(`vipd_vrrp_socket_rx_dropped_total{${sock}} 4`));
  assert.ok(text.includes(`vipd_vrrp_socket_tx_errors_total{${sock}} 1`));
  assert.match(text, /^vipd_vrrp_offload_absorbed_total 30$/m);
  assert.match(text, /^vipd_vrrp_offload_queue_drops_total 2$/m);
  set(status('BACKUP'));
  text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /vipd_vrrp_state\{[^}]*\} 1/);
  assert.match(text, /vipd_vrrp_vips_held\{[^}]*\} 0/);
}));

test('dashboard page is served', () => withApi(async (base) => {
  const r = await fetch(`${base}/`);
  assert.equal(r.status, 200);
  assert.match(await r.text(), /EventSource\('\/api\/events'\)/);
}));

test('bad requests get status codes, not crashes', () => withApi(async (base) => {
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await fetch(`${base}/api/status`, { method: 'POST', body: 'x' })).status, 405);
  assert.equal((await fetch(`${base}/${'a'.repeat(3000)}`)).status, 414);
  // raw garbage on the socket: the server drops the connection and keeps serving
  const port = Number(new URL(base).port);
  await new Promise<void>((resolve) => {
    const s = connect(port, '127.0.0.1', () => s.write(Buffer.from([0, 1, 2, 255, 13, 10, 13, 10])));
    s.on('close', () => resolve());
    s.on('error', () => resolve());
    s.resume();
  });
  assert.equal((await fetch(`${base}/api/status`)).status, 200);
}));

test('server-sent events deliver published changes', () => withApi(async (base, publish, set) => {
  const ctl = new AbortController();
  const r = await fetch(`${base}/api/events`, { signal: ctl.signal });
  const reader = r.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const next = async (): Promise<DaemonStatus> => {
    for (;;) {
      const i = buf.indexOf('\n\n');
      if (i >= 0) { const ev = buf.slice(0, i); buf = buf.slice(i + 2); return JSON.parse(ev.replace(/^data: /, '')) as DaemonStatus; }
      const { value, done } = await reader.read();
      if (done) throw new Error('stream ended');
      buf += dec.decode(value);
    }
  };
  assert.equal((await next()).vrrp?.instances[0]?.state, 'MASTER');
  set(status('BACKUP'));
  publish();
  assert.equal((await next()).vrrp?.instances[0]?.state, 'BACKUP');
  ctl.abort();
}));

test('parseListen accepts host:port and [v6]:port, rejects junk', () => {
  assert.deepEqual(parseListen('127.0.0.1:9650'), { host: '127.0.0.1', port: 9650 });
  assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => parseListen('nope'), /HOST:PORT/);
  assert.throws(() => parseListen('1.2.3.4:99999'), /HOST:PORT/);
});

test('status and metrics are pulled fresh from the daemon before answering', async () => {
  let cur = status('BACKUP');
  let asked = 0;
  const refresh = async () => { asked++; cur = status('MASTER'); };
  const api = await startApi({ host: '127.0.0.1', port: 0 }, () => cur, createMetrics(() => cur), refresh);
  try {
    const base = `http://127.0.0.1:${api.address().port}`;
    const body = await (await fetch(`${base}/api/status`)).json() as DaemonStatus;
    assert.equal(body.vrrp?.instances[0]?.state, 'MASTER');
    assert.match(await (await fetch(`${base}/metrics`)).text(), /vipd_vrrp_state\{[^}]*\} 2/);
    assert.equal(asked, 2);
  } finally { await api.close(); }
});
