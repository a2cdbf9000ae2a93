// One small configuration per validation rule: the rule fires with keepalived 2.2.7's exit code at
// the right line, and the fixed configuration passes. Expectations were taken from Debian's
// keepalived 2.2.7 `-t`; set VIPD_VERIFY_WITH_KEEPALIVED=1 (root, keepalived installed, an `eth0`
// present, no `eth9`) to re-check every expected exit code against the real keepalived.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigText, type CheckResult } from '../../src/config/check.js';
import type { HostFacts } from '../../src/config/validate.js';

const HOST: HostFacts = {
  interfaces: new Set(['lo', 'eth0']),
  userExists: (n) => n === 'root' || n === 'nobody',
  uidOf: (n) => (n === 'root' ? 0 : n === 'nobody' ? 65534 : undefined),
};

const FILE = 'test.conf';

function check(conf: string): CheckResult {
  return checkConfigText(conf, FILE, { host: HOST });
}

const VERIFY = process.env['VIPD_VERIFY_WITH_KEEPALIVED'] === '1';

function keepalivedExit(conf: string): number | null {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-kcheck-'));
  try {
    const f = join(dir, 'keepalived.conf');
    writeFileSync(f, conf);
    return spawnSync('keepalived', ['-t', '-f', f], { encoding: 'utf8' }).status;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Rule {
  name: string;
  bad: string;
  exit: number;
  line?: number; // the line the diagnostic must name (1-based); omitted when keepalived names none
  message: RegExp;
  fixed: string;
}

/** A minimal valid instance with `extra` lines inside and `vips` as its address list. */
function inst(extra = '', vips = '192.0.2.10/24', name = 'VI_1', vrid = 51): string {
  return `vrrp_instance ${name} {\n    interface eth0\n    virtual_router_id ${vrid}\n${extra}    virtual_ipaddress {\n        ${vips}\n    }\n}\n`;
}
const SEC = 'global_defs {\n    enable_script_security\n    script_user root\n}\n';
const RS_OK = '    protocol TCP\n    lvs_sched rr\n    lvs_method NAT\n    real_server 192.0.2.21 80 {\n        weight 1\n    }\n';

const RULES: Rule[] = [
  // ---- keywords and values
  { name: 'unknown keyword', bad: inst('    foo bar\n'), exit: 5, line: 4, message: /Unknown keyword 'foo'/, fixed: inst() },
  { name: 'keyword newer than 2.2.7 is unknown', bad: inst('    no_virtual_ipaddress\n'), exit: 5, line: 4, message: /Unknown keyword 'no_virtual_ipaddress'/, fixed: inst() },
  { name: 'unknown top-level keyword', bad: 'vrrp_foo\n' + inst(), exit: 5, line: 1, message: /Unknown keyword 'vrrp_foo'/, fixed: inst() },
  { name: 'virtual_router_id out of range', bad: inst().replace('virtual_router_id 51', 'virtual_router_id 300'), exit: 5, line: 3, message: /outside range \[1, 255\]/, fixed: inst() },
  { name: 'virtual_router_id required', bad: inst().replace('    virtual_router_id 51\n', ''), exit: 5, line: 1, message: /virtual router id must be set/, fixed: inst() },
  { name: 'priority range', bad: inst('    priority 0\n'), exit: 5, line: 4, message: /Priority not valid/, fixed: inst('    priority 1\n') },
  { name: 'priority not a number', bad: inst('    priority abc\n'), exit: 5, line: 4, message: /invalid number 'abc'/, fixed: inst('    priority 200\n') },
  { name: 'state must be MASTER or BACKUP (case-sensitive)', bad: inst('    state backup\n'), exit: 5, line: 4, message: /unknown state 'backup'/, fixed: inst('    state BACKUP\n') },
  { name: 'advert_int zero', bad: inst('    advert_int 0\n'), exit: 5, line: 4, message: /Advert interval \(0\) not valid/, fixed: inst('    advert_int 2\n') },
  { name: 'advert_int fraction with VRRPv2', bad: inst('    advert_int 1.5\n'), exit: 5, line: 1, message: /must be an integer/, fixed: inst('    advert_int 1.5\n    version 3\n') },
  { name: 'advert_int not in 10 ms units with VRRPv3', bad: inst('    version 3\n    advert_int 0.015\n'), exit: 5, line: 1, message: /units of 10ms/, fixed: inst('    version 3\n    advert_int 0.02\n') },
  { name: 'advert_int above 40.95 s with VRRPv3', bad: inst('    version 3\n    advert_int 41\n'), exit: 5, line: 1, message: /less than 40.96s/, fixed: inst('    version 3\n    advert_int 40\n') },
  { name: 'preempt_delay range', bad: inst('    preempt_delay 1001\n'), exit: 5, line: 4, message: /Preempt_delay not valid/, fixed: inst('    preempt_delay 1000\n') },
  { name: 'global vrrp_version', bad: 'global_defs {\n    vrrp_version 4\n}\n' + inst(), exit: 5, line: 2, message: /Version must be either 2 or 3/, fixed: 'global_defs {\n    vrrp_version 3\n}\n' + inst() },
  { name: 'global bool value', bad: 'global_defs {\n    smtp_alert maybe\n}\n' + inst(), exit: 5, line: 2, message: /Invalid value 'maybe'/, fixed: 'global_defs {\n    smtp_alert yes\n}\n' + inst() },
  { name: 'global integer (no fractions)', bad: 'global_defs {\n    vrrp_garp_master_delay 1.5\n}\n' + inst(), exit: 5, line: 2, message: /invalid number '1.5'/, fixed: 'global_defs {\n    vrrp_garp_master_delay 2\n}\n' + inst() },
  { name: 'multicast group must be multicast', bad: 'global_defs {\n    vrrp_mcast_group4 192.0.2.1\n}\n' + inst(), exit: 5, line: 2, message: /is not multicast/, fixed: 'global_defs {\n    vrrp_mcast_group4 224.0.0.18\n}\n' + inst() },
  { name: 'include_check type 2.2.7 does not know', bad: 'global_defs {\n    include_check readable\n}\n' + inst(), exit: 5, line: 2, message: /Unknown include_check type 'readable'/, fixed: 'global_defs {\n    include_check match\n}\n' + inst() },
  { name: 'vrrp_iptables not in the Debian build', bad: 'global_defs {\n    vrrp_iptables\n}\n' + inst(), exit: 5, line: 2, message: /iptables not supported/, fixed: 'global_defs {\n    nftables\n}\n' + inst() },
  { name: 'missing parameter is fatal (exit 2)', bad: 'global_defs {\n    vrrp_version\n}\n' + inst(), exit: 2, line: 2, message: /missing a parameter after keyword `vrrp_version`/, fixed: inst() },
  { name: 'script_user must exist', bad: 'global_defs {\n    script_user vipd-no-such-user\n}\n' + inst(), exit: 5, line: 2, message: /Error setting global script uid\/gid/, fixed: 'global_defs {\n    script_user root\n}\n' + inst() },

  // ---- addresses
  { name: 'VIP must be an address', bad: inst('', '192.0.2.300'), exit: 5, line: 5, message: /invalid IP 192.0.2.300/, fixed: inst('', '192.0.2.30') },
  { name: 'VIP prefix range', bad: inst('', '192.0.2.1/33'), exit: 5, line: 5, message: /Invalid address prefix len 33/, fixed: inst('', '192.0.2.1/32') },
  { name: 'VIP unknown option', bad: inst('', '192.0.2.1 foo'), exit: 5, line: 5, message: /Unknown configuration entry 'foo'/, fixed: inst('', '192.0.2.1 dev eth0 scope link label eth0:1') },
  { name: 'VIP dev without a name', bad: inst('', '192.0.2.1 dev'), exit: 5, line: 5, message: /No dev parameter/, fixed: inst('', '192.0.2.1 dev eth0') },
  { name: 'VIP label is IPv4 only', bad: inst('', 'fd00::1 label x'), exit: 5, line: 5, message: /Cannot specify label for IPv6/, fixed: inst('', 'fd00::1') },
  { name: 'VIP scope', bad: inst('', '192.0.2.1 scope bogus'), exit: 5, line: 5, message: /Invalid scope 'bogus'/, fixed: inst('', '192.0.2.1 scope host') },
  { name: 'no VIP', bad: 'vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n}\n', exit: 5, line: 1, message: /No VIP specified/, fixed: inst() },
  { name: 'mixed families in virtual_ipaddress', bad: inst('', '192.0.2.10/24\n        fd00::1/64'), exit: 5, line: 6, message: /address family must match VRRP instance/, fixed: inst('', '192.0.2.10/24\n        192.0.2.11/24') },
  { name: 'route without dev cannot be tracked', bad: inst('    virtual_routes {\n        198.51.100.0/24 via 192.0.2.1\n    }\n'), exit: 5, line: 5, message: /cannot track route/, fixed: inst('    virtual_routes {\n        198.51.100.0/24 via 192.0.2.1 dev eth0\n    }\n') },
  { name: 'route mixing families', bad: inst('    virtual_routes {\n        198.51.100.0/24 via fd00::1 dev eth0\n    }\n'), exit: 5, line: 5, message: /Cannot mix IPv4 and IPv6/, fixed: inst('    virtual_routes {\n        198.51.100.0/24 via 192.0.2.1 no_track\n    }\n') },
  { name: 'route keyword unknown', bad: inst('    virtual_routes {\n        198.51.100.0/24 dev eth0 bogus 3\n    }\n'), exit: 5, line: 5, message: /unknown route keyword bogus/, fixed: inst('    virtual_routes {\n        198.51.100.0/24 dev eth0 metric 3\n    }\n') },
  { name: 'route option without value is fatal', bad: inst('    virtual_routes {\n        198.51.100.0/24 via\n    }\n'), exit: 2, line: 5, message: /after keyword `via` at word position 3/, fixed: inst('    virtual_routes {\n        198.51.100.0/24 dev eth0\n    }\n') },
  { name: 'a lone unknown route word wants a value (fatal)', bad: inst('    virtual_routes {\n        1\n    }\n'), exit: 2, line: 5, message: /starting `1` is missing a parameter after keyword `1`/, fixed: inst('    virtual_routes {\n        198.51.100.0/24 dev eth0\n    }\n') },
  { name: 'invalid rule address ends the line', bad: inst('    virtual_rules {\n        from 0 table\n    }\n'), exit: 5, line: 5, message: /Invalid rule address '0'/, fixed: inst('    virtual_rules {\n        from 192.0.2.0/24 table 7 priority 9\n    }\n') },
  { name: 'route table must exist', bad: inst('    virtual_routes {\n        198.51.100.0/24 dev eth0 table nosuchtable\n    }\n'), exit: 5, line: 5, message: /Routing table nosuchtable not found/, fixed: inst('    virtual_routes {\n        198.51.100.0/24 dev eth0 table 100\n    }\n') },
  { name: 'rule needs a preference', bad: inst('    virtual_rules {\n        from 192.0.2.0/24 table 100\n    }\n'), exit: 5, line: 5, message: /Rule has no preference/, fixed: inst('    virtual_rules {\n        from 192.0.2.0/24 table 100 priority 10\n    }\n') },
  { name: 'rule option unknown', bad: inst('    virtual_rules {\n        to 198.51.100.1 lookup 5 pref 3\n    }\n'), exit: 5, line: 5, message: /Unknown rule option pref/, fixed: inst('    virtual_rules {\n        to 198.51.100.1 lookup 5 preference 3\n    }\n') },
  { name: 'rule mixing families', bad: inst('    virtual_rules {\n        from 192.0.2.1 to fd00::1 table 4 priority 3\n    }\n'), exit: 5, line: 5, message: /mixed IPv4 and IPv6/, fixed: inst('    virtual_rules {\n        from fd00::2 to fd00::1 table 4 priority 3\n    }\n') },

  // ---- instance consistency
  { name: 'duplicate instance name', bad: inst() + inst('', '192.0.2.11', 'VI_1', 52), exit: 5, line: 8, message: /vrrp instance VI_1 already defined/, fixed: inst() + inst('', '192.0.2.11', 'VI_2', 52) },
  { name: 'duplicate VRID on interface and family', bad: inst() + inst('', '192.0.2.11', 'VI_2', 51), exit: 5, line: 8, message: /both use VRID 51 with IPv4 on interface eth0/, fixed: inst() + inst('', 'fd00::11', 'VI_2', 51) },
  { name: 'duplicate VRID between unicast instances sharing a peer', bad: inst('    unicast_peer {\n        192.0.2.5\n    }\n') + inst('    unicast_peer {\n        192.0.2.5\n    }\n', '192.0.2.11', 'VI_2', 51), exit: 5, line: 1, message: /duplicate VRID conflict with VI_2/, fixed: inst('    unicast_peer {\n        192.0.2.5\n    }\n') + inst('    unicast_peer {\n        192.0.2.6\n    }\n', '192.0.2.11', 'VI_2', 51) },
  { name: 'interface must exist', bad: inst('    interface eth9\n'), exit: 5, line: 4, message: /interface eth9 .* doesn't exist/, fixed: 'global_defs {\n    dynamic_interfaces\n}\n' + inst('    interface eth9\n') },
  { name: 'interface required', bad: inst().replace('    interface eth0\n', ''), exit: 5, line: 1, message: /Unknown interface!/, fixed: inst() },
  { name: 'nopreempt with state MASTER', bad: inst('    state MASTER\n    nopreempt\n'), exit: 5, line: 1, message: /nopreempt will not work with initial state MASTER/, fixed: inst('    state BACKUP\n    nopreempt\n') },
  { name: 'preempt_delay with nopreempt', bad: inst('    nopreempt\n    preempt_delay 5\n'), exit: 5, line: 1, message: /preempt_delay is incompatible with nopreempt/, fixed: inst('    preempt_delay 5\n') },
  { name: 'authentication with VRRPv3', bad: inst('    version 3\n    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n'), exit: 5, message: /version 3 does not support authentication/, fixed: inst('    authentication {\n        auth_type PASS\n        auth_pass secret\n    }\n') },
  { name: 'auth_pass longer than 8', bad: inst('    authentication {\n        auth_type PASS\n        auth_pass 123456789\n    }\n'), exit: 5, line: 6, message: /Truncating auth_pass to 8/, fixed: inst('    authentication {\n        auth_type PASS\n        auth_pass 12345678\n    }\n') },
  { name: 'auth_type', bad: inst('    authentication {\n        auth_type FOO\n    }\n'), exit: 5, line: 5, message: /unknown authentication type 'FOO'/, fixed: inst('    authentication {\n        auth_type AH\n        auth_pass x\n    }\n') },
  { name: 'authentication needs a password', bad: inst('    authentication {\n        auth_type PASS\n    }\n'), exit: 5, line: 1, message: /no password given/, fixed: inst('    authentication {\n        auth_type PASS\n        auth_pass x\n    }\n') },
  { name: 'AH with initial state MASTER (non-owner)', bad: inst('    state MASTER\n    priority 100\n    authentication {\n        auth_type AH\n        auth_pass x\n    }\n'), exit: 5, line: 1, message: /incompatible with AH authentication/, fixed: inst('    state MASTER\n    authentication {\n        auth_type AH\n        auth_pass x\n    }\n') },
  { name: 'unicast keyword without peers', bad: inst('    unicast_src_ip 192.0.2.5\n'), exit: 5, line: 1, message: /unicast keyword has been specified without any unicast peers/, fixed: inst('    unicast_src_ip 192.0.2.5\n    unicast_peer {\n        192.0.2.6\n    }\n') },
  { name: 'unicast_ttl without peers', bad: inst('    unicast_ttl 5\n'), exit: 5, line: 4, message: /Cannot use unicast_ttl without unicast peers/, fixed: inst('    unicast_ttl 5\n    unicast_peer {\n        192.0.2.6\n    }\n') },
  { name: 'unicast peer address', bad: inst('    unicast_peer {\n        192.0.2.300\n    }\n'), exit: 5, line: 5, message: /malformed unicast peer address/, fixed: inst('    unicast_peer {\n        192.0.2.30\n    }\n') },
  { name: 'unicast peer family', bad: inst('    unicast_peer {\n        fd00::2\n    }\n'), exit: 5, line: 5, message: /MUST be of the same family/, fixed: inst('    unicast_peer {\n        192.0.2.2\n    }\n') },
  { name: 'use_vmac with unicast needs vmac_xmit_base', bad: inst('    use_vmac\n    unicast_peer {\n        192.0.2.2\n    }\n'), exit: 5, line: 11, message: /requires vmac_xmit_base/, fixed: inst('    use_vmac\n    vmac_xmit_base\n    unicast_peer {\n        192.0.2.2\n    }\n') },
  { name: 'tracking the own interface', bad: inst('    track_interface {\n        eth0\n    }\n'), exit: 5, line: 1, message: /Ignoring track_interface eth0 since own interface/, fixed: inst('    track_interface {\n        lo\n    }\n') },
  { name: 'track_interface weight range', bad: inst('    track_interface {\n        lo weight 300\n    }\n'), exit: 5, line: 5, message: /weight .* must be between \[-253\.\.253\]/, fixed: inst('    track_interface {\n        lo weight 253\n    }\n') },
  { name: 'undefined track_script', bad: inst('    track_script {\n        nochk\n    }\n'), exit: 5, line: 5, message: /track script nochk not found/, fixed: inst() },
  { name: 'undefined track_file', bad: inst('    track_file {\n        nofile\n    }\n'), exit: 5, line: 5, message: /track file nofile not found/, fixed: 'track_file tf {\n    file /tmp/vipd-unit-tf\n}\n' + inst('    track_file {\n        tf\n    }\n') },
  { name: 'undefined track_bfd', bad: inst('    track_bfd {\n        nobfd\n    }\n'), exit: 5, line: 5, message: /track bfd nobfd not found/, fixed: 'bfd_instance nobfd {\n    neighbor_ip 192.0.2.2\n}\n' + inst('    track_bfd {\n        nobfd\n    }\n') },

  { name: 'owner (priority 255) cannot nopreempt', bad: inst('    priority 255\n    nopreempt\n'), exit: 5, line: 1, message: /nopreempt is incompatible with priority 255/, fixed: inst('    priority 254\n    nopreempt\n') },
  { name: 'owner ignores weighted tracked interfaces', bad: inst('    priority 255\n    track_interface {\n        lo weight 5\n    }\n'), exit: 5, line: 1, message: /ignoring lo tracked interface due to address owner/, fixed: inst('    priority 255\n    track_interface {\n        lo\n    }\n') },
  { name: 'owner ignores weighted track files', bad: 'track_file tf {\n    file /tmp/vipd-unit-tf\n}\n' + inst('    priority 255\n    track_file {\n        tf\n    }\n'), exit: 5, line: 4, message: /ignoring weight from tracked file tf due to address_owner/, fixed: 'track_file tf {\n    file /tmp/vipd-unit-tf\n    weight 0\n}\n' + inst('    priority 255\n    track_file {\n        tf\n    }\n') },
  { name: 'track_script option must be weight', bad: SEC + 'vrrp_script chk {\n    script "/bin/true"\n}\n' + inst('    track_script {\n        chk 255 10\n    }\n'), exit: 5, line: 12, message: /unknown track script option 255/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n}\n' + inst('    track_script {\n        chk weight 10 noreverse\n    }\n') },
  { name: 'vrrp_instance takes exactly one name', bad: inst().replace('vrrp_instance VI_1 {', 'vrrp_instance VI_1 MASTER {'), exit: 5, line: 1, message: /vrrp_instance must have a name/, fixed: inst() },
  { name: 'duplicate vrrp_script: the second definition is checked too', bad: SEC + 'vrrp_script chk {\n    script "/bin/true"\n}\nvrrp_script chk {\n    script "/nonexistent/vipd-check.sh"\n}\n' + inst('    track_script {\n        chk\n    }\n'), exit: 5, message: /Disabling track script chk since not found/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n}\nvrrp_script chk {\n    script "/bin/false"\n}\n' + inst('    track_script {\n        chk\n    }\n') },
  { name: 'missing up/down delay interface alone (exit 4)', bad: 'interface_up_down_delays {\n    eth9 1 2\n}\n', exit: 4, line: 2, message: /unknown interface eth9 specified for up\/down delay/, fixed: 'interface_up_down_delays {\n    eth0 1 2\n}\n' },
  { name: 'track_file weight option', bad: 'track_file tf {\n    file /tmp/vipd-unit-tf\n    weight 1 0x10\n}\n' + inst(), exit: 5, line: 3, message: /unknown track file weight option 0x10/, fixed: 'track_file tf {\n    file /tmp/vipd-unit-tf\n    weight 1 reverse\n}\n' + inst() },

  // ---- strict mode
  { name: 'strict: MASTER must be owner', bad: 'global_defs {\n    vrrp_strict\n}\n' + inst('    state MASTER\n    priority 100\n'), exit: 5, line: 4, message: /State MASTER must match being address owner/, fixed: 'global_defs {\n    vrrp_strict\n}\n' + inst('    state MASTER\n    priority 255\n') },
  { name: 'strict: no authentication', bad: 'global_defs {\n    vrrp_strict\n}\n' + inst('    authentication {\n        auth_type PASS\n        auth_pass x\n    }\n'), exit: 5, line: 8, message: /Strict mode does not support authentication/, fixed: 'global_defs {\n    vrrp_strict\n}\n' + inst() },
  { name: 'strict: no accept with VRRPv2', bad: 'global_defs {\n    vrrp_strict\n}\n' + inst('    accept\n'), exit: 5, line: 4, message: /accept mode for VRRP version 2/, fixed: 'global_defs {\n    vrrp_strict\n}\n' + inst('    accept\n    version 3\n') },
  { name: 'strict: no preempt_delay', bad: 'global_defs {\n    vrrp_strict\n}\n' + inst('    preempt_delay 3\n'), exit: 5, line: 4, message: /preempt_delay is incompatible with strict mode/, fixed: 'global_defs {\n    vrrp_strict\n}\n' + inst() },
  { name: 'strict: first IPv6 VIP link-local', bad: 'global_defs {\n    vrrp_strict\n}\n' + inst('', 'fd00::1'), exit: 5, line: 8, message: /first IPv6 VIP address must be link local/, fixed: 'global_defs {\n    vrrp_strict\n}\n' + inst('', 'fe80::1\n        fd00::1') },

  // ---- sync groups
  { name: 'sync group member undefined', bad: 'vrrp_sync_group G {\n    group {\n        VI_1\n        VI_9\n    }\n}\n' + inst() + inst('', '192.0.2.11', 'VI_2', 52), exit: 5, line: 2, message: /Virtual router VI_9 specified in sync group G doesn't exist/, fixed: 'vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n' + inst() + inst('', '192.0.2.11', 'VI_2', 52) },
  { name: 'sync group without members', bad: 'vrrp_sync_group G {\n}\n' + inst(), exit: 5, line: 1, message: /has no virtual router\(s\)/, fixed: inst() },
  { name: 'lvs_sync_daemon_interface in an instance is deprecated', bad: inst('    lvs_sync_daemon_interface eth0\n'), exit: 5, line: 4, message: /lvs_sync_daemon_interface against a vrrp is deprecated/, fixed: 'global_defs {\n    lvs_sync_daemon eth0\n}\n' + inst() },
  { name: 'sync group with one member', bad: 'vrrp_sync_group G {\n    group {\n        VI_1\n    }\n}\n' + inst(), exit: 5, line: 1, message: /has only 1 virtual router/, fixed: inst() },
  { name: 'instance in two sync groups', bad: 'vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\nvrrp_sync_group H {\n    group {\n        VI_1\n        VI_2\n    }\n}\n' + inst() + inst('', '192.0.2.11', 'VI_2', 52), exit: 5, line: 8, message: /cannot exist in more than one sync group/, fixed: 'vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n' + inst() + inst('', '192.0.2.11', 'VI_2', 52) },

  // ---- scripts and script security
  { name: 'scripts without script security (exit 6)', bad: 'vrrp_script chk {\n    script "/bin/true"\n}\n' + inst(), exit: 6, message: /SECURITY VIOLATION/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n}\n' + inst() },
  { name: 'notify script without script security (exit 6)', bad: inst('    notify_master /bin/true\n'), exit: 6, message: /SECURITY VIOLATION/, fixed: SEC + inst('    notify_master /bin/true\n') },
  { name: 'security violation wins over config errors', bad: 'vrrp_script chk {\n    script "/bin/true"\n}\n' + inst('    foo\n'), exit: 6, message: /SECURITY VIOLATION/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n}\n' + inst() },
  { name: 'missing notify script is never run (no violation)', bad: inst('    notify_master /bin/true\n'), exit: 6, message: /SECURITY VIOLATION/, fixed: inst('    notify_master /nonexistent/vipd-notify.sh\n') },
  { name: 'script security without a default user', bad: 'global_defs {\n    enable_script_security\n}\nvrrp_script chk {\n    script "/bin/true"\n}\n' + inst('    track_script {\n        chk\n    }\n'), exit: 5, line: 6, message: /Unable to set default user/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n}\n' + inst('    track_script {\n        chk\n    }\n') },
  { name: 'track script not found', bad: SEC + 'vrrp_script chk {\n    script "/nonexistent/vipd-check.sh"\n}\n' + inst(), exit: 5, line: 6, message: /Disabling track script chk since not found/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n}\n' + inst() },
  { name: 'vrrp_script without script', bad: SEC + 'vrrp_script chk {\n    interval 2\n}\n' + inst(), exit: 5, line: 7, message: /No script set for vrrp_script chk/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n    interval 2\n}\n' + inst() },
  { name: 'vrrp_script weight range', bad: SEC + 'vrrp_script chk {\n    script "/bin/true"\n    weight 300\n}\n' + inst(), exit: 5, line: 7, message: /weight 300 must be in \[-253, 253\]/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n    weight -253\n}\n' + inst() },
  { name: 'vrrp_script rise', bad: SEC + 'vrrp_script chk {\n    script "/bin/true"\n    rise 0\n}\n' + inst(), exit: 5, line: 7, message: /rise value '0' invalid/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n    rise 2\n}\n' + inst() },
  { name: 'per-script user must exist', bad: SEC + 'vrrp_script chk {\n    script "/bin/true"\n    user vipd-no-such-user\n}\n' + inst(), exit: 5, line: 6, message: /Unable to set uid\/gid for script/, fixed: SEC + 'vrrp_script chk {\n    script "/bin/true"\n    user root\n}\n' + inst() },

  // ---- trackers
  { name: 'track_file needs a file', bad: 'track_file tf {\n    weight 1\n}\n' + inst(), exit: 5, line: 3, message: /No file set for track_file tf/, fixed: 'track_file tf {\n    file /tmp/vipd-unit-tf\n}\n' + inst() },
  { name: 'track_process needs a process', bad: 'vrrp_track_process p {\n    weight 1\n}\n' + inst(), exit: 5, line: 3, message: /process name not specified/, fixed: 'vrrp_track_process p {\n    process sshd\n}\n' + inst() },
  { name: 'bfd_instance needs a neighbour', bad: 'bfd_instance b {\n    min_rx 10\n}\n' + inst(), exit: 5, line: 3, message: /has no neighbor address set/, fixed: 'bfd_instance b {\n    neighbor_ip 192.0.2.2\n}\n' + inst() },
  { name: 'bfd duplicate neighbour', bad: 'bfd_instance a {\n    neighbor_ip 192.0.2.2\n}\nbfd_instance b {\n    neighbor_ip 192.0.2.2\n}\n' + inst(), exit: 5, line: 6, message: /duplicate neighbor address/, fixed: 'bfd_instance a {\n    neighbor_ip 192.0.2.2\n}\nbfd_instance b {\n    neighbor_ip 192.0.2.3\n}\n' + inst() },
  { name: 'bfd min_rx range', bad: 'bfd_instance b {\n    neighbor_ip 192.0.2.2\n    min_rx 0\n}\n' + inst(), exit: 5, line: 3, message: /min_rx value 0 is not valid/, fixed: 'bfd_instance b {\n    neighbor_ip 192.0.2.2\n    min_rx 1\n}\n' + inst() },
  { name: 'linkbeat interface method', bad: 'linkbeat_interfaces {\n    eth0 POLL\n}\n' + inst(), exit: 5, line: 2, message: /extra characters POLL/, fixed: 'linkbeat_interfaces {\n    eth0 MII\n}\n' + inst() },
  { name: 'missing linkbeat interface alone (exit 4)', bad: 'linkbeat_interfaces {\n    eth9\n}\n', exit: 4, line: 2, message: /unknown interface eth9 specified for linkbeat/, fixed: 'linkbeat_interfaces {\n    eth0\n}\n' },

  // ---- virtual servers
  { name: 'virtual server without real servers', bad: 'virtual_server 192.0.2.20 80 {\n    protocol TCP\n}\n', exit: 5, line: 1, message: /has no real servers/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK + '}\n' },
  { name: 'virtual server protocol required (2.2.7)', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('    protocol TCP\n', '') + '}\n', exit: 5, line: 1, message: /no protocol set/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK + '}\n' },
  { name: 'virtual server scheduler required (2.2.7)', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('    lvs_sched rr\n', '') + '}\n', exit: 5, line: 1, message: /no scheduler set/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('    lvs_sched rr\n', '    lb_algo rr\n') + '}\n' },
  { name: 'virtual server forwarding method required (2.2.7)', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('    lvs_method NAT\n', '') + '}\n', exit: 5, line: 1, message: /no forwarding method set/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('    lvs_method NAT\n', '    lb_kind DR\n') + '}\n' },
  { name: 'tunnel options', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('lvs_method NAT', 'lvs_method DR 1') + '}\n', exit: 5, line: 4, message: /Invalid tunnel option 1/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('lvs_method NAT', 'lvs_method TUN type gue port 6080 nocsum') + '}\n' },
  { name: 'DR real server port must match', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('lvs_method NAT', 'lvs_method DR').replace('192.0.2.21 80', '192.0.2.21 8080') + '}\n', exit: 5, line: 5, message: /ports don't match/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('lvs_method NAT', 'lvs_method DR') + '}\n' },
  { name: 'zero port needs persistence', bad: 'virtual_server 192.0.2.20 0 {\n' + RS_OK + '}\n', exit: 5, line: 1, message: /zero port only valid for persistent services/, fixed: 'virtual_server 192.0.2.20 0 {\n    persistence_timeout 60\n' + RS_OK + '}\n' },
  { name: 'virtual_server alpha is a flag', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1', 'weight 1\n        alpha 0x10') + '}\n', exit: 5, line: 7, message: /alpha: invalid boolean '0x10'/, fixed: 'virtual_server 192.0.2.20 80 {\n    alpha 0x10\n' + RS_OK + '}\n' },
  { name: 'scheduler name', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('lvs_sched rr', 'lvs_sched foo') + '}\n', exit: 5, line: 3, message: /Invalid lvs_scheduler 'foo'/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK + '}\n' },
  { name: 'virtual server port', bad: 'virtual_server 192.0.2.20 99999 {\n' + RS_OK + '}\n', exit: 5, line: 1, message: /Invalid virtual server IP address\/port/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK + '}\n' },
  { name: 'real server family', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('192.0.2.21', 'fd00::21') + '}\n', exit: 5, line: 7, message: /Address family of virtual server and real server/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK + '}\n' },
  { name: 'real server weight', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1', 'weight -1') + '}\n', exit: 5, line: 6, message: /weight -1 is outside range/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK + '}\n' },
  { name: 'duplicate real server', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK + '    real_server 192.0.2.21 80 {\n    }\n}\n', exit: 5, line: 8, message: /is duplicated/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK + '    real_server 192.0.2.22 80 {\n    }\n}\n' },
  { name: 'HTTP_GET digest length', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'HTTP_GET {\n            url {\n                path /\n                digest abc\n            }\n        }\n') + '}\n', exit: 5, line: 9, message: /digest 'abc' character length should be 32/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'HTTP_GET {\n            url {\n                path /\n                digest 9b3a0c85a887a256d6939da88aabd8cd\n            }\n        }\n') + '}\n' },
  { name: 'HTTP_GET status code', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'HTTP_GET {\n            url {\n                path /\n                status_code 99\n            }\n        }\n') + '}\n', exit: 5, line: 9, message: /Invalid HTTP_GET status code '99'/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'HTTP_GET {\n            url {\n                path /\n                status_code 200-299 301\n            }\n        }\n') + '}\n' },
  { name: 'connect_port range', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'TCP_CHECK {\n            connect_port 99999\n        }\n') + '}\n', exit: 5, line: 7, message: /Invalid checker connect_port/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'TCP_CHECK {\n            connect_port 8080\n        }\n') + '}\n' },
  { name: 'DNS_CHECK type', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'DNS_CHECK {\n            type FOO\n        }\n') + '}\n', exit: 5, line: 7, message: /Unknown DNS check type FOO/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'DNS_CHECK {\n            type AAAA\n        }\n') + '}\n' },
  { name: 'UDP_CHECK payload hex', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'UDP_CHECK {\n            payload zz\n        }\n') + '}\n', exit: 5, line: 7, message: /Invalid hex string/, fixed: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'UDP_CHECK {\n            payload 0a0b\n        }\n') + '}\n' },
  { name: 'MISC_CHECK needs misc_path', bad: SEC + 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'MISC_CHECK {\n            misc_timeout 3\n        }\n') + '}\n', exit: 5, line: 12, message: /No script path has been specified for MISC_CHECKER/, fixed: SEC + 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'MISC_CHECK {\n            misc_path "/bin/true"\n        }\n') + '}\n' },
  { name: 'FILE_CHECK refers to a track_file', bad: 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'FILE_CHECK {\n            track_file nof\n        }\n') + '}\n', exit: 5, line: 6, message: /track_file nof not found/, fixed: 'track_file nof {\n    file /tmp/vipd-unit-tf\n}\nvirtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'FILE_CHECK {\n            track_file nof\n        }\n') + '}\n' },
  { name: 'quorum range', bad: 'virtual_server 192.0.2.20 80 {\n    quorum 0\n' + RS_OK + '}\n', exit: 5, line: 2, message: /Quorum 0 must be in/, fixed: 'virtual_server 192.0.2.20 80 {\n    quorum 1\n' + RS_OK + '}\n' },
  { name: 'virtual_server_group entry', bad: 'virtual_server_group G {\n    192.0.2.300 80\n}\nvirtual_server group G {\n' + RS_OK + '}\n', exit: 5, line: 2, message: /Invalid virtual server group IP address/, fixed: 'virtual_server_group G {\n    192.0.2.30 80\n    192.0.2.40-50 80\n}\nvirtual_server group G {\n' + RS_OK + '}\n' },
];

for (const r of RULES) {
  test(`rule: ${r.name}`, () => {
    const bad = check(r.bad);
    const hit = bad.diagnostics.find((d) => r.message.test(d.message));
    assert.ok(hit, `expected a diagnostic matching ${r.message}; got:\n${bad.diagnostics.map((d) => `${d.line}: ${d.message}`).join('\n')}`);
    if (r.line !== undefined) assert.equal(hit.line, r.line, `line of "${hit.message}"`);
    assert.equal(hit.file, FILE);
    assert.equal(bad.exitCode, r.exit, `exit code; diagnostics:\n${bad.diagnostics.map((d) => `${d.line}: ${d.message}`).join('\n')}`);
    const fixed = check(r.fixed);
    assert.equal(fixed.exitCode, 0, `fixed config should pass; got:\n${fixed.diagnostics.map((d) => `${d.line}: ${d.severity}: ${d.message}`).join('\n')}`);
    assert.ok(!fixed.diagnostics.some((d) => r.message.test(d.message)), 'the rule must not fire on the fixed config');
  });
  // Registered only when asked for: CI asks through test/integration/config-validate-keepalived.test.ts,
  // which runs this file again inside a namespace with the interfaces these configs assume.
  if (VERIFY) {
    test(`rule matches keepalived 2.2.7: ${r.name}`, () => {
      assert.equal(keepalivedExit(r.bad), r.exit, 'keepalived exit code for the bad config');
      assert.equal(keepalivedExit(r.fixed), 0, 'keepalived exit code for the fixed config');
    });
  }
}

test('rule: track script in an insecure (world-writable) directory is disabled', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-insecure-'));
  try {
    const sub = join(dir, 'ww');
    mkdirSync(sub);
    chmodSync(sub, 0o777);
    const script = join(sub, 'chk.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
    const conf = SEC + `vrrp_script chk {\n    script "${script}"\n}\n` + inst('    track_script {\n        chk\n    }\n');
    const r = check(conf);
    assert.equal(r.exitCode, 5);
    assert.ok(r.diagnostics.some((d) => /Disabling track script chk due to insecure/.test(d.message)));
    assert.ok(r.diagnostics.some((d) => /track script chk not found/.test(d.message) && d.line === 12));
    assert.equal(r.model?.vrrpScripts.has('chk'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing interface stops keepalived before the whole-config checks (exit 5, not 6)', () => {
  const r = check('vrrp_script chk {\n    script "/bin/true"\n}\nvrrp_sync_group G {\n}\n' + inst('    interface eth9\n'));
  assert.equal(r.exitCode, 5);
  assert.ok(!r.diagnostics.some((d) => /SECURITY VIOLATION/.test(d.message)));
  assert.ok(!r.diagnostics.some((d) => /Sync group/.test(d.message)));
  if (VERIFY) assert.equal(keepalivedExit('vrrp_script chk {\n    script "/bin/true"\n}\nvrrp_sync_group G {\n}\n' + inst('    interface eth9\n')), 5);
});

test('fatal parse problems stop the build (exit 2) and keep earlier diagnostics', () => {
  const r = check(inst('    foo\n') + 'global_defs {\n    vmac_prefix\n}\n');
  assert.equal(r.exitCode, 2);
  assert.ok(r.diagnostics.some((d) => /Unknown keyword 'foo'/.test(d.message)));
  assert.ok(r.diagnostics.some((d) => /missing a parameter after keyword `vmac_prefix`/.test(d.message) && d.line === 10));
});

test('bad input never throws: random word soup gives diagnostics, not exceptions', () => {
  const words = ['vrrp_instance', '{', '}', 'virtual_ipaddress', 'x', '192.0.2.1/99', 'weight', '-', 'real_server', 'url', 'TCP_CHECK', '"', 'track_script', 'fwmark'];
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 200; i++) {
    const lines: string[] = [];
    for (let l = 0; l < 12; l++) lines.push(Array.from({ length: 1 + rnd(4) }, () => words[rnd(words.length)]).join(' '));
    const r = check(lines.join('\n'));
    assert.ok([0, 2, 4, 5, 6].includes(r.exitCode));
  }
});

test('an unknown block is read the keepalived way: its lines join the current block, its } closes it', () => {
  // keepalived 2.2.7 names lines 4 and 7-10 for this file (nested vrrp_instance).
  const conf = 'vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    vrrp_instance VI_2 {\n        interface eth0\n    }\n    virtual_ipaddress {\n        192.0.2.100/24\n    }\n}\n';
  const r = check(conf);
  assert.equal(r.exitCode, 5);
  const lines = new Set(r.diagnostics.map((d) => d.line));
  for (const l of [4, 7, 8, 9, 10]) assert.ok(lines.has(l), `line ${l} named; got ${[...lines].join(',')}`);
  assert.ok(r.diagnostics.some((d) => d.line === 7 && /Unknown keyword 'virtual_ipaddress'/.test(d.message)));
  assert.ok(r.diagnostics.some((d) => /No VIP specified/.test(d.message)));
});

test('MISC_CHECK with an unknown user is removed from the model', () => {
  const conf = SEC + 'virtual_server 192.0.2.20 80 {\n' + RS_OK.replace('weight 1\n', 'MISC_CHECK {\n            misc_path "/bin/true"\n            user vipd-no-such-user\n        }\n') + '}\n';
  const r = check(conf);
  assert.equal(r.exitCode, 5);
  assert.ok(r.diagnostics.some((d) => d.line === 12 && /Failed to set uid\/gid for misc checker/.test(d.message)));
  assert.equal(r.model?.virtualServers[0]?.realServers[0]?.checkers.length, 0);
  if (VERIFY) assert.equal(keepalivedExit(conf), 5);
});
