// Pure checker logic: timing defaults and inheritance, the retry state machine, quorum hysteresis,
// weights, result mapping of MISC/FILE checks, hex patterns, HTTP request/response handling,
// genhash argument parsing, DNS and ICMP packet helpers, FIFO line format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTiming, nextCheckerState, nextQuorum, effectiveWeight, serviceState, type Timing, type VirtualServerRuntime } from '../../src/check/scheduler.js';
import { miscResult } from '../../src/check/misc.js';
import { fileResult } from '../../src/check/file.js';
import { parseHex, matchesPattern } from '../../src/check/udp.js';
import { buildRequest, parseResponse, parseStatusCodes, statusAllowed, defaultHost, HttpParseError, regexProblem } from '../../src/check/http.js';
import { parseGenhashArgs, hexDump } from '../../src/check/genhash.js';
import { buildQuery, replyProblem } from '../../src/check/dns.js';
import { echoRequest, parseEchoReply, icmpChecksum, expandV6 } from '../../src/check/ping.js';
import { rsFifoLine, vsFifoLine } from '../../src/check/notify.js';
import { vsName, type RealServerSpec, type VirtualServerSpec } from '../../src/check/types.js';
import dnsPacket from 'dns-packet';

const rs: RealServerSpec = { ip: '198.51.100.11', port: 80, checkers: [] };
const vs: VirtualServerSpec = { vip: '203.0.113.10', port: 80, realServers: [rs] };

test('timing defaults follow keepalived per checker kind', () => {
  const tcp = resolveTiming({ kind: 'TCP_CHECK' }, rs, vs);
  assert.deepEqual(tcp, { delayLoopMs: 60000, timeoutMs: 5000, retry: 1, delayBeforeRetryMs: 1000, warmupMs: 60000, alpha: false });
  assert.equal(resolveTiming({ kind: 'HTTP_GET', urls: [] }, rs, vs).delayBeforeRetryMs, 3000);
  const dns = resolveTiming({ kind: 'DNS_CHECK' }, rs, { ...vs, delayLoop: 7 });
  assert.equal(dns.retry, 3); assert.equal(dns.delayBeforeRetryMs, 7000);
  const misc = resolveTiming({ kind: 'MISC_CHECK', miscPath: 'true' }, rs, { ...vs, delayLoop: 4 });
  assert.equal(misc.retry, 0); assert.equal(misc.timeoutMs, 4000, 'misc_timeout defaults to delay_loop');
  assert.equal(resolveTiming({ kind: 'MISC_CHECK', miscPath: 'true', miscTimeout: 2 }, rs, vs).timeoutMs, 2000);
});

test('a zero delay_loop or delay_before_retry cannot make a checker spin', () => {
  const t = resolveTiming({ kind: 'TCP_CHECK', delayLoop: 0, delayBeforeRetry: 0 }, rs, vs);
  assert.ok(t.delayLoopMs >= 10 && t.delayBeforeRetryMs >= 10);
});

test('timing inherits checker → real server → virtual server', () => {
  const t = resolveTiming({ kind: 'TCP_CHECK', retry: 5 }, { ...rs, delayLoop: 2, retry: 9, alpha: true }, { ...vs, delayLoop: 10, connectTimeout: 3, warmup: 0 });
  assert.equal(t.retry, 5); assert.equal(t.delayLoopMs, 2000); assert.equal(t.timeoutMs, 3000); assert.equal(t.warmupMs, 0); assert.equal(t.alpha, true);
});

test('retry state machine: an UP checker survives `retry` failures, then goes DOWN', () => {
  const t: Timing = { delayLoopMs: 1000, timeoutMs: 500, retry: 2, delayBeforeRetryMs: 100, warmupMs: 0, alpha: false };
  let s = { up: true, failures: 0 };
  let r = nextCheckerState(s, false, t); assert.deepEqual(r, { state: { up: true, failures: 1 }, delayMs: 100 }); s = r.state;
  r = nextCheckerState(s, false, t); assert.deepEqual(r, { state: { up: true, failures: 2 }, delayMs: 100 }); s = r.state;
  r = nextCheckerState(s, false, t); assert.deepEqual(r, { state: { up: false, failures: 0 }, delayMs: 1000 }); s = r.state;
  r = nextCheckerState(s, false, t); assert.deepEqual(r.state, { up: false, failures: 0 }, 'a DOWN checker stays down without retries');
  r = nextCheckerState(s, true, t); assert.deepEqual(r, { state: { up: true, failures: 0 }, delayMs: 1000 });
  // a success in the middle of retries resets the count
  r = nextCheckerState({ up: true, failures: 1 }, true, t); assert.deepEqual(r.state, { up: true, failures: 0 });
  // retry 0: first failure is fatal
  assert.equal(nextCheckerState({ up: true, failures: 0 }, false, { ...t, retry: 0 }).state.up, false);
});

test('quorum with hysteresis', () => {
  assert.equal(nextQuorum(true, 3, 3, 0), true);
  assert.equal(nextQuorum(true, 2, 3, 0), false);
  assert.equal(nextQuorum(true, 2, 3, 1), true, 'stays up until below quorum - hysteresis');
  assert.equal(nextQuorum(true, 1, 3, 1), false);
  assert.equal(nextQuorum(false, 3, 3, 1), false, 'needs quorum + hysteresis to come back');
  assert.equal(nextQuorum(false, 4, 3, 1), true);
});

test('effective weight: misc_dynamic replaces, FILE_CHECK adds, never negative', () => {
  assert.equal(effectiveWeight(3, []), 3);
  assert.equal(effectiveWeight(3, [{ ok: true, detail: '', weight: 10 }]), 10);
  assert.equal(effectiveWeight(3, [{ ok: true, detail: '', weightDelta: -2 }]), 1);
  assert.equal(effectiveWeight(3, [{ ok: true, detail: '', weightDelta: -20 }]), 0);
  assert.equal(effectiveWeight(3, [{ ok: false, detail: '', weight: 10 }]), 3, 'failed results do not change weight');
});

test('MISC_CHECK exit codes', () => {
  assert.equal(miscResult(0, null, false, 'x').ok, true);
  assert.equal(miscResult(1, null, true, 'x').ok, false);
  assert.equal(miscResult(2, null, false, 'x').ok, false, 'without misc_dynamic only 0 is ok');
  assert.deepEqual([miscResult(2, null, true, 'x').ok, miscResult(2, null, true, 'x').weight], [true, 0]);
  assert.equal(miscResult(255, null, true, 'x').weight, 253);
  assert.equal(miscResult(null, 'SIGKILL', true, 'x').ok, false);
});

test('FILE_CHECK values', () => {
  assert.equal(fileResult('0\n', 0, false, 'f').ok, true);
  assert.equal(fileResult('4\n', 0, false, 'f').ok, false);
  assert.equal(fileResult('4', 3, false, 'f').weightDelta, 12);
  assert.equal(fileResult('4', 3, true, 'f').weightDelta, -12);
  assert.equal(fileResult('junk', 0, false, 'f').ok, true, 'non-numbers read as 0');
});

test('keepalived free-format hex and x wildcards', () => {
  assert.deepEqual([...parseHex('Ab12f 3 456 546443123').bytes], [0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03]);
  const p = parseHex('cafex2', true);
  assert.ok(matchesPattern(Buffer.from([0xca, 0xfe, 0x72]), p));
  assert.ok(!matchesPattern(Buffer.from([0xca, 0xfe, 0x73]), p));
  assert.ok(matchesPattern(Buffer.from([0xca]), p), 'compares up to the shorter length');
  assert.throws(() => parseHex('zz'), /bad hex/);
  assert.throws(() => parseHex('xx'), /bad hex/, 'wildcards only in require_reply');
});

test('status_code lists and ranges', () => {
  assert.deepEqual(parseStatusCodes(['200', '300-302']), [[200, 200], [300, 302]]);
  assert.throws(() => parseStatusCodes(['2xx']), /expected NNN/);
  assert.throws(() => parseStatusCodes(['302-300']), /end before start/);
  assert.ok(statusAllowed(204, undefined)); assert.ok(!statusAllowed(301, undefined));
  assert.ok(statusAllowed(301, [[300, 302]]));
});

test('HTTP request bytes match genhash', () => {
  assert.equal(buildRequest({ path: '/x', host: '127.0.0.1:8082', protocol: '1.0' }),
    'GET /x HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:8082\r\n\r\n');
  assert.equal(buildRequest({ path: '/x', host: 'www.example.test', protocol: '1.1' }),
    'GET /x HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.test\r\n\r\n');
  assert.match(buildRequest({ path: '/', host: 'h', protocol: '1.0C' }), /^GET \/ HTTP\/1\.0\r\n.*Connection: close\r\n/s);
  assert.equal(defaultHost('fd00::1', 80), '[fd00::1]:80');
});

test('response digest is MD5 of raw body bytes, chunk markers included (genhash vector)', () => {
  const r = parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'));
  assert.equal(r.status, 200);
  assert.equal(r.digest, '79e9489e3bd3f0cb0158215341de046d'); // Debian genhash 2.2.7 printed this for the same reply
  assert.throws(() => parseResponse(Buffer.from('garbage\r\n\r\n')), HttpParseError);
  assert.throws(() => parseResponse(Buffer.from('HTTP/1.0 200 OK\r\n')), /no end of HTTP header/);
});

test('genhash arguments', () => {
  assert.deepEqual(parseGenhashArgs(['-s', '192.0.2.1', '-p', '80', '-u', '/', '-P', '1.0c', '-V', 'vh', '-S', '-I']), {
    ssl: true, sni: true, verbose: false, protocol: '1.0C', timeoutS: 5, server: '192.0.2.1', port: 80, url: '/', virtualhost: 'vh' });
  assert.equal(parseGenhashArgs(['--server=192.0.2.1', '--port', '8080', '--url', '/a']) !== 'help', true);
  assert.equal(parseGenhashArgs(['-h']), 'help');
  assert.throws(() => parseGenhashArgs(['-s', 'x', '-p', '99999', '-u', '/']), /bad port/);
  assert.throws(() => parseGenhashArgs(['-s', 'x', '-u', '/']), /required/);
  assert.throws(() => parseGenhashArgs(['-s', 'x', '-p', '1', '-u', '/', '-P', '2']), /bad protocol/);
});

test('DNS query and reply validation', () => {
  const q = buildQuery(0x1234, 'A', 'www.example.test');
  const reply = (over: Partial<dnsPacket.Packet>): Buffer => dnsPacket.encode({
    type: 'response', id: 0x1234, flags: 0, questions: [{ type: 'A', name: 'www.example.test', class: 'IN' }], ...over });
  assert.equal(dnsPacket.decode(q).questions?.[0]?.name, 'www.example.test');
  assert.equal(replyProblem(reply({}), 0x1234, 'A', 'www.example.test'), undefined);
  assert.match(replyProblem(reply({ id: 1 }), 0x1234, 'A', 'www.example.test')!, /id/);
  assert.match(replyProblem(reply({ flags: 3 }), 0x1234, 'A', 'www.example.test')!, /rcode 3/);
  assert.match(replyProblem(reply({}), 0x1234, 'AAAA', 'www.example.test')!, /question/);
  assert.match(replyProblem(Buffer.from([1, 2, 3]), 0x1234, 'A', 'x')!, /undecodable/);
  assert.equal(replyProblem(dnsPacket.encode({ type: 'response', id: 7, questions: [{ type: 'SOA', name: '.', class: 'IN' }] }), 7, 'SOA', '.'), undefined);
});

test('ICMP echo helpers', () => {
  const req = echoRequest(false, 0x4242, 7);
  assert.equal(icmpChecksum(req), 0, 'checksum over a packet with its checksum is 0');
  const ip = Buffer.alloc(20); ip[0] = 0x45;
  const reply = Buffer.from(req); reply[0] = 0;
  assert.deepEqual(parseEchoReply(false, Buffer.concat([ip, reply])), { id: 0x4242, seq: 7 });
  assert.equal(parseEchoReply(false, Buffer.concat([ip, req])), undefined, 'requests are not replies');
  const r6 = echoRequest(true, 1, 2); r6[0] = 129;
  assert.deepEqual(parseEchoReply(true, r6), { id: 1, seq: 2 });
  assert.equal(parseEchoReply(false, Buffer.alloc(3)), undefined);
  assert.equal(expandV6('fd00::2').toString('hex'), 'fd000000000000000000000000000002');
  assert.equal(expandV6('fd00:1:2:3:4:5:6:7').toString('hex'), 'fd000001000200030004000500060007');
});

test('lvs_notify_fifo lines and names', () => {
  assert.equal(vsFifoLine('[192.168.201.15]:tcp:80', true), 'VS [192.168.201.15]:tcp:80 UP\n');
  assert.equal(rsFifoLine('1.2.3.4', 'tcp', 80, '[192.168.201.15]:tcp:80', false), 'RS [1.2.3.4]:tcp:80 [192.168.201.15]:tcp:80 DOWN\n');
  assert.equal(vsName({ fwmark: 3, realServers: [] }), 'FWM 3');
  assert.equal(vsName({ vip: '203.0.113.1', port: 53, protocol: 'UDP', realServers: [] }), '[203.0.113.1]:udp:53');
});

test('service state: inhibited servers stay at weight 0, sorry server replaces the pool on quorum loss', () => {
  const spec: VirtualServerSpec = { vip: '203.0.113.10', port: 80, lbAlgo: 'rr', sorryServer: { ip: '198.51.100.20' },
    realServers: [{ ...rs, inhibitOnFailure: true }, { ...rs, ip: '198.51.100.12' }] };
  const v = (quorumUp: boolean, up: boolean[]): VirtualServerRuntime => ({ spec, name: 'x', endpoint: 'x', quorumUp,
    servers: spec.realServers.map((r, i) => ({ spec: r, up: up[i]!, weight: 1, checkers: [] })) });
  assert.deepEqual(serviceState(v(true, [false, true])).backends, [{ ip: '198.51.100.11', port: 80, weight: 0 }, { ip: '198.51.100.12', port: 80, weight: 1 }]);
  const sorry = serviceState(v(false, [false, false]));
  assert.equal(sorry.usingSorryServer, true);
  assert.deepEqual(sorry.backends, [{ ip: '198.51.100.20', port: 80, weight: 1 }]);
  assert.equal(serviceState(v(false, [false, false])).family, 'inet');
});

test('url regex: match, regex_no_match, options and offsets', () => {
  const body = Buffer.from('status: OK\nload: 3\n');
  assert.equal(regexProblem(body, { path: '/', regex: 'status: OK' }), undefined);
  assert.match(regexProblem(body, { path: '/', regex: 'status: FAIL' })!, /does not match/);
  assert.match(regexProblem(body, { path: '/', regex: 'status: OK', regexNoMatch: true })!, /regex_no_match/);
  assert.equal(regexProblem(body, { path: '/', regex: 'STATUS', regexOptions: ['caseless'] }), undefined);
  assert.equal(regexProblem(body, { path: '/', regex: '^load', regexOptions: ['multiline'] }), undefined);
  assert.match(regexProblem(body, { path: '/', regex: 'status', regexMinOffset: 1 })!, /does not match/);
  assert.match(regexProblem(body, { path: '/', regex: 'load', regexMaxOffset: 5 })!, /does not match/);
  assert.match(regexProblem(body, { path: '/', regex: 'a', regexOptions: ['ungreedy'] })!, /not supported/);
});

test('genhash -v hex dump layout matches keepalived genhash', () => {
  // lines copied from Debian genhash 2.2.7 output
  assert.equal(hexDump(Buffer.from('hello vipd page\n')), '0000  68 65 6c 6c 6f 20 76 69 - 70 64 20 70 61 67 65 0a   hello vipd page.\n');
  const d = hexDump(Buffer.concat([Buffer.alloc(176, 0x41), Buffer.from('5 GMT\r\n\r\n')]));
  assert.ok(d.endsWith('0176  35 20 47 4d 54 0d 0a 0d - 0a                        5 GMT....       \n'), d.slice(-90));
});
