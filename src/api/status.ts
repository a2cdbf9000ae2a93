// The status snapshot the VRRP and checker processes report to the parent over IPC; the API, the
// metrics and the dashboard render it. Plain JSON so it crosses process boundaries unchanged.

export type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** keepalived's numeric states, as its JSON dump and SNMP use them. */
export const STATE_NUMBER: Record<VrrpStateName, number> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3, STOP: 4 };

export interface InstanceStats {
  advertsRx: number;
  advertsTx: number;
  becameMaster: number;
  releasedMaster: number;
  prio0Rx: number;
  prio0Tx: number;
  drops: Record<string, number>; // per receive-check reason
  /** Events the state machine ran (JavaScript work); adverts the offload thread handles do not add to it. */
  fsmSteps: number;
  /** What the offload thread does for this instance now: its periodic adverts, or its master-down timer (restarted by the master's same advert again). */
  offload: 'adverts' | 'hold' | 'none';
}

export interface InstanceStatus {
  name: string;
  vrid: number;
  family: 4 | 6;
  version: 2 | 3;
  interface?: string;
  state: VrrpStateName;
  basePriority: number;
  effectivePriority: number;
  advertIntMs: number;
  vips: string[];
  masterAddr?: string; // last master heard (or us)
  lastTransitionMs?: number; // epoch ms
  lastFailoverMs?: number; // time from master loss detected to our MASTER, when we took over
  trackers: { name: string; kind: string; ok: boolean; weight: number }[];
  stats: InstanceStats;
}

/** One shared VRRP socket set (interface, family, group or unicast source): what it dropped before any instance saw it. */
export interface SocketStatus {
  interface: string;
  family: 4 | 6;
  group: string;
  src: string;
  rxPackets: number;
  rxDropped: number; // malformed IP header, no hop-limit information
  rxErrors: number;
  unknownVrid: number; // adverts for a VRID no instance here runs (keepalived's log_unknown_vrids counts them too)
  txPackets: number; // sent by JavaScript (the offload thread's adverts count per instance, advertsTx)
  txErrors: number;
}

/** The VRRP process's offload thread (src/net/offload.ts), whole-process counters. */
export interface OffloadStatus {
  rxPackets: number; // read from the VRRP sockets
  rxAbsorbed: number; // matched a hold: the same advert again, never reached JavaScript
  queueDrops: number; // dropped because JavaScript had more than 4096 packets waiting (a flood)
}

export interface RealServerStatus { addr: string; port?: number; up: boolean; weight: number; detail?: string }
export interface VirtualServerStatus { name: string; quorumUp: boolean; realServers: RealServerStatus[] }

export interface DaemonStatus {
  version: string;
  pid: number;
  startedAtMs: number;
  configFile: string;
  vrrp?: { pid: number; instances: InstanceStatus[]; rssBytes?: number; updatedAtMs: number; offload?: OffloadStatus; sockets?: SocketStatus[] };
  checker?: { pid: number; virtualServers: VirtualServerStatus[]; rssBytes?: number; updatedAtMs: number };
}

export function emptyStats(): InstanceStats {
  return { advertsRx: 0, advertsTx: 0, becameMaster: 0, releasedMaster: 0, prio0Rx: 0, prio0Tx: 0, drops: {}, fsmSteps: 0, offload: 'none' };
}
