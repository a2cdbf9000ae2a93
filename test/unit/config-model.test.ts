// The typed model: values parsed with defaults applied, file:line on every object, keyword tables
// equal to the keyword sets keepalived 2.2.7 (Debian) accepts, and the -d dump.
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { checkConfigText, dumpConfig, keywordCounts, keywordNames } from '../../src/config/check.js';
import type { HostFacts } from '../../src/config/validate.js';

const HOST: HostFacts = {
  interfaces: new Set(['lo', 'eth0', 'eth1']),
  userExists: (n) => n === 'root',
  uidOf: (n) => (n === 'root' ? 0 : undefined),
};

function model(conf: string) {
  const r = checkConfigText(conf, 'm.conf', { host: HOST });
  assert.ok(r.model);
  return { ...r, model: r.model };
}

test('defaults: an instance with only the required keywords', () => {
  const { model: m, exitCode } = model('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n  192.0.2.10\n }\n}\n');
  assert.equal(exitCode, 0);
  const i = m.vrrpInstances[0]!;
  assert.equal(i.name, 'VI_1');
  assert.equal(i.line, 1);
  assert.equal(i.state, 'BACKUP');
  assert.equal(i.priority, 100);
  assert.equal(i.advertInt, 1);
  assert.equal(i.version, 2);
  assert.equal(i.family, 4);
  assert.equal(i.accept, true);
  assert.equal(i.garpMasterDelay, 5);
  assert.equal(i.garpMasterRepeat, 5);
  assert.equal(i.downTimerAdverts, 3);
  assert.equal(i.unicastTtl, 255);
  assert.deepEqual(i.vips[0], { file: 'm.conf', line: 5, addr: '192.0.2.10', prefix: 32, family: 4, flags: [], noTrack: false });
  assert.equal(m.global.vrrpMcastGroup4, '224.0.0.18');
  assert.equal(m.global.smtpConnectTimeout, 30);
});

test('globals flow into instances unless set locally; MASTER without priority is the owner', () => {
  const { model: m } = model(
    'vrrp_instance A {\n interface eth0\n virtual_router_id 1\n state MASTER\n garp_master_delay 1\n virtual_ipaddress {\n  192.0.2.1\n }\n}\n' +
      'global_defs {\n vrrp_version 3\n vrrp_garp_master_delay 9\n vrrp_garp_master_repeat 2\n vrrp_strict\n}\n',
  );
  const a = m.vrrpInstances[0]!;
  assert.equal(a.version, 3);
  assert.equal(a.garpMasterDelay, 1);
  assert.equal(a.garpMasterRepeat, 2);
  assert.equal(a.priority, 255);
  assert.equal(a.strictMode, true);
  assert.equal(a.accept, true, 'strict: only the owner accepts');
  assert.equal(a.lowerPrioNoAdvert, true);
});

test('IPv6 VIPs make the instance VRRPv3 with family 6; VIP options are structured', () => {
  const { model: m, exitCode } = model(
    'vrrp_instance V6 {\n interface eth0\n virtual_router_id 9\n advert_int 0.5\n virtual_ipaddress {\n  fe80::1/64 dev eth1 scope link no_track\n  fd00::10/64 preferred_lft forever -nodad\n }\n' +
      ' virtual_ipaddress_excluded {\n  192.0.2.50/24 brd 192.0.2.255 dev eth0 label eth0:vip\n }\n}\n',
  );
  assert.equal(exitCode, 0);
  const i = m.vrrpInstances[0]!;
  assert.equal(i.family, 6);
  assert.equal(i.version, 3);
  assert.equal(i.advertInt, 0.5);
  assert.equal(i.vips[0]!.dev, 'eth1');
  assert.equal(i.vips[0]!.scope, 'link');
  assert.equal(i.vips[0]!.noTrack, true);
  assert.equal(i.vips[1]!.preferredLft, 'forever');
  assert.deepEqual(i.vips[1]!.flags, ['nodad']);
  assert.deepEqual(
    { addr: i.excludedVips[0]!.addr, prefix: i.excludedVips[0]!.prefix, brd: i.excludedVips[0]!.brd, label: i.excludedVips[0]!.label },
    { addr: '192.0.2.50', prefix: 24, brd: '192.0.2.255', label: 'eth0:vip' },
  );
});

test('routes, rules, unicast peers, trackers and notify scripts', () => {
  const { model: m, exitCode, diagnostics } = model(
    'global_defs {\n enable_script_security\n script_user root\n}\n' +
      'vrrp_script chk {\n script "/bin/true -x \'a b\'"\n interval 2\n weight -20\n fall 3\n}\n' +
      'track_file tf {\n file /tmp/vipd-model-tf\n weight 5 reverse\n}\n' +
      'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n unicast_src_ip 192.0.2.1\n unicast_peer {\n  192.0.2.2 min_ttl 250 max_ttl 255\n }\n' +
      ' track_script {\n  chk weight 10\n }\n track_file {\n  tf\n }\n track_interface {\n  eth1 weight -30\n }\n' +
      ' notify_master "/bin/echo master" root\n' +
      ' virtual_routes {\n  src 192.0.2.1 198.51.100.0/24 via 192.0.2.254 dev eth0 table 100 metric 5 onlink\n  blackhole 203.0.113.0/24 no_track\n }\n' +
      ' virtual_rules {\n  from 192.0.2.0/24 table 100 priority 10\n }\n' +
      ' virtual_ipaddress {\n  192.0.2.10/24\n }\n}\n',
  );
  assert.equal(exitCode, 0, diagnostics.map((d) => d.message).join('\n'));
  const s = m.vrrpScripts.get('chk')!;
  assert.deepEqual([s.interval, s.weight, s.fall, s.rise, s.timeout], [2, -20, 3, 1, undefined]);
  assert.deepEqual(s.script!.argv, ['/bin/true', '-x', 'a b']);
  const tf = m.trackFiles.get('tf')!;
  assert.deepEqual([tf.path, tf.weight, tf.weightReverse], ['/tmp/vipd-model-tf', 5, true]);
  const i = m.vrrpInstances[0]!;
  assert.deepEqual(i.unicastPeers.map((p) => [p.addr, p.minTtl, p.maxTtl]), [['192.0.2.2', 250, 255]]);
  assert.deepEqual(i.trackScripts.map((t) => [t.name, t.weight]), [['chk', 10]]);
  assert.deepEqual(i.trackFiles.map((t) => [t.name, t.weight]), [['tf', undefined]]);
  assert.deepEqual(i.trackInterfaces.map((t) => [t.name, t.weight]), [['eth1', -30]]);
  assert.deepEqual([i.notify.master!.argv, i.notify.master!.user], [['/bin/echo', 'master'], 'root']);
  assert.deepEqual(
    { dst: i.routes[0]!.dst, src: i.routes[0]!.src, via: i.routes[0]!.via, dev: i.routes[0]!.dev, table: i.routes[0]!.table, metric: i.routes[0]!.metric, options: i.routes[0]!.options },
    { dst: '198.51.100.0/24', src: '192.0.2.1', via: '192.0.2.254', dev: 'eth0', table: '100', metric: 5, options: ['onlink'] },
  );
  assert.deepEqual([i.routes[1]!.type, i.routes[1]!.dst, i.routes[1]!.noTrack], ['blackhole', '203.0.113.0/24', true]);
  assert.deepEqual([i.rules[0]!.from, i.rules[0]!.table, i.rules[0]!.priority], ['192.0.2.0/24', '100', 10]);
});

test('virtual servers, real servers and checkers', () => {
  const { model: m, exitCode, diagnostics } = model(
    'virtual_server 192.0.2.100 443 {\n delay_loop 6\n lb_algo wrr\n lb_kind DR\n protocol TCP\n persistence_timeout\n sorry_server 192.0.2.99 443\n' +
      ' real_server 192.0.2.11 443 {\n  weight 3\n  inhibit_on_failure\n  SSL_GET {\n   url {\n    path /health\n    status_code 200-204 301\n   }\n   connect_timeout 3\n   retry 2\n  }\n  TCP_CHECK {\n   connect_port 8443\n  }\n }\n' +
      ' real_server 192.0.2.12 443 {\n  DNS_CHECK {\n   type AAAA\n   name example.test\n  }\n  UDP_CHECK {\n   payload 0a0b0c\n   require_reply\n  }\n }\n}\n' +
      'virtual_server fwmark 7 {\n lvs_sched sh\n lvs_method NAT\n sh-port\n real_server 192.0.2.13 {\n  PING_CHECK {\n  }\n }\n}\n',
  );
  assert.equal(exitCode, 0, diagnostics.map((d) => d.message).join('\n'));
  const [vs, fw] = m.virtualServers;
  assert.deepEqual([vs!.kind, vs!.addr, vs!.port, vs!.lvsSched, vs!.lvsMethod, vs!.protocol, vs!.delayLoop, vs!.persistenceTimeout], ['ip', '192.0.2.100', 443, 'wrr', 'DR', 'TCP', 6, 360]);
  assert.deepEqual([vs!.sorryServer!.addr, vs!.sorryServer!.port], ['192.0.2.99', 443]);
  const rs = vs!.realServers[0]!;
  assert.deepEqual([rs.weight, rs.inhibitOnFailure, rs.line], [3, true, 8]);
  const ssl = rs.checkers[0]!;
  assert.equal(ssl.kind, 'SSL_GET');
  if (ssl.kind === 'SSL_GET') {
    assert.deepEqual(ssl.urls[0]!.statusCodes, [[200, 204], [301, 301]]);
    assert.equal(ssl.urls[0]!.path, '/health');
    assert.deepEqual([ssl.connectTimeout, ssl.retry], [3, 2]);
  }
  assert.equal(rs.checkers[1]!.connectPort, 8443);
  const dns = vs!.realServers[1]!.checkers[0]!;
  assert.ok(dns.kind === 'DNS_CHECK' && dns.type === 'AAAA' && dns.name === 'example.test');
  const udp = vs!.realServers[1]!.checkers[1]!;
  assert.ok(udp.kind === 'UDP_CHECK' && udp.payload === '0a0b0c' && udp.requireReply === true && udp.maxReplyLength === 255);
  assert.deepEqual([fw!.kind, fw!.fwmark, fw!.schedFlags, fw!.realServers[0]!.port], ['fwmark', 7, ['sh-port'], 0]);
});

test('a value list without its brace is read up to the end of the enclosing block (as keepalived)', () => {
  const { model: m, exitCode } = model('vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress\n  192.0.2.100/24\n}\n');
  assert.equal(exitCode, 0);
  assert.equal(m.vrrpInstances[0]!.vips[0]!.addr, '192.0.2.100');
});

// Keyword sets accepted by keepalived 2.2.7 (Debian build), probed with `keepalived -t`: every
// string in the binary tried in every block; newer keywords (auth_hmac, no_virtual_ipaddress,
// json_version, …) are absent on purpose.
const KEEPALIVED_227: Record<string, string> = {
  'top-level':
    'SSL bfd_instance child_wait_time garp_group global_defs instance interface_up_down_delays linkbeat_interfaces linkbeat_use_polling namespace_with_ipsets net_namespace net_namespace_ipvs static_ipaddress static_routes static_rules track_file track_group use_pid_dir virtual_server virtual_server_group vrrp_instance vrrp_script vrrp_sync_group vrrp_track_file vrrp_track_process',
  global_defs:
    'bfd_cpu_affinity bfd_no_swap bfd_priority bfd_process_name bfd_rlimit_rtime bfd_rlimit_rttime bfd_rt_priority checker_cpu_affinity checker_log_all_failures checker_no_swap checker_priority checker_process_name checker_rlimit_rtime checker_rlimit_rttime checker_rt_priority config_save_dir data_use_instance dbus_service_name default_interface disable_local_igmp dynamic_interfaces enable_dbus enable_script_security enable_snmp_checker enable_snmp_keepalived enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3 enable_snmp_vrrp enable_traps fifo_write_vrrp_states_on_reload include_check log_unknown_vrids lvs_flush lvs_flush_on_stop lvs_flush_onstop lvs_netlink_cmd_rcv_bufs lvs_netlink_cmd_rcv_bufs_force lvs_netlink_monitor_rcv_bufs lvs_netlink_monitor_rcv_bufs_force lvs_notify_fifo lvs_notify_fifo_script lvs_process_name lvs_sync_daemon lvs_timeouts max_auto_priority min_auto_priority_delay nftables nftables_counters nftables_ifindex nftables_ipvs nftables_ipvs_priority nftables_ipvs_start_fwmark nftables_priority no_checker_emails no_email_faults notification_email notification_email_from notify_fifo notify_fifo_script process_monitor_rcv_bufs process_monitor_rcv_bufs_force process_name process_names random_seed reload_check_config reload_file reload_repeat reload_time_file router_id rs_init_notifies script_user shutdown_script shutdown_script_timeout smtp_alert smtp_alert_checker smtp_alert_vrrp smtp_connect_timeout smtp_helo_name smtp_server snmp_socket startup_script startup_script_timeout tmp_config_directory umask vmac_addr_prefix vmac_prefix vrrp_check_unicast_src vrrp_cpu_affinity vrrp_down_timer_adverts vrrp_garp_extra_if vrrp_garp_interval vrrp_garp_lower_prio_delay vrrp_garp_lower_prio_repeat vrrp_garp_master_delay vrrp_garp_master_refresh vrrp_garp_master_refresh_repeat vrrp_garp_master_repeat vrrp_gna_interval vrrp_higher_prio_send_advert vrrp_iptables vrrp_lower_prio_no_advert vrrp_mcast_group4 vrrp_mcast_group6 vrrp_min_garp vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force vrrp_netlink_monitor_rcv_bufs vrrp_netlink_monitor_rcv_bufs_force vrrp_no_swap vrrp_notify_fifo vrrp_notify_fifo_script vrrp_notify_priority_changes vrrp_priority vrrp_process_name vrrp_rlimit_rtime vrrp_rlimit_rttime vrrp_rt_priority vrrp_rx_bufs_multiplier vrrp_rx_bufs_policy vrrp_skip_check_adv_addr vrrp_startup_delay vrrp_strict vrrp_version vrrp_vmac_garp_intvl',
  vrrp_instance:
    'accept advert_int authentication check_unicast_src debug dont_track_primary down_timer_adverts garp_extra_if garp_lower_prio_delay garp_lower_prio_repeat garp_master_delay garp_master_refresh garp_master_refresh_repeat garp_master_repeat higher_prio_send_advert interface kernel_rx_buf_size linkbeat_use_polling lower_prio_no_advert lvs_sync_daemon_interface mcast_dst_ip mcast_src_ip native_ipv6 no_accept nopreempt notify notify_backup notify_deleted notify_fault notify_master notify_master_rx_lower_pri notify_priority_changes notify_stop old_unicast_checksum preempt preempt_delay priority promote_secondaries skip_check_adv_addr smtp_alert state strict_mode track_bfd track_file track_interface track_process track_script track_src_ip unicast_fault_no_peer unicast_peer unicast_src_ip unicast_ttl use_ipvlan use_vmac use_vmac_addr version virtual_ipaddress virtual_ipaddress_excluded virtual_router_id virtual_routes virtual_rules vmac_garp_intvl vmac_xmit_base vrf',
  authentication: 'auth_pass auth_type',
  vrrp_sync_group:
    'global_tracking group notify notify_backup notify_fault notify_master notify_priority_changes notify_stop smtp_alert sync_group_tracking_weight track_bfd track_file track_interface track_process track_script',
  vrrp_script: 'fall init_fail interval rise script timeout user weight',
  vrrp_track_process: 'delay fork_delay full_command param_match process quorum quorum_max terminate_delay weight',
  track_file: 'file init_file weight',
  garp_group: 'garp_interval gna_interval interface interfaces',
  track_group: 'group',
  bfd_instance: 'checker hoplimit idle_tx max_hops min_rx min_tx multiplier neighbor_ip neighbour_ip passive source_ip ttl vrrp weight',
  SSL: 'ca certificate key password',
  virtual_server:
    'alpha connect_timeout delay_before_retry delay_loop flag-1 flag-2 flag-3 ha_suspend hashed hysteresis inhibit_on_failure ip_family lb_algo lb_kind lvs_method lvs_sched mh-fallback mh-port omega ops persistence_engine persistence_granularity persistence_timeout protocol quorum quorum_down quorum_up real_server retry sh-fallback sh-port smtp_alert snmp_name sorry_server sorry_server_inhibit sorry_server_lvs_method virtualhost warmup weight',
  real_server:
    'BFD_CHECK DNS_CHECK FILE_CHECK HTTP_GET MISC_CHECK PING_CHECK SMTP_CHECK SSL_GET TCP_CHECK UDP_CHECK alpha connect_timeout delay_before_retry delay_loop inhibit_on_failure lthreshold lvs_method notify_down notify_up retry smtp_alert snmp_name uthreshold virtualhost warmup weight',
  TCP_CHECK: 'alpha bind_if bind_port bindto connect_ip connect_port connect_timeout delay_before_retry delay_loop fwmark log_all_failures retry warmup',
  PING_CHECK: 'alpha bind_if bind_port bindto connect_ip connect_port connect_timeout delay_before_retry delay_loop fwmark log_all_failures retry warmup',
  HTTP_GET:
    'alpha bind_if bind_port bindto connect_ip connect_port connect_timeout delay_before_retry delay_loop enable_sni fast_recovery fwmark http_protocol log_all_failures nb_get_retry retry url virtualhost warmup',
  SSL_GET:
    'alpha bind_if bind_port bindto connect_ip connect_port connect_timeout delay_before_retry delay_loop enable_sni fast_recovery fwmark http_protocol log_all_failures nb_get_retry retry url virtualhost warmup',
  url: 'digest path regex regex_max_offset regex_min_offset regex_no_match regex_options regex_stack status_code virtualhost',
  SMTP_CHECK: 'alpha bind_if bind_port bindto connect_ip connect_port connect_timeout delay_before_retry delay_loop fwmark helo_name host log_all_failures retry warmup',
  DNS_CHECK: 'alpha bind_if bind_port bindto connect_ip connect_port connect_timeout delay_before_retry delay_loop fwmark log_all_failures name retry type warmup',
  UDP_CHECK:
    'alpha bind_if bind_port bindto connect_ip connect_port connect_timeout delay_before_retry delay_loop fwmark log_all_failures max_reply_length min_reply_length payload require_reply retry warmup',
  MISC_CHECK: 'alpha delay_before_retry delay_loop log_all_failures misc_dynamic misc_path misc_timeout retry user warmup',
  FILE_CHECK: 'track_file weight',
  BFD_CHECK: 'alpha name',
};

test('keyword tables hold exactly the keywords keepalived 2.2.7 accepts in each block', () => {
  const names = keywordNames();
  for (const [block, expected] of Object.entries(KEEPALIVED_227)) {
    assert.deepEqual(names[block], expected.split(' ').sort(), `block ${block}`);
  }
  const counts = keywordCounts();
  assert.equal(counts['global_defs'], 125);
  assert.equal(counts['vrrp_instance'], 64);
});

test('dump (-d) names every section with file:line and the parsed values', () => {
  const { model: m } = model(
    'global_defs {\n router_id lb1\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.10/24\n }\n}\n',
  );
  const text = dumpConfig(m);
  assert.match(text, /Global definitions/);
  assert.match(text, /routerId = lb1/);
  assert.match(text, /VI_1 {2}\(m\.conf:4\)/);
  assert.match(text, /vrid = 51/);
  assert.match(text, /addr = 192\.0\.2\.10/);
});

test('every corpus file and upstream sample builds and dumps without throwing', () => {
  const dirs = ['test/corpus/valid', 'test/corpus/invalid', 'test/corpus/seed'];
  let n = 0;
  for (const d of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(d).filter((f) => f.endsWith('.conf'));
    } catch {
      continue; // run from elsewhere: nothing to read
    }
    for (const f of names) {
      const r = checkConfigText(readFileSync(`${d}/${f}`, 'utf8'), `${d}/${f}`, { host: HOST });
      assert.ok(r.model, f);
      assert.ok([0, 2, 4, 5, 6].includes(r.exitCode), f);
      assert.equal(typeof dumpConfig(r.model), 'string');
      n++;
    }
  }
  assert.ok(n === 0 || n > 100);
});
