// Map the parsed keepalived.conf model (src/config/model.ts) onto the checker process's input.
// Everything vipd cannot honour becomes a Diagnostic with file:line instead of being dropped.
import { readFileSync } from 'node:fs';
import type { KeepalivedConfig, VirtualServerConfig, RealServerConfig, CheckerConfig } from '../config/model.js';
import type { Diagnostic, SourcePos } from '../config/tree.js';
import { validateForBackend, type BackendName } from '../lb/validate.js';
import { compileUrlRegex } from './http.js';
import type { CheckerSpec, LbAlgo, LbKind, RealServerSpec, VirtualServerSpec, HttpCheckSpec } from './types.js';
import type { CheckerConfigMessage } from './process.js';

export interface CheckerMapping {
  message: CheckerConfigMessage;
  diagnostics: Diagnostic[];
}

const diag = (pos: SourcePos, severity: 'error' | 'warning', message: string): Diagnostic => ({ file: pos.file, line: pos.line, severity, message });

export function checkerConfigFromModel(cfg: KeepalivedConfig, backend: BackendName = 'nftables'): CheckerMapping {
  const diagnostics: Diagnostic[] = [];
  let tls: HttpCheckSpec['tls'];
  if (cfg.ssl) {
    try {
      tls = {
        ca: cfg.ssl.ca ? readFileSync(cfg.ssl.ca, 'utf8') : undefined,
        cert: cfg.ssl.certificate ? readFileSync(cfg.ssl.certificate, 'utf8') : undefined,
        key: cfg.ssl.key ? readFileSync(cfg.ssl.key, 'utf8') : undefined,
        passphrase: cfg.ssl.password,
      };
    } catch (e) {
      diagnostics.push(diag(cfg.ssl, 'error', `SSL: cannot read a certificate/key file: ${(e as Error).message}`));
    }
  }
  const services: VirtualServerSpec[] = [];
  for (const vs of cfg.virtualServers) {
    for (const spec of expandVs(vs, cfg, diagnostics)) {
      const realServers = vs.realServers.map((rs) => mapRs(rs, vs, cfg, tls, diagnostics));
      const full: VirtualServerSpec = { ...spec, realServers };
      for (const d of validateForBackend(full, backend)) diagnostics.push(diag(vs, d.severity, d.message));
      services.push(full);
    }
  }
  // lvs_notify_fifo gets checker events; the global notify_fifo gets every event (VRRP's too)
  const fifos = [cfg.global.lvsNotifyFifo?.path, cfg.global.notifyFifo?.path].filter((p): p is string => !!p);
  return {
    message: { type: 'config', services, notifyFifo: fifos.length > 1 ? fifos : fifos[0], dataPlane: { kind: 'nftables' } },
    diagnostics,
  };
}

function expandVs(vs: VirtualServerConfig, cfg: KeepalivedConfig, out: Diagnostic[]): Array<Omit<VirtualServerSpec, 'realServers'>> {
  if (vs.protocol === 'SCTP') out.push(diag(vs, 'error', 'protocol SCTP is not supported by the nftables backend (TCP or UDP)'));
  if (vs.persistenceGranularity) out.push(diag(vs, 'error', 'persistence_granularity is not supported by the nftables backend'));
  if (vs.persistenceEngine) out.push(diag(vs, 'error', 'persistence_engine is not supported by the nftables backend'));
  if (vs.haSuspend) out.push(diag(vs, 'warning', 'ha_suspend is ignored: vipd checks real servers whether or not the VIP is present'));
  if (vs.schedFlags.length) out.push(diag(vs, 'warning', `scheduler flags ${vs.schedFlags.join(' ')} are ignored by the nftables backend`));
  const base: Omit<VirtualServerSpec, 'realServers'> = {
    protocol: vs.protocol === 'UDP' ? 'UDP' : 'TCP',
    lbAlgo: vs.lvsSched as LbAlgo,
    lbKind: vs.lvsMethod as LbKind,
    persistenceTimeout: vs.persistenceTimeout,
    quorum: vs.quorum, hysteresis: vs.hysteresis,
    quorumUp: vs.quorumUp?.cmd, quorumDown: vs.quorumDown?.cmd,
    sorryServer: vs.sorryServer ? { ip: vs.sorryServer.addr, port: vs.sorryServer.port || undefined } : undefined,
    sorryServerInhibit: vs.sorryServerInhibit,
    delayLoop: vs.delayLoop, connectTimeout: vs.connectTimeout, retry: vs.retry, delayBeforeRetry: vs.delayBeforeRetry,
    warmup: vs.warmup, alpha: vs.alpha, omega: vs.omega, inhibitOnFailure: vs.inhibitOnFailure, virtualhost: vs.virtualhost,
  };
  if (vs.kind === 'ip') return [{ ...base, vip: vs.addr, port: vs.port, family: vs.family === 6 ? 'inet6' : 'inet' }];
  if (vs.kind === 'fwmark') return [{ ...base, fwmark: vs.fwmark, family: vs.family === 6 ? 'inet6' : 'inet' }];
  const group = vs.group ? cfg.virtualServerGroups.get(vs.group) : undefined;
  if (!group) { out.push(diag(vs, 'error', `virtual_server_group ${vs.group ?? '?'} is not defined`)); return []; }
  // one service for the whole group: its entries share one pool and one set of checks, as in keepalived
  const matches: NonNullable<VirtualServerSpec['matches']> = [];
  let family: 'inet' | 'inet6' | undefined;
  for (const e of group.entries) {
    if (e.kind === 'fwmark') { matches.push({ fwmark: e.fwmark }); continue; }
    family ??= e.family === 6 ? 'inet6' : 'inet';
    const full = e.family === 6 ? 128 : 32;
    matches.push({ vip: e.addr, port: e.port ?? vs.port,
      ...(e.kind === 'range' ? { vipEnd: e.rangeEnd } : {}),
      ...(e.prefix !== undefined && e.prefix !== full ? { prefix: e.prefix } : {}) });
  }
  if (!matches.length) { out.push(diag(group, 'error', `virtual_server_group ${group.name} has no entries`)); return []; }
  return [{ ...base, name: `[${group.name}]:${(vs.protocol === 'UDP' ? 'udp' : 'tcp')}:${vs.port ?? 0}`, family: family ?? 'inet', matches }];
}

function mapRs(rs: RealServerConfig, vs: VirtualServerConfig, cfg: KeepalivedConfig, tls: HttpCheckSpec['tls'], out: Diagnostic[]): RealServerSpec {
  if (rs.lvsMethod && rs.lvsMethod !== vs.lvsMethod) out.push(diag(rs, 'error', `per-real-server lvs_method ${rs.lvsMethod} differs from the virtual server's; not supported by the nftables backend`));
  if (rs.uthreshold !== undefined || rs.lthreshold !== undefined) out.push(diag(rs, 'warning', 'uthreshold/lthreshold are ignored (nftables does not count connections)'));
  const checkers: CheckerSpec[] = [];
  for (const c of rs.checkers) {
    const m = mapChecker(c, cfg, tls, out);
    if (m) checkers.push(m);
  }
  return {
    ip: rs.addr, port: rs.port, weight: rs.weight, inhibitOnFailure: rs.inhibitOnFailure,
    notifyUp: rs.notifyUp?.cmd, notifyDown: rs.notifyDown?.cmd, alpha: rs.alpha, retry: rs.retry,
    delayBeforeRetry: rs.delayBeforeRetry, warmup: rs.warmup, delayLoop: rs.delayLoop, connectTimeout: rs.connectTimeout,
    virtualhost: rs.virtualhost, checkers,
  };
}

function mapChecker(c: CheckerConfig, cfg: KeepalivedConfig, tls: HttpCheckSpec['tls'], out: Diagnostic[]): CheckerSpec | undefined {
  if (c.bindIf) out.push(diag(c, 'error', `${c.kind}: bind_if is not supported by vipd's checkers`));
  if (c.fwmark !== undefined) out.push(diag(c, 'error', `${c.kind}: fwmark on checker traffic is not supported by vipd's checkers`));
  const common = {
    connectIp: c.connectIp, connectPort: c.connectPort, bindto: c.bindto, bindPort: c.bindPort,
    connectTimeout: c.connectTimeout, retry: c.retry, delayBeforeRetry: c.delayBeforeRetry, warmup: c.warmup,
    delayLoop: c.delayLoop, alpha: c.alpha,
  };
  switch (c.kind) {
    case 'TCP_CHECK': case 'PING_CHECK': return { ...common, kind: c.kind };
    case 'HTTP_GET': case 'SSL_GET':
      for (const u of c.urls) {
        if (!u.regex) continue;
        try { compileUrlRegex(u.regex, u.regexOptions); } catch (e) {
          out.push(diag(u, 'error', `url regex: ${(e as Error).message} (vipd uses JavaScript regular expressions, not PCRE2)`));
        }
      }
      return { ...common, kind: c.kind, httpProtocol: c.httpProtocol, virtualhost: c.virtualhost, enableSni: c.enableSni, sniName: c.sniName, tls,
        urls: c.urls.map((u) => ({ path: u.path ?? '/', digest: u.digest, statusCodes: u.statusCodes, virtualhost: u.virtualhost,
          ...(u.regex ? { regex: u.regex, regexNoMatch: u.regexNoMatch, regexOptions: u.regexOptions } : {}) })) };
    case 'SMTP_CHECK': return { ...common, kind: c.kind, heloName: c.heloName };
    case 'DNS_CHECK': return { ...common, kind: c.kind, type: c.type, name: c.name };
    case 'UDP_CHECK': return { ...common, kind: c.kind, payload: c.payload,
      requireReply: c.requireReply !== undefined, requireReplyHex: typeof c.requireReply === 'string' ? c.requireReply : undefined,
      minReplyLength: c.minReplyLength, maxReplyLength: c.maxReplyLength };
    case 'MISC_CHECK':
      if (!c.miscPath) { out.push(diag(c, 'error', 'MISC_CHECK needs misc_path')); return undefined; }
      if (c.user) out.push(diag(c, 'warning', 'MISC_CHECK user is ignored: scripts run as the checker process user'));
      return { ...common, kind: c.kind, miscPath: c.miscPath.cmd, miscTimeout: c.miscTimeout, miscDynamic: c.miscDynamic };
    case 'FILE_CHECK': {
      const tf = c.trackFile ? cfg.trackFiles.get(c.trackFile) : undefined;
      if (!tf?.path) { out.push(diag(c, 'error', `FILE_CHECK track_file ${c.trackFile ?? '(missing)'} is not a defined track_file with a file`)); return undefined; }
      return { ...common, kind: c.kind, trackFile: tf.path, weight: c.weight ?? tf.weight, reverse: c.reverse ?? tf.weightReverse };
    }
    case 'BFD_CHECK':
      out.push(diag(c, 'error', 'BFD_CHECK is not supported by vipd'));
      return undefined;
  }
}
