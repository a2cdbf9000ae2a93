// Which keepalived virtual_server features each data-plane backend can express. Unsupported
// choices are configuration errors that name the backend, never silent approximations.
import type { BackendDiagnostic, ServiceState } from './types.js';
import { isIP } from 'node:net';
import type { VirtualServerSpec } from '../check/types.js';

export type BackendName = 'nftables' | 'ipvs';

export const NFT_ALGOS = ['rr', 'wrr', 'sh', 'mh'] as const;
export const NFT_KINDS = ['NAT', 'DR'] as const;
/** DR runs before conntrack: only schedulers that are a function of the packet itself. */
export const NFT_DR_ALGOS = ['sh', 'mh'] as const;

type Validatable = Pick<ServiceState, 'lbAlgo' | 'lbKind' | 'protocol'> & { name?: string; vip?: string; port?: number; fwmark?: number; persistenceTimeout?: number;
  backends?: ServiceState['backends']; sorryServer?: VirtualServerSpec['sorryServer']; matches?: ServiceState['matches'] };

export function validateForBackend(spec: Validatable | VirtualServerSpec, backend: BackendName = 'nftables'): BackendDiagnostic[] {
  const name = spec.name ?? (spec.fwmark !== undefined ? `fwmark ${spec.fwmark}` : `${spec.vip ?? '?'} ${spec.port ?? ''}`.trim());
  const out: BackendDiagnostic[] = [];
  const err = (message: string): void => { out.push({ severity: 'error', service: name, message }); };
  const algo = spec.lbAlgo ?? 'wlc';
  const kind = spec.lbKind ?? 'NAT';
  const proto = spec.protocol ?? 'TCP';
  const entries = spec.matches?.length ? spec.matches : [{ vip: spec.vip, port: spec.port, fwmark: spec.fwmark }];
  if (backend === 'nftables') {
    if (!(NFT_ALGOS as readonly string[]).includes(algo)) {
      err(`lb_algo ${algo} is not supported by the nftables backend (supported: ${NFT_ALGOS.join(', ')}); ` +
        `connection-counting schedulers need IPVS${spec.lbAlgo === undefined ? "; keepalived's default is wlc, set lb_algo explicitly" : ''}`);
    }
    if (!(NFT_KINDS as readonly string[]).includes(kind)) err(`lb_kind ${kind} is not supported by the nftables backend (supported: ${NFT_KINDS.join(', ')})`);
    if (kind === 'DR') {
      if ((NFT_ALGOS as readonly string[]).includes(algo) && !(NFT_DR_ALGOS as readonly string[]).includes(algo)) {
        err(`lb_kind DR with lb_algo ${algo} is not supported by the nftables backend: DR forwards before connection tracking, so only sh and mh (source hashing) keep a connection on one server`);
      }
      if (spec.persistenceTimeout !== undefined) {
        out.push({ severity: 'warning', service: name, message: 'persistence_timeout is not applied with lb_kind DR on the nftables backend: source hashing keeps a client on one server while the pool is unchanged' });
      }
      if (entries.some((m) => m.fwmark !== undefined)) err('lb_kind DR with a fwmark service is not supported by the nftables backend (marks are set after the ingress hook DR uses)');
    }
    if (proto !== 'TCP' && proto !== 'UDP') err(`protocol ${String(proto)} is not supported by the nftables backend (TCP or UDP)`);
    for (const m of entries) {
      if (m.fwmark === undefined && (!m.vip || !m.port)) err('a virtual server needs an address and a port, or a fwmark');
    }
    if (spec.persistenceTimeout !== undefined && !(spec.persistenceTimeout > 0)) err('persistence_timeout must be a positive number of seconds');
    // everything below ends up inside an nft script: only well-formed values may get there
    let vipFamily = 0;
    for (const m of entries) {
      const fam = m.vip !== undefined ? isIP(m.vip) : 0;
      if (m.vip !== undefined && !fam) err(`virtual server address ${JSON.stringify(m.vip)} is not an IP address`);
      if (m.vipEnd !== undefined && isIP(m.vipEnd) !== fam) err(`address range end ${JSON.stringify(m.vipEnd)} is not an IPv${fam} address`);
      if (m.prefix !== undefined && !(Number.isInteger(m.prefix) && m.prefix >= 0 && m.prefix <= (fam === 6 ? 128 : 32))) err(`prefix /${String(m.prefix)} is out of range`);
      if (fam && vipFamily && fam !== vipFamily) err('a virtual_server_group mixes IPv4 and IPv6 addresses');
      vipFamily ||= fam;
      if (m.port !== undefined && !(Number.isInteger(m.port) && m.port >= 0 && m.port <= 65535)) err(`port ${String(m.port)} is not 0..65535`);
      if (m.fwmark !== undefined && !(Number.isInteger(m.fwmark) && m.fwmark > 0 && m.fwmark <= 0xffffffff)) err(`fwmark ${String(m.fwmark)} is not 1..4294967295`);
    }
    const servers = [
      ...('realServers' in spec ? spec.realServers.map((r) => ({ ip: r.ip, port: r.port, what: 'real server' })) : []),
      ...('backends' in spec && spec.backends ? spec.backends : []).map((b) => ({ ip: b.ip, port: b.port, what: 'real server' })),
      ...(spec.sorryServer ? [{ ip: spec.sorryServer.ip, port: spec.sorryServer.port ?? 0, what: 'sorry server' }] : []),
    ];
    for (const r of servers) {
      const fam = isIP(r.ip);
      if (!fam) { err(`${r.what} address ${JSON.stringify(r.ip)} is not an IP address`); continue; }
      if (!(Number.isInteger(r.port) && r.port >= 0 && r.port <= 65535)) err(`${r.what} ${r.ip} port ${String(r.port)} is not 0..65535`);
      if (vipFamily && fam !== vipFamily) err(`${r.what} ${r.ip} is IPv${fam} but the virtual server is IPv${vipFamily}: the nftables backend cannot translate between families`);
    }
  } else {
    err('the IPVS backend is an untested stub: this kernel has no IPVS (no /proc/net/ip_vs); use the nftables backend');
  }
  return out;
}
