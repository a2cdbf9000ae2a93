// nftables data plane: everything lives in one table owned by vipd (default `inet vipd`), and
// every change is a single `nft -f -` transaction that creates, flushes-by-deletion and rebuilds the
// whole table, so the kernel switches from the old ruleset to the new one atomically (the
// approach of kube-proxy's nftables mode). Persistence maps and numgen counters therefore restart
// on each change; existing connections keep their conntrack NAT binding.
//
// Layout per service i:
//   nat prerouting/output:   <match VIP:port or fwmark> jump vs<i>
//   chain vs<i>:             [persistence lookup] ; numgen|jhash mod N vmap { slot : jump vs<i>_b<j> }
//   chain vs<i>_b<j>:        [persistence update] ; dnat to backend j
//   filter input/forward:    services with no backend → reject (IPVS answers ICMP port unreachable)
import { execFile } from 'node:child_process';
import { isIPv6 } from 'node:net';
import { contiguousSlots, interleavedSlots, slotWeights } from './slots.js';
import { validateForBackend } from './validate.js';
import type { BackendState, DataPlane, ServiceState } from './types.js';

export interface NftOptions {
  family?: 'inet'; // inet covers IPv4 and IPv6 services in one table
  table?: string; // d: vipd
  /** command prefix, d: ['nft']; tests may use ['ip', 'netns', 'exec', NS, 'nft'] */
  command?: string[];
  keepOnRemove?: boolean; // leave the table in place at remove() (keepalived -I)
  hashSeed?: number; // jhash seed, d: fixed so that sh keeps its mapping across restarts
}

function matchService(s: ServiceState): string {
  const l4 = s.protocol === 'UDP' ? 'udp' : 'tcp';
  if (s.fwmark !== undefined) return `meta mark ${s.fwmark}`;
  const fam = s.family === 'inet6' ? 'ip6' : 'ip';
  return `${fam} daddr ${s.vip} ${l4} dport ${s.port}`;
}

function dnatTarget(s: ServiceState, b: BackendState): string {
  const fam = isIPv6(b.ip) ? 'ip6' : 'ip';
  const addr = isIPv6(b.ip) ? `[${b.ip}]` : b.ip;
  if (!b.port) return `dnat ${fam} to ${isIPv6(b.ip) ? b.ip : addr}`;
  return `meta l4proto ${s.protocol === 'UDP' ? 'udp' : 'tcp'} dnat ${fam} to ${addr}:${b.port}`;
}

/** Render the complete transaction that replaces the table with `services`. Pure. */
export function renderRuleset(services: ServiceState[], opts: NftOptions = {}): string {
  const table = `${opts.family ?? 'inet'} ${opts.table ?? 'vipd'}`;
  const seed = opts.hashSeed ?? 0x76697064; // "vipd"
  const dispatch: string[] = [];
  const rejects: string[] = [];
  const body: string[] = [];
  services.forEach((s, i) => {
    const vs = `vs${i}`;
    const live = s.backends.filter((b) => b.weight > 0);
    if (live.length === 0) {
      rejects.push(`    ${matchService(s)} reject with icmpx port-unreachable comment "${s.name.replace(/"/g, "'")} has no backend"`);
      return;
    }
    dispatch.push(`    ${matchService(s)} jump ${vs}`);
    const v6 = s.family === 'inet6';
    const withPorts = live.every((b) => b.port > 0);
    const persist = s.persistenceTimeout !== undefined && s.persistenceTimeout > 0;
    const saddr = v6 ? 'ip6 saddr' : 'ip saddr';
    if (persist) {
      const addrType = v6 ? 'ipv6_addr' : 'ipv4_addr';
      body.push(`  map ${vs}_persist {`,
        `    type ${addrType} : ${addrType}${withPorts ? ' . inet_service' : ''}; flags dynamic, timeout; timeout ${Math.round(s.persistenceTimeout!)}s;`,
        '  }');
    }
    const weights = slotWeights(live.map((b) => (s.lbAlgo === 'rr' ? 1 : b.weight)));
    const hashing = s.lbAlgo === 'sh' || s.lbAlgo === 'mh';
    const slots = hashing ? contiguousSlots(weights) : interleavedSlots(weights);
    const selector = hashing ? `jhash ${saddr} mod ${slots.length} seed 0x${seed.toString(16)}` : `numgen inc mod ${slots.length}`;
    const vmap = slots.map((b, k) => `${k} : jump ${vs}_b${b}`).join(', ');
    const rules: string[] = [];
    if (persist) {
      const l4 = s.protocol === 'UDP' ? 'udp' : 'tcp';
      const fam = v6 ? 'ip6' : 'ip';
      rules.push(withPorts
        ? `    meta l4proto ${l4} ${saddr} @${vs}_persist dnat ${fam} addr . port to ${saddr} map @${vs}_persist`
        : `    ${saddr} @${vs}_persist dnat ${fam} to ${saddr} map @${vs}_persist`);
    }
    rules.push(`    ${selector} vmap { ${vmap} }`);
    body.push(`  chain ${vs} {`, ...rules, '  }');
    live.forEach((b, j) => {
      const r: string[] = [];
      if (persist) {
        const addr = isIPv6(b.ip) ? b.ip : b.ip;
        r.push(`    update @${vs}_persist { ${saddr} : ${addr}${withPorts ? ` . ${b.port}` : ''} }`);
      }
      r.push(`    ${dnatTarget(s, b)}`);
      body.push(`  chain ${vs}_b${j} {`, ...r, '  }');
    });
  });
  return [
    `add table ${table}`,
    `delete table ${table}`,
    `table ${table} {`,
    '  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;', ...dispatch, '  }',
    '  chain output {', '    type nat hook output priority -100; policy accept;', ...dispatch, '  }',
    '  chain input {', '    type filter hook input priority filter; policy accept;', ...rejects, '  }',
    '  chain forward {', '    type filter hook forward priority filter; policy accept;', ...rejects, '  }',
    ...body,
    '}',
    '',
  ].join('\n');
}

export function runNft(command: string[], script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = command;
    const child = execFile(cmd!, [...args, '-f', '-'], { timeout: 30_000, maxBuffer: 4 << 20 }, (err, _out, stderr) => {
      if (err) reject(new Error(`nft failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
    child.stdin?.end(script);
  });
}

export class NftDataPlane implements DataPlane {
  applied = 0;
  lastRuleset = '';
  constructor(readonly opts: NftOptions = {}) {}

  async apply(services: ServiceState[]): Promise<void> {
    const problems = services.flatMap((s) => validateForBackend(s, 'nftables')).filter((d) => d.severity === 'error');
    if (problems.length) throw new Error(problems.map((p) => `${p.service}: ${p.message}`).join('; '));
    const script = renderRuleset(services, this.opts);
    await runNft(this.opts.command ?? ['nft'], script);
    this.lastRuleset = script;
    this.applied++;
  }

  async remove(): Promise<void> {
    if (this.opts.keepOnRemove) return;
    const table = `${this.opts.family ?? 'inet'} ${this.opts.table ?? 'vipd'}`;
    await runNft(this.opts.command ?? ['nft'], `add table ${table}\ndelete table ${table}\n`);
  }
}
