// Link and address change notifications from the kernel (rtnetlink multicast groups).
//
// netlink 0.3.0's RtNetlinkSocket drops nlmsg_type from its 'message' event, so NEWADDR and DELADDR
// (and NEWLINK/DELLINK) look the same there (upstream mildsunrise/node_netlink#23). We listen on
// the underlying NetlinkSocket instead, which still has `type`, and parse each payload ourselves.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type * as NL from 'netlink';
import { addrFromMessage, linkFromMessage, type AddrInfo, type LinkInfo } from './rtnl.js';

const nl = createRequire(import.meta.url)('netlink') as typeof NL;

const RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_NEWADDR = 20, RTM_DELADDR = 21;

export type LinkEventType = 'new' | 'up' | 'down' | 'gone' | 'back' | 'change';
export interface LinkEvent { type: LinkEventType; link: LinkInfo }
export interface AddressEvent { type: 'added' | 'removed'; addr: AddrInfo; ifname?: string }

/** Usable for VRRP = administratively up and the kernel reports it running (carrier + oper up). */
export function linkUsable(l: LinkInfo): boolean {
  return l.up && l.running;
}

/**
 * Emits:
 * - 'link' (LinkEvent) for every change, plus the specific 'up' | 'down' | 'gone' | 'back' | 'new'
 *   events with the LinkInfo: 'up'/'down' on usable transitions, 'gone' on deletion, 'back' when an
 *   interface name that was deleted reappears (with a new index), 'new' for a never-seen link.
 * - 'address' (AddressEvent), plus 'added' / 'removed'.
 * - 'resync' after missed notifications were recovered from a dump (re-check addresses then).
 * - 'error' on socket errors (listen for it; EventEmitter throws otherwise).
 * Note: taking a link admin-down makes the kernel flush its IPv6 addresses ('removed' events);
 * they do not come back on up, so IPv6 VIPs must be re-added after 'up'.
 */
export class LinkMonitor extends EventEmitter {
  private sock: NL.RtNetlinkSocket | undefined;
  private readonly links = new Map<number, LinkInfo>();
  private readonly goneNames = new Set<string>();
  /** Messages that could not be parsed (counted, never thrown). */
  badMessages = 0;

  /** Subscribe, then dump the current links so the first transitions are judged correctly. */
  async start(opts: { ref?: boolean } = {}): Promise<void> {
    if (this.sock) return;
    const sock = nl.createRtNetlink({ ref: opts.ref ?? true } as Parameters<typeof nl.createRtNetlink>[0]);
    this.sock = sock;
    for (const g of ['LINK', 'IPV4_IFADDR', 'IPV6_IFADDR'] as const) sock.addMembership(g);
    sock.socket.on('message', (msgs) => { for (const m of msgs) this.handle(m.type, m.data); });
    sock.socket.on('error', (e) => {
      // ENOBUFS: the kernel dropped notifications (burst of changes). Re-read the links so no
      // transition is lost, and tell the daemon to re-check its addresses ('resync').
      if ((e as NodeJS.ErrnoException).code === 'ENOBUFS') void this.resync().catch((err) => this.emit('error', err));
      else this.emit('error', e);
    });
    const dump = await sock.getLinks(undefined, undefined, { timeout: 5000 });
    for (const m of dump) {
      const l = linkFromMessage(m);
      if (!this.links.has(l.index)) this.links.set(l.index, l);
    }
  }

  /**
   * Compare a fresh link dump with what we knew and emit the missed transitions ('up', 'down',
   * 'new', 'back', 'gone'); then emit 'resync' (address changes cannot be reconstructed, so the
   * listener should re-read the addresses it cares about).
   */
  async resync(): Promise<void> {
    if (!this.sock) return;
    const dump = await this.sock.getLinks(undefined, undefined, { timeout: 5000 });
    const seen = new Set<number>();
    for (const m of dump) {
      const l = linkFromMessage(m);
      seen.add(l.index);
      const prev = this.links.get(l.index);
      if (prev && linkUsable(prev) === linkUsable(l)) this.links.set(l.index, l);
      else this.onLink(RTM_NEWLINK, l);
    }
    for (const [index, l] of [...this.links]) if (!seen.has(index)) this.onLink(RTM_DELLINK, l);
    this.emit('resync');
  }

  stop(): void {
    this.sock?.socket.close();
    this.sock = undefined;
  }

  /** Last known state of a link by name or index. */
  link(ref: string | number): LinkInfo | undefined {
    if (typeof ref === 'number') return this.links.get(ref);
    for (const l of this.links.values()) if (l.ifname === ref) return l;
    return undefined;
  }

  private ifname(index: number): string | undefined {
    return this.links.get(index)?.ifname;
  }

  /** Exposed for unit tests: feed one raw rtnetlink message (type + payload). */
  handle(type: number, data: Buffer): void {
    let parsed: NL.rt.Message;
    try {
      if (type !== RTM_NEWLINK && type !== RTM_DELLINK && type !== RTM_NEWADDR && type !== RTM_DELADDR) return;
      parsed = nl.rt.parseMessage(type, data);
    } catch {
      this.badMessages++;
      return;
    }
    if (parsed.kind === 'link') this.onLink(type, linkFromMessage(parsed));
    else if (parsed.kind === 'address') {
      const a = addrFromMessage(parsed);
      if (!a) { this.badMessages++; return; }
      const ev: AddressEvent = { type: type === RTM_NEWADDR ? 'added' : 'removed', addr: a };
      const name = this.ifname(a.index);
      if (name !== undefined) ev.ifname = name;
      this.emit('address', ev);
      this.emit(ev.type, ev);
    }
  }

  private fire(type: LinkEventType, link: LinkInfo): void {
    this.emit('link', { type, link } satisfies LinkEvent);
    this.emit(type, link);
  }

  private onLink(type: number, l: LinkInfo): void {
    const prev = this.links.get(l.index);
    if (type === RTM_DELLINK) {
      this.links.delete(l.index);
      const name = l.ifname || prev?.ifname;
      if (name) this.goneNames.add(name);
      this.fire('gone', { ...(prev ?? {}), ...l, ifname: name ?? '' });
      return;
    }
    // NEWLINK may be a partial update without the name; keep what we knew.
    if (!l.ifname && prev) l.ifname = prev.ifname;
    this.links.set(l.index, l);
    if (!prev) {
      if (this.goneNames.delete(l.ifname)) this.fire('back', l);
      else this.fire('new', l);
      return;
    }
    const was = linkUsable(prev), is = linkUsable(l);
    if (!was && is) this.fire('up', l);
    else if (was && !is) this.fire('down', l);
    else this.fire('change', l);
  }
}
