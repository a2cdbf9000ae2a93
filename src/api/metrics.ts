// Prometheus exposition of a DaemonStatus snapshot. Values are pulled at scrape time from the latest
// snapshot, so the VRRP process never does metrics work on its hot path.
import { Registry, Gauge, Counter } from 'prom-client';
import { STATE_NUMBER, type DaemonStatus } from './status.js';

export function createMetrics(getStatus: () => DaemonStatus): Registry {
  const reg = new Registry();
  const inst = ['instance', 'vrid', 'interface', 'family'] as const;
  const labels = (i: { name: string; vrid: number; interface?: string; family: number }) =>
    ({ instance: i.name, vrid: String(i.vrid), interface: i.interface ?? '', family: `ipv${i.family}` });

  // The state gauge is registered first: its collect() refreshes every metric from one snapshot.
  const state = new Gauge({
    name: 'vipd_vrrp_state', help: 'VRRP state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 4 STOP)', labelNames: inst, registers: [reg],
    collect: () => refresh(),
  });
  const prio = new Gauge({ name: 'vipd_vrrp_effective_priority', help: 'Effective VRRP priority after trackers', labelNames: inst, registers: [reg] });
  const base = new Gauge({ name: 'vipd_vrrp_base_priority', help: 'Configured VRRP priority', labelNames: inst, registers: [reg] });
  const vips = new Gauge({ name: 'vipd_vrrp_vips_held', help: 'Virtual addresses currently held by this node', labelNames: inst, registers: [reg] });
  const failover = new Gauge({ name: 'vipd_vrrp_last_takeover_seconds', help: 'Time from master loss to our MASTER in the last takeover', labelNames: inst, registers: [reg] });
  const rx = new Counter({ name: 'vipd_vrrp_adverts_received_total', help: 'Advertisements accepted', labelNames: inst, registers: [reg] });
  const tx = new Counter({ name: 'vipd_vrrp_adverts_sent_total', help: 'Advertisements sent', labelNames: inst, registers: [reg] });
  const becameMaster = new Counter({ name: 'vipd_vrrp_became_master_total', help: 'Transitions to MASTER', labelNames: inst, registers: [reg] });
  const released = new Counter({ name: 'vipd_vrrp_released_master_total', help: 'Transitions out of MASTER', labelNames: inst, registers: [reg] });
  const drops = new Counter({ name: 'vipd_vrrp_packets_dropped_total', help: 'Received packets dropped, by reason', labelNames: [...inst, 'reason'], registers: [reg] });
  const rs = new Gauge({ name: 'vipd_real_server_up', help: 'Real server health (1 up, 0 down)', labelNames: ['virtual_server', 'real_server'], registers: [reg] });
  const offRx = new Counter({ name: 'vipd_vrrp_offload_rx_packets_total', help: 'Packets the offload thread read from VRRP sockets', registers: [reg] });
  const offAbsorbed = new Counter({ name: 'vipd_vrrp_offload_absorbed_total', help: 'Repeated adverts the offload thread absorbed (master-down restarted without JavaScript)', registers: [reg] });
  const offDrops = new Counter({ name: 'vipd_vrrp_offload_queue_drops_total', help: 'Packets dropped because too many waited for JavaScript (flood)', registers: [reg] });
  const sockLabels = ['interface', 'family', 'group', 'src'] as const;
  const sockUnknown = new Counter({ name: 'vipd_vrrp_unknown_vrid_total', help: 'Adverts for a VRID no instance here runs, per VRRP socket', labelNames: sockLabels, registers: [reg] });
  const sockDropped = new Counter({ name: 'vipd_vrrp_socket_rx_dropped_total', help: 'Packets dropped by a VRRP socket before VRRP checks (malformed IP header, no hop limit)', labelNames: sockLabels, registers: [reg] });
  const sockTxErr = new Counter({ name: 'vipd_vrrp_socket_tx_errors_total', help: 'Sends that failed on a VRRP socket', labelNames: sockLabels, registers: [reg] });
  const rss = new Gauge({ name: 'vipd_process_rss_bytes', help: 'Resident memory per vipd process', labelNames: ['process'], registers: [reg] });

  function refresh(): void {
    const s = getStatus();
    for (const m of [state, prio, base, vips, failover, rx, tx, becameMaster, released, drops, rs, rss, offRx, offAbsorbed, offDrops, sockUnknown, sockDropped, sockTxErr]) m.reset();
    for (const k of s.vrrp?.sockets ?? []) {
      const l = { interface: k.interface, family: `ipv${k.family}`, group: k.group, src: k.src };
      sockUnknown.inc(l, k.unknownVrid);
      sockDropped.inc(l, k.rxDropped);
      sockTxErr.inc(l, k.txErrors);
    }
    const off = s.vrrp?.offload;
    if (off) { offRx.inc(off.rxPackets); offAbsorbed.inc(off.rxAbsorbed); offDrops.inc(off.queueDrops); }
    rss.set({ process: 'parent' }, process.memoryUsage().rss);
    if (s.vrrp?.rssBytes) rss.set({ process: 'vrrp' }, s.vrrp.rssBytes);
    if (s.checker?.rssBytes) rss.set({ process: 'checker' }, s.checker.rssBytes);
    for (const i of s.vrrp?.instances ?? []) {
      const l = labels(i);
      state.set(l, STATE_NUMBER[i.state]);
      prio.set(l, i.effectivePriority);
      base.set(l, i.basePriority);
      vips.set(l, i.state === 'MASTER' ? i.vips.length : 0);
      if (i.lastFailoverMs !== undefined) failover.set(l, i.lastFailoverMs / 1000);
      rx.inc(l, i.stats.advertsRx);
      tx.inc(l, i.stats.advertsTx);
      becameMaster.inc(l, i.stats.becameMaster);
      released.inc(l, i.stats.releasedMaster);
      for (const [reason, n] of Object.entries(i.stats.drops)) drops.inc({ ...l, reason }, n);
    }
    for (const vs of s.checker?.virtualServers ?? []) {
      for (const r of vs.realServers) rs.set({ virtual_server: vs.name, real_server: r.port ? `${r.addr}:${r.port}` : r.addr }, r.up ? 1 : 0);
    }
  }
  return reg;
}
