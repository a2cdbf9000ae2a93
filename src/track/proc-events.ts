// Linux process events connector (NETLINK_CONNECTOR, CN_IDX_PROC): what keepalived's
// vrrp_track_process listens to instead of polling /proc. Needs CAP_NET_ADMIN and only works in
// the initial network namespace (the kernel multicasts proc events there only); open() returns
// undefined when it is not available and the tracker falls back to polling.
//
// Wire layout (little/host-endian, linux/netlink.h, linux/connector.h, linux/cn_proc.h):
//   nlmsghdr  16 bytes: len u32, type u16, flags u16, seq u32, pid u32
//   cn_msg    20 bytes: id.idx u32, id.val u32, seq u32, ack u32, len u16, flags u16
//   proc_event:         what u32 @0, cpu u32 @4, timestamp u64 @8, event_data @16
// so `what` sits at byte 36 of a message and the event data at byte 52.
import { EventEmitter } from 'node:events';
import { native } from '../net/rawsock.js';

const AF_NETLINK = 16;
const SOCK_DGRAM = 2;
const NETLINK_CONNECTOR = 11;
const CN_IDX_PROC = 1;
const CN_VAL_PROC = 1;
const NLMSG_DONE = 3;
const PROC_CN_MCAST_LISTEN = 1;
const PROC_CN_MCAST_IGNORE = 2;

export const PROC_EVENT = {
  FORK: 0x1,
  EXEC: 0x2,
  COMM: 0x200,
  EXIT: 0x80000000,
} as const;

export interface ProcEvent {
  what: number;
  /** The thread concerned (for FORK: the new child). */
  pid: number;
  /** Its thread group (= process id); pid === tgid means the process itself, not a thread. */
  tgid: number;
}

/** Decode every proc event in one datagram. Pure; ignores anything malformed or not a proc event. */
export function decodeProcEvents(buf: Buffer, length = buf.length): ProcEvent[] {
  const out: ProcEvent[] = [];
  let off = 0;
  while (off + 16 <= length) {
    const len = buf.readUInt32LE(off);
    if (len < 16 || off + len > length) break;
    if (len >= 52 && buf.readUInt32LE(off + 16) === CN_IDX_PROC && buf.readUInt32LE(off + 20) === CN_VAL_PROC) {
      const what = buf.readUInt32LE(off + 36);
      const d = off + 52;
      if (what === PROC_EVENT.FORK && len >= 68) {
        out.push({ what, pid: buf.readUInt32LE(d + 8), tgid: buf.readUInt32LE(d + 12) });
      } else if ((what === PROC_EVENT.EXEC || what === PROC_EVENT.COMM || what === PROC_EVENT.EXIT) && len >= 60) {
        out.push({ what, pid: buf.readUInt32LE(d), tgid: buf.readUInt32LE(d + 4) });
      }
    }
    off += (len + 3) & ~3;
  }
  return out;
}

function sockaddrNl(groups: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(AF_NETLINK, 0);
  b.writeUInt32LE(0, 4); // nl_pid: 0 = kernel assigns (bind) / the kernel (sendto)
  b.writeUInt32LE(groups, 8);
  return b;
}

function controlMessage(op: number): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt32LE(40, 0); // nlmsg_len
  b.writeUInt16LE(NLMSG_DONE, 4);
  b.writeUInt32LE(process.pid, 12);
  b.writeUInt32LE(CN_IDX_PROC, 16);
  b.writeUInt32LE(CN_VAL_PROC, 20);
  b.writeUInt16LE(4, 32); // cn_msg.len: one u32 payload
  b.writeUInt32LE(op, 36);
  return b;
}

export interface ProcConnectorEvents {
  event: [ev: ProcEvent];
  /** Events were lost (socket buffer overflow): listeners must rescan. */
  overflow: [];
  /** The socket failed: no more events will come; listeners must poll. */
  dead: [];
}

export class ProcConnector extends EventEmitter<ProcConnectorEvents> {
  private handle: unknown;
  private readonly buf = Buffer.alloc(16384);
  private readonly name = Buffer.alloc(16);
  private readonly ctl = Buffer.alloc(0);
  private readonly lens = new Uint32Array(2);
  readonly stats = { events: 0, overflows: 0 };

  private constructor(private fd: number) {
    super();
    this.handle = native().poll(fd, () => this.drain());
  }

  /** Subscribe to process events; undefined when not permitted or not supported here. */
  static open(): ProcConnector | undefined {
    let fd = -1;
    try {
      const n = native();
      fd = n.open(AF_NETLINK, SOCK_DGRAM, NETLINK_CONNECTOR);
      n.bind(fd, sockaddrNl(CN_IDX_PROC));
      const sent = n.sendto(fd, controlMessage(PROC_CN_MCAST_LISTEN), sockaddrNl(0));
      if (sent !== 40) throw new Error('listen request not sent');
      return new ProcConnector(fd);
    } catch {
      if (fd >= 0) { try { native().close(fd); } catch { /* ignore */ } }
      return undefined;
    }
  }

  private drain(): void {
    const n = native();
    for (;;) {
      let got: number;
      try {
        got = n.recvmsg(this.fd, this.buf, this.name, this.ctl, this.lens);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOBUFS') {
          // The kernel dropped events for us. Tell listeners to resynchronise, keep listening.
          this.stats.overflows++;
          this.emit('overflow');
          continue;
        }
        // Anything else is not recoverable here: listeners fall back to polling.
        this.emit('dead');
        this.close();
        return;
      }
      if (got < 0) return; // EAGAIN: drained
      for (const ev of decodeProcEvents(this.buf, Math.min(got, this.buf.length))) {
        this.stats.events++;
        this.emit('event', ev);
      }
    }
  }

  get closed(): boolean {
    return this.fd < 0;
  }

  close(): void {
    if (this.fd < 0) return;
    const n = native();
    try { n.sendto(this.fd, controlMessage(PROC_CN_MCAST_IGNORE), sockaddrNl(0)); } catch { /* closing anyway */ }
    n.unpoll(this.handle);
    n.close(this.fd);
    this.fd = -1;
    this.removeAllListeners();
  }
}

let shared: ProcConnector | undefined;
let sharedUsers = 0;
let sharedFailed = false;

/** One connector for the whole process, reference counted. undefined = unavailable (poll instead). */
export function acquireProcConnector(): ProcConnector | undefined {
  if (shared?.closed) {
    shared = undefined;
    sharedUsers = 0;
  }
  if (!shared && !sharedFailed) {
    shared = ProcConnector.open();
    if (!shared) sharedFailed = true;
    else shared.setMaxListeners(0);
  }
  if (shared) sharedUsers++;
  return shared;
}

export function releaseProcConnector(): void {
  if (!shared || --sharedUsers > 0) return;
  shared.close();
  shared = undefined;
}
