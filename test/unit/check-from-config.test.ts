// Mapping of the config model onto the checker input: values carried over, and every feature the
// nftables backend/checkers cannot honour reported with file:line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkerConfigFromModel } from '../../src/check/from-config.js';
import type { KeepalivedConfig, VirtualServerConfig, RealServerConfig } from '../../src/config/model.js';

const pos = { file: 'k.conf', line: 10 };
function rsc(extra: Partial<RealServerConfig> = {}): RealServerConfig {
  return { ...pos, line: 12, addr: '198.51.100.11', port: 80, family: 4, weight: 2, checkers: [
    { ...pos, line: 13, kind: 'HTTP_GET', urls: [{ ...pos, line: 14, path: '/health', digest: 'ab', statusCodes: [[200, 204]], regexNoMatch: false, regexOptions: [] }],
      fastRecovery: false, enableSni: false, tlsCompliant: false, connectTimeout: 2 },
    { ...pos, line: 16, kind: 'MISC_CHECK', miscPath: { ...pos, cmd: '/bin/check "a b"', argv: ['/bin/check', 'a b'] }, miscDynamic: true },
    { ...pos, line: 17, kind: 'FILE_CHECK', trackFile: 'tf' },
  ], notifyUp: { ...pos, cmd: '/bin/up', argv: ['/bin/up'] }, ...extra };
}
function vsc(extra: Partial<VirtualServerConfig> = {}): VirtualServerConfig {
  return { ...pos, kind: 'ip', addr: '203.0.113.10', port: 80, family: 4, protocol: 'TCP', lvsSched: 'wrr', lvsMethod: 'NAT', lvsMethodOptions: [],
    schedFlags: [], delayLoop: 6, alpha: false, omega: true, haSuspend: false, inhibitOnFailure: false, quorum: 2, hysteresis: 1,
    sorryServer: { ...pos, addr: '198.51.100.99', port: 8080 }, sorryServerInhibit: false, realServers: [rsc()], ...extra };
}
function model(vs: VirtualServerConfig[]): KeepalivedConfig {
  return { virtualServers: vs, virtualServerGroups: new Map(), global: { lvsNotifyFifo: { ...pos, path: '/run/lvs.fifo' } },
    trackFiles: new Map([['tf', { ...pos, name: 'tf', path: '/run/weight', weight: 3, weightReverse: true }]]) } as unknown as KeepalivedConfig;
}

test('values are carried over', () => {
  const { message, diagnostics } = checkerConfigFromModel(model([vsc()]));
  assert.deepEqual(diagnostics, []);
  assert.equal(message.notifyFifo, '/run/lvs.fifo');
  const both = model([vsc()]);
  (both.global as { notifyFifo?: unknown }).notifyFifo = { ...pos, path: '/run/all.fifo' };
  assert.deepEqual(checkerConfigFromModel(both).message.notifyFifo, ['/run/lvs.fifo', '/run/all.fifo']);
  const vs = message.services[0]!;
  assert.deepEqual([vs.vip, vs.port, vs.family, vs.lbAlgo, vs.lbKind, vs.quorum, vs.hysteresis, vs.delayLoop, vs.omega],
    ['203.0.113.10', 80, 'inet', 'wrr', 'NAT', 2, 1, 6, true]);
  assert.deepEqual(vs.sorryServer, { ip: '198.51.100.99', port: 8080 });
  const rs = vs.realServers[0]!;
  assert.equal(rs.weight, 2); assert.equal(rs.notifyUp, '/bin/up');
  assert.deepEqual(rs.checkers[0], { kind: 'HTTP_GET', connectTimeout: 2, connectIp: undefined, connectPort: undefined, bindto: undefined, bindPort: undefined,
    retry: undefined, delayBeforeRetry: undefined, warmup: undefined, delayLoop: undefined, alpha: undefined, httpProtocol: undefined, virtualhost: undefined,
    enableSni: false, sniName: undefined, tls: undefined, urls: [{ path: '/health', digest: 'ab', statusCodes: [[200, 204]], virtualhost: undefined }] });
  assert.equal((rs.checkers[1] as { miscPath: string }).miscPath, '/bin/check "a b"');
  assert.deepEqual([(rs.checkers[2] as { trackFile: string }).trackFile, (rs.checkers[2] as { weight: number }).weight, (rs.checkers[2] as { reverse: boolean }).reverse], ['/run/weight', 3, true]);
});

test('unsupported features are errors with file:line', () => {
  const { diagnostics } = checkerConfigFromModel(model([vsc({ lvsSched: 'lc', lvsMethod: 'TUN', protocol: 'SCTP', realServers: [rsc({ checkers: [
    { ...pos, line: 30, kind: 'BFD_CHECK', name: 'b' },
    { ...pos, line: 31, kind: 'HTTP_GET', urls: [{ ...pos, line: 32, path: '/', regex: 'ok(', regexNoMatch: false, regexOptions: [] },
      { ...pos, line: 33, path: '/', regex: 'ok', regexNoMatch: false, regexOptions: ['ungreedy'] }], fastRecovery: false, enableSni: false, tlsCompliant: false },
  ] })] })]));
  const msgs = diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`);
  assert.ok(msgs.some((m) => /^k\.conf:10: lb_algo lc is not supported by the nftables backend/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^k\.conf:10: lb_kind TUN is not supported/.test(m)));
  assert.ok(msgs.some((m) => /^k\.conf:10: protocol SCTP/.test(m)));
  assert.ok(msgs.some((m) => /^k\.conf:30: BFD_CHECK is not supported/.test(m)));
  assert.ok(msgs.some((m) => /^k\.conf:32: url regex: Invalid regular expression/.test(m)), msgs.join('\n'));
  assert.ok(msgs.some((m) => /^k\.conf:33: url regex: regex option ungreedy is not supported/.test(m)));
  assert.ok(diagnostics.every((d) => d.severity === 'error'));
});

test('virtual_server_group: one service matching every entry (addresses, ranges, fwmarks)', () => {
  const cfg = model([vsc({ kind: 'group', group: 'G', addr: undefined, port: undefined })]);
  cfg.virtualServerGroups.set('G', { ...pos, name: 'G', entries: [
    { ...pos, line: 3, kind: 'ip', addr: '203.0.113.20', port: 443, family: 4 },
    { ...pos, line: 4, kind: 'fwmark', fwmark: 9, family: 4 },
    { ...pos, line: 5, kind: 'range', addr: '203.0.113.30', rangeEnd: '203.0.113.35', port: 80, family: 4 },
  ] });
  const { message, diagnostics } = checkerConfigFromModel(cfg);
  assert.deepEqual(diagnostics, []);
  assert.equal(message.services.length, 1, 'one pool, one set of checks for the group');
  assert.equal(message.services[0]!.name, '[G]:tcp:0');
  assert.deepEqual(message.services[0]!.matches, [{ vip: '203.0.113.20', port: 443 }, { fwmark: 9 }, { vip: '203.0.113.30', vipEnd: '203.0.113.35', port: 80 }]);
});
