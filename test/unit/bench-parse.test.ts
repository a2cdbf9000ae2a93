// Parsers of the bench observers' output: ip monitor, tcpdump, /proc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIpTimestamp, parseAddrMonitorLine, parseTcpdumpVrrpLine, parseProcStat, parseVmRssKiB } from '../../bench/lib/parse.js';

test('ip -ts stamps are local time with microseconds', () => {
  const base = new Date(2026, 10, 26, 9, 51, 35).getTime();
  assert.equal(parseIpTimestamp('2026-11-26T09:51:35.526684'), base + 526.684);
  assert.equal(parseIpTimestamp('2026-11-26T09:51:35'), base);
  assert.ok(Number.isNaN(parseIpTimestamp('yesterday')));
});

test('ip -o -ts monitor address: additions and deletions, v4 and v6, other lines ignored', () => {
  const add = parseAddrMonitorLine('[2026-11-26T09:51:35.526684] 3: eth0    inet 192.0.2.100/24 scope global secondary eth0\\       valid_lft forever preferred_lft forever');
  assert.deepEqual({ ...add, t: undefined }, { t: undefined, deleted: false, ifname: 'eth0', family: 4, addr: '192.0.2.100' });
  const del = parseAddrMonitorLine('[2026-11-26T09:51:35.539087] Deleted 1: lo    inet6 FD00::1/128 scope global \\       valid_lft forever');
  assert.equal(del?.deleted, true);
  assert.equal(del?.family, 6);
  assert.equal(del?.addr, 'fd00::1');
  assert.equal(parseAddrMonitorLine('[2026-11-26T09:51:35.5] 3: eth0: <BROADCAST,UP> mtu 1500'), undefined);
  assert.equal(parseAddrMonitorLine('garbage'), undefined);
});

test('tcpdump -tt VRRP lines: time, source, version, VRID, priority', () => {
  const e = parseTcpdumpVrrpLine('1764150695.123456 IP 192.0.2.1 > 224.0.0.18: VRRPv2, Advertisement, vrid 51, prio 150, authtype none, intvl 1s, length 20');
  assert.deepEqual(e, { t: 1764150695123.456, src: '192.0.2.1', version: 2, vrid: 51, prio: 150 });
  assert.ok(Math.abs(e!.t - 1764150695123.456) < 1e-3);
  const v6 = parseTcpdumpVrrpLine('1764150695.5 IP6 fe80::1 > ff02::12: VRRPv3, Advertisement, vrid 7, prio 0, intvl 10cs, length 24');
  assert.equal(v6?.prio, 0);
  assert.equal(v6?.src, 'fe80::1');
  assert.equal(parseTcpdumpVrrpLine('1764150695.5 IP 192.0.2.1 > 192.0.2.2: ICMP echo request'), undefined);
});

test('/proc/PID/stat: fields after the last parenthesis, even with spaces and parens in comm', () => {
  const fields = ['S', '42', '1', '1', '0', '-1', '4194560', '100', '0', '0', '0', '250', '30', '7', '3', '20', '0', '1', '0'];
  const st = parseProcStat(`1234 (node (vrrp) x) ${fields.join(' ')}`);
  assert.deepEqual(st, { ppid: 42, ticks: 280, childTicks: 10 });
  assert.equal(parseProcStat('1234 no parens'), undefined);
  assert.equal(parseProcStat('1234 (x) S'), undefined, 'truncated stat');
});

test('VmRSS from /proc/PID/status; a zombie has none', () => {
  assert.equal(parseVmRssKiB('Name:\tnode\nVmPeak:\t 1 kB\nVmRSS:\t  55312 kB\n'), 55312);
  assert.equal(parseVmRssKiB('Name:\tnode\nState:\tZ (zombie)\n'), 0);
});
