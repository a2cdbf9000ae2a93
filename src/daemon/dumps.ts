// keepalived's signal dumps, in keepalived's formats, so existing exporters and scripts keep working:
// SIGUSR1 -> keepalived.data (text, format officially unstable), SIGUSR2 -> keepalived.stats,
// SIGRTMIN+2 -> keepalived.json (array of {data, stats}; written atomically: temp file + rename).
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_NUMBER, type VrrpStateName } from '../api/status.js';

/** keepalived's per-instance counters (names as in its JSON dump). */
export interface KeepalivedStats {
  advert_rcvd: number; advert_sent: number; become_master: number; release_master: number;
  packet_len_err: number; advert_interval_err: number; ip_ttl_err: number; invalid_type_rcvd: number;
  addr_list_err: number; invalid_authtype: number; authtype_mismatch: number; auth_failure: number;
  pri_zero_rcvd: number; pri_zero_sent: number;
}

export function zeroStats(): KeepalivedStats {
  return { advert_rcvd: 0, advert_sent: 0, become_master: 0, release_master: 0, packet_len_err: 0, advert_interval_err: 0,
    ip_ttl_err: 0, invalid_type_rcvd: 0, addr_list_err: 0, invalid_authtype: 0, authtype_mismatch: 0, auth_failure: 0,
    pri_zero_rcvd: 0, pri_zero_sent: 0 };
}

/**
 * Which keepalived counter a vipd drop reason feeds (the rest only appear in vipd's own metrics).
 * A v2 interval mismatch feeds none: keepalived 2.2.7 logs it ("advertisement interval mismatch")
 * without counting it (seen in test/integration/hostile-keepalived-parity.test.ts).
 */
export function statForDrop(reason: string): keyof KeepalivedStats | undefined {
  if (reason === 'truncated' || reason === 'length' || reason === 'ip-header') return 'packet_len_err';
  if (reason === 'addr-count' || reason === 'addr-list') return 'addr_list_err';
  if (reason === 'ttl' || reason === 'unicast-ttl') return 'ip_ttl_err';
  if (reason === 'type') return 'invalid_type_rcvd';
  if (reason === 'auth-type-invalid') return 'invalid_authtype';
  if (reason === 'auth-type') return 'authtype_mismatch';
  if (reason === 'auth-pass') return 'auth_failure';
  return undefined;
}

/**
 * Every keepalived counter one dropped packet moves, as keepalived 2.2.7 books the same packet
 * (compared side by side in test/integration/hostile-keepalived-parity.test.ts).
 */
export function statsForDrop(reason: string, payloadLen: number): Array<keyof KeepalivedStats> {
  // Shorter than the fixed 8-byte header: keepalived drops it at the socket ("packet too short")
  // before any instance sees it, so no instance counter moves.
  if (reason === 'truncated' && payloadLen < 8) return [];
  // keepalived compares the VIP list only after it has counted the advert as received.
  if (reason === 'addr-list') return ['advert_rcvd', 'addr_list_err'];
  const k = statForDrop(reason);
  return k ? [k] : [];
}

export interface DumpInstance {
  iname: string;
  ifname: string;
  vmacIfname: string;
  vrid: number;
  version: 2 | 3;
  state: VrrpStateName;
  wantState: VrrpStateName;
  basePriority: number;
  effectivePriority: number;
  masterPriority: number;
  advertIntSec: number;
  masterAdvertIntSec: number;
  lastTransitionSec: number; // epoch seconds with fraction
  accept: boolean;
  nopreempt: boolean;
  preemptDelaySec: number;
  strict: boolean;
  dontTrackPrimary: boolean;
  skipCheckAdvAddr: boolean;
  garp: { delay: number; refresh: number; rep: number; refreshRep: number; lowerPrioDelay: number; lowerPrioRep: number };
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  promoteSecondaries: boolean;
  smtpAlert: boolean;
  notifyDeleted: boolean;
  vips: string[]; // "192.0.2.100/24 dev eth0 scope global"
  vipSet: boolean;
  authType: number;
  authData: string;
  srcIp: string;
  mcastGroup: string;
  unicastPeers: string[];
  stats: KeepalivedStats;
}

export function renderJson(instances: DumpInstance[]): string {
  return JSON.stringify(instances.map((i) => ({
    data: {
      iname: i.iname, dont_track_primary: +i.dontTrackPrimary, skip_check_adv_addr: +i.skipCheckAdvAddr, strict_mode: +i.strict,
      vmac_ifname: i.vmacIfname, ifp_ifname: i.ifname, master_priority: i.masterPriority, last_transition: i.lastTransitionSec,
      garp_delay: i.garp.delay, garp_refresh: i.garp.refresh, garp_rep: i.garp.rep, garp_refresh_rep: i.garp.refreshRep,
      garp_lower_prio_delay: i.garp.lowerPrioDelay, garp_lower_prio_rep: i.garp.lowerPrioRep,
      lower_prio_no_advert: +i.lowerPrioNoAdvert, higher_prio_send_advert: +i.higherPrioSendAdvert, vrid: i.vrid,
      base_priority: i.basePriority, effective_priority: i.effectivePriority, vipset: i.vipSet, promote_secondaries: i.promoteSecondaries,
      adver_int: i.advertIntSec, master_adver_int: i.masterAdvertIntSec, accept: +i.accept, nopreempt: i.nopreempt,
      preempt_delay: i.preemptDelaySec, state: STATE_NUMBER[i.state], wantstate: STATE_NUMBER[i.wantState], version: i.version,
      smtp_alert: i.smtpAlert, notify_deleted: i.notifyDeleted,
      vips: i.vips.map((v) => `${v}${i.vipSet ? ' set' : ''}`), auth_type: i.authType, auth_data: i.authData,
    },
    stats: i.stats,
  })));
}

export function renderStats(instances: DumpInstance[]): string {
  return instances.map((i) => { const s = i.stats; return [
    `VRRP Instance: ${i.iname}`, '  Advertisements:', `    Received: ${s.advert_rcvd}`, `    Sent: ${s.advert_sent}`,
    `  Became master: ${s.become_master}`, `  Released master: ${s.release_master}`, '  Packet Errors:',
    `    Length: ${s.packet_len_err}`, `    TTL: ${s.ip_ttl_err}`, `    Invalid Type: ${s.invalid_type_rcvd}`,
    `    Advertisement Interval: ${s.advert_interval_err}`, `    Address List: ${s.addr_list_err}`, '  Authentication Errors:',
    `    Invalid Type: ${s.invalid_authtype}`, `    Type Mismatch: ${s.authtype_mismatch}`, `    Failure: ${s.auth_failure}`,
    '  Priority Zero:', `    Received: ${s.pri_zero_rcvd}`, `    Sent: ${s.pri_zero_sent}`, ''].join('\n'); }).join('');
}

function fmtTime(sec: number): string {
  return `${sec.toFixed(6)} (${new Date(sec * 1000).toString().slice(0, 24)})`;
}

export function renderData(instances: DumpInstance[], globals: { routerId: string; mcast4: string; mcast6: string }): string {
  const out: string[] = ['------< Global definitions >------', ` Router ID = ${globals.routerId}`,
    ` VRRP IPv4 mcast group = ${globals.mcast4}`, ` VRRP IPv6 mcast group = ${globals.mcast6}`, '------< VRRP Topology >------'];
  for (const i of instances) {
    out.push(` VRRP Instance = ${i.iname}`, `   VRRP Version = ${i.version}`, `   State = ${i.state}`, `   Wantstate = ${i.wantState}`,
      `   Last transition = ${fmtTime(i.lastTransitionSec)}`, `   Interface = ${i.ifname}`, `   Using src_ip = ${i.srcIp}`,
      i.unicastPeers.length ? `   Unicast peers = ${i.unicastPeers.join(' ')}` : `   Multicast address ${i.mcastGroup}`,
      `   Gratuitous ARP delay = ${i.garp.delay}`, `   Gratuitous ARP repeat = ${i.garp.rep}`, `   Gratuitous ARP refresh = ${i.garp.refresh}`,
      `   Gratuitous ARP refresh repeat = ${i.garp.refreshRep}`, `   Virtual Router ID = ${i.vrid}`, `   Priority = ${i.basePriority}`,
      `   Effective priority = ${i.effectivePriority}`, `   Advert interval = ${i.advertIntSec} sec`,
      `   Accept = ${i.accept ? 'enabled' : 'disabled'}`, `   Preempt = ${i.nopreempt ? 'disabled' : 'enabled'}`,
      `   Preempt delay = ${i.preemptDelaySec} secs`,
      `   Authentication type = ${i.authType === 1 ? 'SIMPLE_PASSWORD' : i.authType === 2 ? 'IPSEC_AH' : 'none'}`,
      ...(i.authType === 1 ? [`   Password = ${i.authData}`] : []),
      `   Virtual IP (${i.vips.length}):`, ...i.vips.map((v) => `     ${v}${i.vipSet ? ' set' : ''}`));
  }
  return out.join('\n') + '\n';
}

/** Write atomically (temp + rename) so a reader never sees half a file; mode 0600 like keepalived. */
export function writeDump(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}
