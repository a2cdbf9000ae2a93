// Accept mode off (`no_accept`, or `vrrp_strict` for a non-owner): RFC 3768 §6.4.3 / RFC 5798 §6.4.3 say
// a master that does not own the addresses must not accept packets sent to them. As keepalived does
// with its nftables table, VIPs of such masters go into a set whose members are dropped on input;
// neighbour discovery for IPv6 VIPs still passes so the VIP stays resolvable. One table per process,
// created on first use and removed at stop. All changes are single `nft -f -` transactions.
import { execFile } from 'node:child_process';

export const NOACCEPT_TABLE = 'vipd_noaccept';

function nft(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = execFile('nft', ['-f', '-'], (err, _out, stderr) => (err ? reject(new Error(`nft: ${stderr.trim() || err.message}`)) : resolve()));
    p.stdin?.end(script);
  });
}

export function tableScript(table = NOACCEPT_TABLE): string {
  return `table inet ${table} {
  set vips4 { type ipv4_addr; }
  set vips6 { type ipv6_addr; }
  chain input {
    type filter hook input priority -1; policy accept;
    ip daddr @vips4 drop
    ip6 daddr @vips6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
    ip6 daddr @vips6 drop
  }
}
`;
}

export class NoAcceptFilter {
  private ready?: Promise<void>;
  private chain: Promise<void> = Promise.resolve();
  private readonly members = new Set<string>();

  constructor(private readonly table = NOACCEPT_TABLE) {}

  private ensure(): Promise<void> {
    // `delete` first would race with nothing here: the table is ours; re-creating it flushes stale members.
    this.ready ??= nft(`${tableScript(this.table)}flush set inet ${this.table} vips4\nflush set inet ${this.table} vips6\n`);
    return this.ready;
  }

  private change(op: 'add' | 'delete', addrs: readonly string[]): Promise<void> {
    const todo = addrs.filter((a) => (op === 'add' ? !this.members.has(a) : this.members.has(a)));
    if (todo.length === 0) return this.chain;
    for (const a of todo) { if (op === 'add') this.members.add(a); else this.members.delete(a); }
    const v4 = todo.filter((a) => !a.includes(':')), v6 = todo.filter((a) => a.includes(':'));
    const lines = [
      v4.length ? `${op} element inet ${this.table} vips4 { ${v4.join(', ')} }` : '',
      v6.length ? `${op} element inet ${this.table} vips6 { ${v6.join(', ')} }` : '',
    ].filter(Boolean).join('\n') + '\n';
    this.chain = this.chain.then(() => this.ensure()).then(() => nft(lines));
    return this.chain;
  }

  /** Drop traffic to these addresses (a non-accepting master holds them). */
  block(addrs: readonly string[]): Promise<void> { return this.change('add', addrs); }

  /** Stop dropping (we left MASTER, or the VIPs are gone). */
  unblock(addrs: readonly string[]): Promise<void> { return this.change('delete', addrs); }

  get blocked(): ReadonlySet<string> { return this.members; }

  /** Remove the table (daemon stop). */
  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    if (this.ready) await nft(`delete table inet ${this.table}\n`).catch(() => undefined);
    this.ready = undefined;
    this.members.clear();
  }
}
