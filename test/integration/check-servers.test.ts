// Every checker kind against real servers inside a namespace pair (checker host "chk", server
// host "srv"): nginx (HTTP + HTTPS), smtp-server, dnsmasq, a UDP echo, ICMP, scripts, files, and
// hostile servers (garbage HTTP, slow-loris, endless body, non-TLS on a TLS port) that must mark the
// server down within the timeout without stalling or crashing the checker process.
// Also compares `vipd genhash` with Debian's keepalived genhash on the same nginx page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor } from '../helpers/netns.js';
import { CHECKER_JS, ROOT, JsonLines, nginxSite, selfSignedCert, startNginx, tempDir, waitListening, removeTempDirs } from './lb-fixtures.js';
import type { Runnable } from '../../src/check/types.js';
import type { CheckResult } from '../../src/check/types.js';

const skip = labUnavailable();
const SRV = '198.51.100.2';
const lab = new Lab('vck');
let dir = '';
let page = '';

const AUX_SERVERS = `
import net from 'node:net'; import dgram from 'node:dgram'; import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(ROOT + '/')});
const { SMTPServer } = require('smtp-server');
const host = ${JSON.stringify(SRV)};
// garbage instead of HTTP
net.createServer((s) => { s.on('error', () => {}); s.end('\\x00\\x01garbage garbage garbage\\r\\n\\r\\n'); }).listen(8001, host);
// slow-loris: one header byte every 300 ms, never finishing
net.createServer((s) => { s.on('error', () => {}); const hdr = 'HTTP/1.0 200 OK\\r\\nX-Slow: ' + 'a'.repeat(1000);
  let i = 0; const t = setInterval(() => { if (i < hdr.length) s.write(hdr[i++]); }, 300); s.on('close', () => clearInterval(t)); }).listen(8002, host);
// endless body
net.createServer((s) => { s.on('error', () => {}); s.write('HTTP/1.0 200 OK\\r\\n\\r\\n'); const chunk = Buffer.alloc(65536, 97);
  const pump = () => { while (s.writable && s.write(chunk)) {} }; s.on('drain', pump); pump(); }).listen(8003, host);
// not TLS on a TLS port
net.createServer((s) => { s.on('error', () => {}); s.end('HTTP/1.0 400 Bad Request\\r\\n\\r\\nplain text'); }).listen(8444, host);
// SMTP banner/HELO/QUIT, and a server that greets with 554
new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], banner: 'vipd test' }).listen(2525, host);
net.createServer((s) => { s.on('error', () => {}); s.end('554 go away\\r\\n'); }).listen(2526, host);
// UDP echo
const u = dgram.createSocket('udp4'); u.on('message', (m, r) => u.send(m, r.port, r.address)); u.bind(9000, host);
console.log('ready');
`;

before(async () => {
  if (skip) return;
  lab.addHost('chk', '198.51.100.1/24', 'fd00:5::1/64');
  lab.addHost('srv', `${SRV}/24`, 'fd00:5::2/64');
  dir = tempDir('chk');
  const tls = selfSignedCert(dir);
  page = 'checker test page\n';
  const site = nginxSite(dir, 'srv', page, 8080, 8443, tls);
  startNginx(lab, 'srv', site);
  writeFileSync(join(dir, 'aux.mjs'), AUX_SERVERS);
  const aux = lab.spawn('srv', process.execPath, [join(dir, 'aux.mjs')]);
  const auxOut = new JsonLines(aux);
  let auxReady = false;
  aux.stdout?.on('data', (d: Buffer) => { if (String(d).includes('ready')) auxReady = true; });
  lab.spawn('srv', 'dnsmasq', ['--keep-in-foreground', '--no-resolv', '--no-hosts', '--bind-interfaces',
    `--listen-address=${SRV}`, '--port=53', '--address=/www.example.test/203.0.113.5', `--pid-file=${dir}/dnsmasq.pid`,
    '--user=root', '--group=root']);
  await waitListening(lab, 'srv', SRV, 8080);
  await waitListening(lab, 'srv', SRV, 8443);
  await waitFor(() => auxReady || (auxOut.stderr ? Promise.reject(new Error(auxOut.stderr)) : false), 10_000);
});

after(async () => { await lab.teardown(); removeTempDirs(); });

function target(port: number, timeoutMs = 1500, ip = SRV) { return { ip, port, timeoutMs }; }

async function runAll(specs: Runnable[]): Promise<Array<CheckResult & { ms: number }>> {
  const file = join(dir, `specs-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(specs));
  const p = lab.spawn('chk', process.execPath, [CHECKER_JS, '--check-once', file]);
  const out = new JsonLines(p);
  const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
  assert.equal(code, 0, `checker process failed: ${out.stderr}`);
  const res = out.find((m) => m.type === 'results');
  assert.ok(res, 'no results printed');
  return res.results as Array<CheckResult & { ms: number }>;
}

test('checkers against real and hostile servers', { skip, timeout: 60_000 }, async () => {
  const { createHash } = await import('node:crypto');
  const digest = createHash('md5').update(page).digest('hex');
  writeFileSync(join(dir, 'track0'), '0\n');
  writeFileSync(join(dir, 'track3'), '3\n');
  const cases: Array<[string, boolean, Runnable, number?]> = [
    ['tcp open', true, { kind: 'TCP_CHECK', target: target(8080) }],
    ['tcp refused', false, { kind: 'TCP_CHECK', target: target(8099) }],
    ['http digest ok', true, { kind: 'HTTP_GET', urls: [{ path: '/', digest }], target: target(8080) }],
    ['http digest wrong', false, { kind: 'HTTP_GET', urls: [{ path: '/', digest: '0'.repeat(32) }], target: target(8080) }],
    ['http 404 rejected', false, { kind: 'HTTP_GET', urls: [{ path: '/missing' }], target: target(8080) }],
    ['http 404 accepted by status_code', true, { kind: 'HTTP_GET', urls: [{ path: '/missing', statusCodes: [[200, 299], [404, 404]] }], target: target(8080) }],
    ['http 1.1 + virtualhost', true, { kind: 'HTTP_GET', httpProtocol: '1.1', virtualhost: 'www.example.test', urls: [{ path: '/', digest }], target: target(8080) }],
    ['ssl ok + sni', true, { kind: 'SSL_GET', enableSni: true, sniName: 'rs.vipd.test', urls: [{ path: '/', digest }], target: target(8443) }],
    ['ssl on plain port', false, { kind: 'SSL_GET', urls: [{ path: '/' }], target: target(8444) }],
    ['http garbage', false, { kind: 'HTTP_GET', urls: [{ path: '/' }], target: target(8001) }],
    ['http slow-loris', false, { kind: 'HTTP_GET', urls: [{ path: '/' }], target: target(8002) }],
    ['http endless body', false, { kind: 'HTTP_GET', urls: [{ path: '/' }], maxResponseBytes: 1 << 20, target: target(8003, 10_000) }, 8000],
    ['http regex', true, { kind: 'HTTP_GET', urls: [{ path: '/', regex: 'checker\\s+test' }], target: target(8080) }],
    ['http regex_no_match', false, { kind: 'HTTP_GET', urls: [{ path: '/', regex: 'test page', regexNoMatch: true }], target: target(8080) }],
    ['smtp ok', true, { kind: 'SMTP_CHECK', target: target(2525) }],
    ['smtp 554', false, { kind: 'SMTP_CHECK', target: target(2526) }],
    ['dns A', true, { kind: 'DNS_CHECK', type: 'A', name: 'www.example.test', target: target(53) }],
    ['dns closed port', false, { kind: 'DNS_CHECK', type: 'A', name: 'www.example.test', target: target(5353) }],
    ['udp echo, pattern', true, { kind: 'UDP_CHECK', payload: 'CAFE 01 02', requireReplyHex: 'cafe0x02', minReplyLength: 4, target: target(9000) }],
    ['udp echo, pattern mismatch', false, { kind: 'UDP_CHECK', payload: 'CAFE 01 02', requireReplyHex: 'beef', target: target(9000) }],
    ['udp too short', false, { kind: 'UDP_CHECK', payload: 'CAFE', requireReply: true, minReplyLength: 8, target: target(9000) }],
    ['udp closed → icmp unreachable', false, { kind: 'UDP_CHECK', payload: '01', target: target(9001, 3000) }, 2000],
    ['udp no reply needed', true, { kind: 'UDP_CHECK', payload: '01', target: target(9000, 500) }],
    ['ping v4', true, { kind: 'PING_CHECK', target: target(0) }],
    ['ping v6', true, { kind: 'PING_CHECK', target: target(0, 1500, 'fd00:5::2') }],
    ['ping absent host', false, { kind: 'PING_CHECK', target: target(0, 800, '198.51.100.99') }],
    ['misc exit 0', true, { kind: 'MISC_CHECK', miscPath: 'exit 0', target: target(0) }],
    ['misc exit 1', false, { kind: 'MISC_CHECK', miscPath: 'exit 1', miscDynamic: true, target: target(0) }],
    ['misc hang → killed', false, { kind: 'MISC_CHECK', miscPath: 'sleep 30', target: target(0, 500) }, 3000],
    ['file 0', true, { kind: 'FILE_CHECK', trackFile: join(dir, 'track0'), weight: 0, target: target(0) }],
    ['file 3 weight 0', false, { kind: 'FILE_CHECK', trackFile: join(dir, 'track3'), weight: 0, target: target(0) }],
    ['file missing', false, { kind: 'FILE_CHECK', trackFile: join(dir, 'nope'), target: target(0) }],
  ];
  const results = await runAll(cases.map((c) => c[2]));
  const wrong: string[] = [];
  cases.forEach(([name, want, spec, maxMs], i) => {
    const r = results[i]!;
    if (r.ok !== want) wrong.push(`${name}: expected ${want ? 'ok' : 'fail'}, got ${JSON.stringify(r)}`);
    const limit = maxMs ?? spec.target.timeoutMs + 2000; // generous: only catches stalls
    if (r.ms > limit) wrong.push(`${name}: took ${r.ms} ms (> ${limit})`);
  });
  assert.deepEqual(wrong, []);
  // the slow-loris and endless-body failures must say why
  assert.match(results[10]!.detail, /timeout/);
  assert.match(results[11]!.detail, /larger than/);
});

test('misc_dynamic weight and FILE_CHECK weight', { skip, timeout: 30_000 }, async () => {
  const r = await runAll([
    { kind: 'MISC_CHECK', miscPath: 'exit 7', miscDynamic: true, target: target(0) },
    { kind: 'MISC_CHECK', miscPath: 'exit 7', target: target(0) },
    { kind: 'FILE_CHECK', trackFile: join(dir, 'track3'), weight: 2, target: target(0) },
    { kind: 'FILE_CHECK', trackFile: join(dir, 'track3'), weight: 2, reverse: true, target: target(0) },
  ]);
  assert.equal(r[0]!.ok, true); assert.equal(r[0]!.weight, 5);
  assert.equal(r[1]!.ok, false);
  assert.equal(r[2]!.weightDelta, 6);
  assert.equal(r[3]!.weightDelta, -6);
});

test('vipd genhash prints the same digest as keepalived genhash', { skip, timeout: 30_000 }, async () => {
  const cases = [
    ['-s', SRV, '-p', '8080', '-u', '/'],
    ['-s', SRV, '-p', '8080', '-u', '/index.html', '-P', '1.1', '-V', 'www.example.test'],
    ['-S', '-s', SRV, '-p', '8443', '-u', '/'],
  ];
  const genhashJs = join(ROOT, 'dist', 'src', 'check', 'genhash.js');
  for (const args of cases) {
    const theirs = lab.exec('chk', 'genhash', args).trim();
    const ours = lab.exec('chk', process.execPath, ['-e',
      `import(${JSON.stringify(genhashJs)}).then(async (m) => process.exit(await m.genhash(${JSON.stringify(args)})))`]).trim();
    assert.match(theirs, /^[0-9a-f]{32}$/, `keepalived genhash ${args.join(' ')}: ${theirs}`);
    assert.equal(ours, theirs, `genhash ${args.join(' ')}`);
  }
});
