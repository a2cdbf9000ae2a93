// What the data plane is asked to program: the current, already health-filtered view of every
// virtual server. Produced by the checker scheduler (src/check/scheduler.ts), consumed by a
// DataPlane backend (nftables today; IPVS stub).
import type { LbAlgo, LbKind } from '../check/types.js';

export type { LbAlgo, LbKind };

export interface BackendState {
  ip: string;
  port: number; // 0 = keep the client's destination port (fwmark services, DR)
  weight: number; // 0 = inhibited: listed, but receives no new connections
}

/** One way traffic reaches a service: VIP[-VIP_END or /PREFIX]:port, or a fwmark. A
 *  virtual_server_group gives one service several of these (sharing its checks and pool). */
export interface ServiceMatch {
  vip?: string;
  vipEnd?: string; // last address of a range
  prefix?: number; // CIDR prefix length
  port?: number;
  fwmark?: number;
}

export interface ServiceState {
  name: string;
  vip?: string; // absent for fwmark services
  port?: number; // absent/0 for fwmark services
  fwmark?: number;
  /** virtual_server_group: every entry; when present it replaces vip/port/fwmark for matching */
  matches?: ServiceMatch[];
  family: 'inet' | 'inet6';
  protocol: 'TCP' | 'UDP';
  lbAlgo: LbAlgo;
  lbKind: LbKind;
  persistenceTimeout?: number; // seconds
  /** Healthy real servers (and inhibited ones with weight 0); when quorum is lost and a
   *  sorry server is configured this holds only the sorry server. */
  backends: BackendState[];
  usingSorryServer: boolean;
}

export interface DataPlane {
  /** Make the kernel match `services` exactly, atomically. */
  apply(services: ServiceState[]): Promise<void>;
  /** Remove everything this data plane installed. */
  remove(): Promise<void>;
}

/** A validation message in the config system's Diagnostic spirit (file:line added by the caller). */
export interface BackendDiagnostic {
  severity: 'error' | 'warning';
  service: string;
  message: string;
}
