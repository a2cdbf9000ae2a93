// nftables data plane: everything lives in one table owned by vipd (default `inet vipd`), and
// every change is a single `nft -f -` transaction, so the kernel switches from the old ruleset to
// the new one atomically (the approach of kube-proxy's nftables mode). The first apply deletes
// and recreates the table; later ones flush its rules and re-add them, delete the chains and maps
// that went away, and delete only the persistence entries that point at servers that left the
// pool, so clients stay pinned across unrelated changes (as IPVS persistence templates do).
// Existing connections always keep their conntrack NAT binding.
//
// Layout per service (S = stable name derived from how the service is reached):
//   nat prerouting/output:   <match VIP:port or fwmark> jump S
//   chain S:                 dnat to numgen|jhash mod N map { slot : addr . port }
//   with persistence_timeout: chain S:  persistence lookup ; numgen|jhash mod N vmap { slot : jump S_b<j> }
//                             chain S_b<j>: persistence update ; dnat to backend j
//   filter input/forward:    services with no backend → reject (IPVS answers ICMP port unreachable)
//
// lb_kind DR lives in a second table, `netdev vipd`: an ingress hook on the device facing the
// real servers rewrites nothing in the IP header and hands the frame to the chosen real server's
// MAC address with `fwd ip to <rs> device <dev>` (the kernel resolves the neighbour), which is
// what IPVS direct routing does. Ingress runs before conntrack, so the choice must be a pure
// function of the packet: only the hashing schedulers (sh, mh → jhash of the source address) are
// offered for DR; rr/wrr would split one connection's packets across servers.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { contiguousSlots, interleavedSlots, maglevSlots, slotWeights } from './slots.js';
import { validateForBackend } from './validate.js';
import type { BackendState, DataPlane, ServiceMatch, ServiceState } from './types.js';

export interface NftOptions {
  family?: 'inet'; // inet covers IPv4 and IPv6 services in one table
  table?: string; // d: vipd
  /** command prefix, d: ['nft']; tests may use ['ip', 'netns', 'exec', NS, 'nft'] */
  command?: string[];
  keepOnRemove?: boolean; // leave the table in place at remove() (keepalived -I)
  hashSeed?: number; // jhash seed, d: fixed so that sh keeps its mapping across restarts
  /** DR: the device facing the real servers (d: the device of the route to the first real server) */
  drDevice?: string;
}

/** A chain name that stays the same while the service is reached the same way. */
export function serviceChainName(s: ServiceState): string {
  const how = JSON.stringify([s.matches ?? [{ vip: s.vip, port: s.port, fwmark: s.fwmark }], s.protocol, s.family]);
  return `s_${createHash('sha1').update(how).digest('hex').slice(0, 10)}`;
}

/** What a transaction left in the table: the next one builds on it. */
export interface AppliedState {
  chains: Set<string>; // regular (non-hook) chains
  maps: Map<string, string>; // persistence map → its type
  persistValues: Map<string, Set<string>>; // persistence map → backend values it may hold
}

/** Persistence entries to drop before the transaction: map → client addresses. */
export type StaleEntries = Map<string, string[]>;

/** The match expressions of a service: one per virtual_server_group entry, else its VIP:port/fwmark. */
function matchService(s: ServiceState): string[] {
  const l4 = s.protocol === 'UDP' ? 'udp' : 'tcp';
  const one = (m: ServiceMatch): string => {
    if (m.fwmark !== undefined) return `meta mark ${m.fwmark}`;
    const fam = m.vip && isIPv6(m.vip) ? 'ip6' : 'ip';
    const addr = m.vipEnd ? `${m.vip}-${m.vipEnd}` : m.prefix !== undefined ? `${m.vip}/${m.prefix}` : m.vip;
    return `${fam} daddr ${addr} ${l4} dport ${m.port}`;
  };
  return (s.matches?.length ? s.matches : [{ vip: s.vip, port: s.port, fwmark: s.fwmark }]).map(one);
}

function dnatTarget(s: ServiceState, b: BackendState): string {
  const fam = isIPv6(b.ip) ? 'ip6' : 'ip';
  const addr = isIPv6(b.ip) ? `[${b.ip}]` : b.ip;
  if (!b.port) return `dnat ${fam} to ${isIPv6(b.ip) ? b.ip : addr}`;
  return `meta l4proto ${s.protocol === 'UDP' ? 'udp' : 'tcp'} dnat ${fam} to ${addr}:${b.port}`;
}

/** Render the complete transaction that replaces the table with `services`. Pure. */
/** Render the complete transaction that replaces the table with `services` (full rebuild). Pure. */
export function renderRuleset(services: ServiceState[], opts: NftOptions = {}, drDevices: Map<number, string> = new Map()): string {
  return renderTransaction(services, opts, drDevices).script;
}

/**
 * Render one transaction. Without `prev` the table is deleted and rebuilt; with `prev` (what the
 * last transaction left) rules are flushed and re-added, vanished chains/maps deleted, maps whose
 * type changed recreated, and `stale` persistence entries deleted. Pure.
 */
export function renderTransaction(services: ServiceState[], opts: NftOptions = {}, drDevices: Map<number, string> = new Map(),
  prev?: AppliedState, stale: StaleEntries = new Map()): { script: string; state: AppliedState } {
  const state: AppliedState = { chains: new Set(), maps: new Map(), persistValues: new Map() };
  const table = `${opts.family ?? 'inet'} ${opts.table ?? 'vipd'}`;
  const drTable = `netdev ${opts.table ?? 'vipd'}`;
  const drRules = new Map<string, string[]>(); // device → rules
  const seed = opts.hashSeed ?? 0x76697064; // "vipd"
  const dispatch: string[] = [];
  const rejects: string[] = [];
  const body: string[] = [];
  services.forEach((s, i) => {
    const vs = serviceChainName(s);
    const live = s.backends.filter((b) => b.weight > 0);
    if (s.lbKind === 'DR') {
      if (live.length === 0) return; // the VIP is local: the director's own stack refuses
      const dev = drDevices.get(i) ?? opts.drDevice;
      if (!dev) throw new Error(`${s.name}: no device known for lb_kind DR`);
      const v6 = s.family === 'inet6';
      const weights = slotWeights(live.map((b) => b.weight));
      const slots = s.lbAlgo === 'mh' ? maglevSlots(live.map((b) => `${b.ip}:${b.port}`), weights) : contiguousSlots(weights);
      const map = slots.map((b, k) => `${k} : ${live[b]!.ip}`).join(', ');
      const rules = matchService(s).map((m) => `    ${m} fwd ${v6 ? 'ip6' : 'ip'} to jhash ${v6 ? 'ip6' : 'ip'} saddr mod ${slots.length} seed 0x${seed.toString(16)} map { ${map} } device "${dev}"`);
      drRules.set(dev, [...(drRules.get(dev) ?? []), ...rules]);
      return;
    }
    if (live.length === 0) {
      for (const m of matchService(s)) rejects.push(`    ${m} reject with icmpx port-unreachable comment "${s.name.replace(/["\\]/g, "'").slice(0, 100)} has no backend"`);
      return;
    }
    for (const m of matchService(s)) dispatch.push(`    ${m} jump ${vs}`);
    const v6 = s.family === 'inet6';
    const withPorts = live.every((b) => b.port > 0);
    const persist = s.persistenceTimeout !== undefined && s.persistenceTimeout > 0;
    const saddr = v6 ? 'ip6 saddr' : 'ip saddr';
    if (persist) {
      const addrType = v6 ? 'ipv6_addr' : 'ipv4_addr';
      const type = `${addrType} : ${addrType}${withPorts ? ' . inet_service' : ''}`;
      body.push(`  map ${vs}_persist {`,
        `    type ${type}; flags dynamic, timeout; timeout ${Math.round(s.persistenceTimeout!)}s;`,
        '  }');
      state.maps.set(`${vs}_persist`, type);
      state.persistValues.set(`${vs}_persist`, new Set(live.map((b) => persistValue(b, withPorts))));
    }
    const weights = slotWeights(live.map((b) => (s.lbAlgo === 'rr' ? 1 : b.weight)));
    const hashing = s.lbAlgo === 'sh' || s.lbAlgo === 'mh';
    const slots = s.lbAlgo === 'mh' ? maglevSlots(live.map((b) => `${b.ip}:${b.port}`), weights)
      : hashing ? contiguousSlots(weights) : interleavedSlots(weights);
    const selector = hashing ? `jhash ${saddr} mod ${slots.length} seed 0x${seed.toString(16)}` : `numgen inc mod ${slots.length}`;
    const l4 = s.protocol === 'UDP' ? 'udp' : 'tcp';
    const fam = v6 ? 'ip6' : 'ip';
    const portless = live.every((b) => !b.port);
    if (!persist && (withPorts || portless)) {
      // common case: one rule, the slot picks the address (and port) straight from an inline map;
      // about 3x cheaper for nft than a chain per backend (10k servers: 0.3 s instead of 0.8 s)
      const map = slots.map((b, k) => `${k} : ${live[b]!.ip}${withPorts ? ` . ${live[b]!.port}` : ''}`).join(', ');
      body.push(`  chain ${vs} {`, withPorts
        ? `    meta l4proto ${l4} dnat ${fam} addr . port to ${selector} map { ${map} }`
        : `    dnat ${fam} to ${selector} map { ${map} }`, '  }');
      state.chains.add(vs);
      return;
    }
    // persistence (or mixed port/no-port backends): a chain per backend, so that each can record
    // its own constant in the persistence map before translating
    const vmap = slots.map((b, k) => `${k} : jump ${vs}_b${b}`).join(', ');
    const rules: string[] = [];
    if (persist) {
      rules.push(withPorts
        ? `    meta l4proto ${l4} ${saddr} @${vs}_persist dnat ${fam} addr . port to ${saddr} map @${vs}_persist`
        : `    ${saddr} @${vs}_persist dnat ${fam} to ${saddr} map @${vs}_persist`);
    }
    rules.push(`    ${selector} vmap { ${vmap} }`);
    body.push(`  chain ${vs} {`, ...rules, '  }');
    state.chains.add(vs);
    live.forEach((b, j) => {
      state.chains.add(`${vs}_b${j}`);
      const r: string[] = [];
      if (persist) r.push(`    update @${vs}_persist { ${saddr} : ${b.ip}${withPorts ? ` . ${b.port}` : ''} }`);
      r.push(`    ${dnatTarget(s, b)}`);
      body.push(`  chain ${vs}_b${j} {`, ...r, '  }');
    });
  });
  const head = prev
    ? [
      `add table ${table}`,
      `flush table ${table}`, // rules only: chains, maps and map elements stay
      ...[...prev.chains].filter((c) => !state.chains.has(c)).map((c) => `delete chain ${table} ${c}`),
      ...[...prev.maps].filter(([m, type]) => state.maps.get(m) !== type).map(([m]) => `delete map ${table} ${m}`),
    ]
    : [`add table ${table}`, `delete table ${table}`];
  const tail = [...stale]
    .filter(([m, keys]) => keys.length && prev?.maps.get(m) !== undefined && prev.maps.get(m) === state.maps.get(m))
    .map(([m, keys]) => `delete element ${table} ${m} { ${keys.join(', ')} }`);
  const script = [
    ...head,
    `table ${table} {`,
    '  chain prerouting {', '    type nat hook prerouting priority dstnat; policy accept;', ...dispatch, '  }',
    '  chain output {', '    type nat hook output priority -100; policy accept;', ...dispatch, '  }',
    '  chain input {', '    type filter hook input priority filter; policy accept;', ...rejects, '  }',
    '  chain forward {', '    type filter hook forward priority filter; policy accept;', ...rejects, '  }',
    ...body,
    '}',
    // the DR table is always recreated too (possibly empty → deleted) so that a service that
    // stopped being DR leaves nothing behind
    `add table ${drTable}`,
    `delete table ${drTable}`,
    ...(drRules.size ? [
      `table ${drTable} {`,
      ...[...drRules].flatMap(([dev, rules], k) => [
        `  chain dr${k} {`, `    type filter hook ingress device "${dev}" priority filter; policy accept;`, ...rules, '  }']),
      '}',
    ] : []),
    ...tail,
    '',
  ].join('\n');
  return { script, state };
}

function persistValue(b: BackendState, withPorts: boolean): string {
  return withPorts ? `${b.ip} . ${b.port}` : b.ip;
}

/** Parse `nft list map` output into client → value pairs (value as `ip . port` or `ip`). */
export function parseMapElements(listing: string): Array<{ key: string; value: string }> {
  const m = /elements = \{([^}]*)\}/s.exec(listing);
  if (!m) return [];
  const out: Array<{ key: string; value: string }> = [];
  for (const part of m[1]!.split(',')) {
    // "client [timeout T] [expires E] : addr[ . port]" (the concatenation dot has spaces around it)
    const e = /^\s*([0-9a-fA-F:.]+)(?:\s+timeout\s+\S+)?(?:\s+expires\s+\S+)?\s+:\s+([0-9a-fA-F:.]+)(?:\s+\.\s+(\d+))?\s*$/.exec(part);
    if (e) out.push({ key: e[1]!, value: e[3] ? `${e[2]} . ${e[3]}` : e[2]! });
  }
  return out;
}

/** The device of the route towards `ip` (`ip -j route get`). */
export function routeDevice(ip: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['-j', 'route', 'get', ip], { timeout: 10_000 }, (err, stdout) => {
      if (err) return reject(new Error(`ip route get ${ip}: ${err.message}`));
      try {
        const r = JSON.parse(stdout) as Array<{ dev?: string }>;
        if (!r[0]?.dev) throw new Error('no device');
        resolve(r[0].dev);
      } catch (e) { reject(new Error(`ip route get ${ip}: ${(e as Error).message}`)); }
    });
  });
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
  fullRebuilds = 0;
  private state?: AppliedState;
  constructor(readonly opts: NftOptions = {}) {}

  private get table(): string { return `${this.opts.family ?? 'inet'} ${this.opts.table ?? 'vipd'}`; }

  /** Persistence entries that point at servers no longer in their pool. */
  private async staleEntries(next: AppliedState): Promise<StaleEntries> {
    const stale: StaleEntries = new Map();
    for (const [map, oldValues] of this.state?.persistValues ?? []) {
      const now = next.persistValues.get(map);
      if (!now || next.maps.get(map) !== this.state?.maps.get(map)) continue; // map goes or is recreated anyway
      if (![...oldValues].some((v) => !now.has(v))) continue;
      const listing = await new Promise<string>((resolve, reject) => {
        const [cmd, ...args] = this.opts.command ?? ['nft'];
        execFile(cmd!, [...args, 'list', 'map', ...this.table.split(' '), map], { timeout: 30_000, maxBuffer: 64 << 20 },
          (err, out) => (err ? reject(err) : resolve(out)));
      });
      const keys = parseMapElements(listing).filter((e) => !now.has(e.value)).map((e) => e.key);
      if (keys.length) stale.set(map, keys);
    }
    return stale;
  }

  async apply(services: ServiceState[]): Promise<void> {
    const problems = services.flatMap((s) => validateForBackend(s, 'nftables')).filter((d) => d.severity === 'error');
    if (problems.length) throw new Error(problems.map((p) => `${p.service}: ${p.message}`).join('; '));
    const drDevices = new Map<number, string>();
    for (const [i, svc] of services.entries()) {
      const first = svc.backends.find((b) => b.weight > 0);
      if (svc.lbKind === 'DR' && first && !this.opts.drDevice) drDevices.set(i, await routeDevice(first.ip));
    }
    const cmd = this.opts.command ?? ['nft'];
    if (this.state) {
      try {
        const planned = renderTransaction(services, this.opts, drDevices, this.state);
        const stale = await this.staleEntries(planned.state);
        const t = renderTransaction(services, this.opts, drDevices, this.state, stale);
        await runNft(cmd, t.script);
        this.state = t.state; this.lastRuleset = t.script; this.applied++;
        return;
      } catch {
        // someone changed the table behind our back, or an entry expired between listing and
        // deleting it: fall back to a clean rebuild (persistence entries are lost once)
      }
    }
    const t = renderTransaction(services, this.opts, drDevices);
    await runNft(cmd, t.script);
    this.state = t.state; this.lastRuleset = t.script; this.applied++; this.fullRebuilds++;
  }

  async remove(): Promise<void> {
    this.state = undefined;
    if (this.opts.keepOnRemove) return;
    const table = `${this.opts.family ?? 'inet'} ${this.opts.table ?? 'vipd'}`;
    const dr = `netdev ${this.opts.table ?? 'vipd'}`;
    await runNft(this.opts.command ?? ['nft'], `add table ${table}\ndelete table ${table}\nadd table ${dr}\ndelete table ${dr}\n`);
  }
}
