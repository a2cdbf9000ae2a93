// GARP, unsolicited NA and VMAC against the real kernel: a peer's stale neighbour entry must be
// repointed to our MAC (or the VMAC); the macvlan must look exactly like keepalived's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable, sh, waitFor } from '../helpers/netns.js';
import { Agent, capture } from './net-agents/client.js';
import { vrrpV2, vrrpV3 } from './net-agents/vrrp-payload.js';

const skip = labUnavailable();

describe('net: GARP, unsolicited NA, VMAC', { skip }, () => {
  const lab = new Lab('ng');
  let a: Agent;
  let nsA: string, nsB: string;
  const ipA = (...args: string[]) => sh('ip', ['-n', nsA, ...args]);
  const ipB = (...args: string[]) => sh('ip', ['-n', nsB, ...args]);
  const neighB = (addr: string) => ipB('neigh', 'show', addr, 'dev', 'eth0');

  before(async () => {
    lab.addHost('a', '192.0.2.1/24', 'fd00:1::1/64');
    lab.addHost('b', '192.0.2.2/24', 'fd00:1::2/64');
    nsA = lab.host('a').ns;
    nsB = lab.host('b').ns;
    // Let GARP/NA override an entry at once (default locktime is 1 s after the last update).
    sh('ip', ['netns', 'exec', nsB, 'sysctl', '-qw', 'net.ipv4.neigh.eth0.locktime=0', 'net.ipv6.neigh.eth0.locktime=0']);
    a = await Agent.start(lab, 'a');
  });
  after(async () => { await lab.teardown(); });

  function stale(addr: string, mac: string): void {
    ipB('neigh', 'replace', addr, 'lladdr', mac, 'dev', 'eth0', 'nud', 'stale');
    assert.match(neighB(addr), new RegExp(`lladdr ${mac}`));
  }

  test('GARP from the interface MAC repoints the peer\'s stale ARP entry', async () => {
    const mac = (await a.call('getLink', { ifname: 'eth0' })).mac as string;
    stale('192.0.2.100', '02:00:00:00:00:99');
    const r = await a.call('garp', { ifname: 'eth0', vip: '192.0.2.100' });
    assert.deepEqual(r.stats, { sent: 1, errors: 0 });
    assert.equal(r.mac, mac);
    await waitFor(() => neighB('192.0.2.100').includes(`lladdr ${mac}`), 5000);
  });

  test('vrrp_garp_interval spaces GARPs on one interface', async () => {
    const r = await a.call('garp', { ifname: 'eth0', vip: '192.0.2.100', count: 3, intervalMs: 100 });
    assert.equal(r.stats.sent, 3);
    const t: number[] = r.times;
    for (let i = 1; i < t.length; i++) assert.ok(t[i]! - t[i - 1]! >= 95, `gap ${t[i]! - t[i - 1]!} ms`);
  });

  test('bad addresses given to the GARP/NA senders are counted errors, never exceptions', async () => {
    const r = await a.call('sendersBadInput', { ifname: 'eth0' });
    assert.deepEqual(r.results, [false, false, false, false, false]);
    assert.deepEqual(r.garp, { sent: 0, errors: 3 });
    assert.deepEqual(r.na, { sent: 0, errors: 2 });
  });

  test('unsolicited NA repoints the peer\'s stale IPv6 neighbour entry', async () => {
    const mac = (await a.call('getLink', { ifname: 'eth0' })).mac as string;
    stale('fd00:1::100', '02:00:00:00:00:98');
    const r = await a.call('na', { ifname: 'eth0', vip: 'fd00:1::100' });
    assert.deepEqual(r.stats, { sent: 1, errors: 0 });
    await waitFor(() => neighB('fd00:1::100').includes(`lladdr ${mac}`), 5000);
    const paced = await a.call('na', { ifname: 'eth0', vip: 'fd00:1::100', count: 2, intervalMs: 100 });
    assert.ok(paced.times[1] - paced.times[0] >= 95);
  });

  test('IPv4 VMAC: macvlan private, 00:00:5e:00:01:VRID, keepalived sysctls, GARP from the VMAC, removed and parent restored', async () => {
    const v = await a.call('vmacCreate', { parent: 'eth0', vrid: 51, family: 4 });
    assert.deepEqual(v.mac, '00:00:5e:00:01:33');
    const d = ipA('-d', 'link', 'show', 'dev', 'vrrp.51');
    assert.match(d, /vrrp\.51@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP>/);
    assert.match(d, /link\/ether 00:00:5e:00:01:33/);
    assert.match(d, /macvlan mode private/);
    assert.match(d, /addrgenmode none/);
    const sc = async (k: string) => a.call('sysctl', { key: k });
    assert.equal(await sc('net/ipv4/conf/vrrp.51/arp_ignore'), '1');
    assert.equal(await sc('net/ipv4/conf/vrrp.51/accept_local'), '1');
    assert.equal(await sc('net/ipv4/conf/vrrp.51/rp_filter'), '0');
    assert.equal(await sc('net/ipv4/conf/vrrp.51/promote_secondaries'), '1');
    assert.equal(await sc('net/ipv6/conf/vrrp.51/disable_ipv6'), '1');
    assert.equal(await sc('net/ipv4/conf/eth0/arp_ignore'), '1');
    assert.equal(await sc('net/ipv4/conf/eth0/arp_filter'), '1');
    await a.call('addAddress', { ifname: 'vrrp.51', addr: '192.0.2.101', prefix: 32 });
    stale('192.0.2.101', '02:00:00:00:00:97');
    await a.call('garp', { ifname: 'vrrp.51', vip: '192.0.2.101' });
    await waitFor(() => neighB('192.0.2.101').includes('lladdr 00:00:5e:00:01:33'), 5000);
    await a.call('vmacDestroy', { ifname: 'vrrp.51' });
    assert.doesNotMatch(ipA('link', 'show'), /vrrp\.51/);
    assert.equal(await sc('net/ipv4/conf/eth0/arp_ignore'), '0');
    assert.equal(await sc('net/ipv4/conf/eth0/arp_filter'), '0');
  });

  test('all.rp_filter is cleared while an IPv4 VMAC exists, other interfaces keep their effective value', async () => {
    sh('ip', ['netns', 'exec', nsA, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=2']);
    const sc = async (k: string) => a.call('sysctl', { key: `net/ipv4/conf/${k}/rp_filter` });
    assert.equal(await sc('eth0'), '0');
    await a.call('vmacCreate', { parent: 'eth0', vrid: 70, family: 4 });
    assert.deepEqual([await sc('all'), await sc('eth0'), await sc('lo'), await sc('vrrp.70')], ['0', '2', '2', '0']);
    await a.call('vmacCreate', { parent: 'eth0', vrid: 71, family: 4 });
    await a.call('vmacDestroy', { ifname: 'vrrp.70' });
    assert.equal(await sc('all'), '0', 'still one VMAC');
    await a.call('vmacDestroy', { ifname: 'vrrp.71' });
    assert.deepEqual([await sc('all'), await sc('eth0'), await sc('lo')], ['2', '0', '0']);
    sh('ip', ['netns', 'exec', nsA, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0']);
  });

  test('IPv6 VMAC: 00:00:5e:00:02:VRID with the parent\'s link-local, NA from the VMAC', async () => {
    const parentLl = await a.call('linkLocal6', { ifname: 'eth0' });
    const v = await a.call('vmacCreate', { parent: 'eth0', vrid: 52, family: 6 });
    assert.equal(v.mac, '00:00:5e:00:02:34');
    assert.equal(await a.call('linkLocal6', { ifname: 'vrrp.52' }), parentLl);
    await a.call('addAddress', { ifname: 'vrrp.52', addr: 'fd00:1::102', prefix: 128, nodad: true });
    stale('fd00:1::102', '02:00:00:00:00:96');
    await a.call('na', { ifname: 'vrrp.52', vip: 'fd00:1::102' });
    await waitFor(() => neighB('fd00:1::102').includes('lladdr 00:00:5e:00:02:34'), 5000);
    await a.call('vmacDestroy', { ifname: 'vrrp.52' });
    assert.doesNotMatch(ipA('link', 'show'), /vrrp\.52/);
  });

  test('adverts over a VMAC: sent from the VMAC with the parent\'s address, received on the VMAC', async () => {
    const b = await Agent.start(lab, 'b');
    await a.call('vmacCreate', { parent: 'eth0', vrid: 60, family: 4 });
    await a.call('vmacCreate', { parent: 'eth0', vrid: 61, family: 6 });
    // keepalived sends IPv4 adverts from the parent's primary address (the VMAC has only VIPs)
    const tx4 = await a.call('openVrrp', { family: 4, ifname: 'vrrp.60', unicastSrc: '192.0.2.1' });
    const tx6 = await a.call('openVrrp', { family: 6, ifname: 'vrrp.61' });
    const rx4 = await b.call('openVrrp', { family: 4, ifname: 'eth0' });
    const rx6 = await b.call('openVrrp', { family: 6, ifname: 'eth0' });
    const cap = capture(lab, 'b', 'eth0', 'ip proto 112 or ip6 proto 112', 2);
    await cap.ready;
    const p4 = vrrpV2(60, 200, ['192.0.2.160']).toString('hex');
    const p6 = vrrpV3(61, 200, ['fd00:1::161']).toString('hex');
    await a.call('send', { sock: tx4.sock, payload: p4 });
    await a.call('send', { sock: tx6.sock, payload: p6 });
    const text = await cap.done;
    assert.match(text, /00:00:5e:00:01:3c > 01:00:5e:00:00:12[\s\S]*192\.0\.2\.1 > 224\.0\.0\.18: VRRPv2/);
    assert.match(text, /00:00:5e:00:02:3d > 33:33:00:00:00:12[\s\S]*fe80::[0-9a-f:]+ > ff02::12: VRRPv3/);
    const m4 = await b.waitEvent((e) => e.event === 'packet' && e.data.sock === rx4.sock && e.data.payload === p4, 5000);
    assert.equal(m4.data.meta.src, '192.0.2.1');
    await b.waitEvent((e) => e.event === 'packet' && e.data.sock === rx6.sock, 5000);
    // and the other way: the peer's multicast adverts reach a socket bound to the VMAC
    const back = vrrpV2(60, 100, ['192.0.2.160']).toString('hex');
    await b.call('send', { sock: rx4.sock, payload: back });
    await a.waitEvent((e) => e.event === 'packet' && e.data.sock === tx4.sock && e.data.payload === back, 5000);
    await a.call('closeVrrp', { sock: tx4.sock });
    await a.call('closeVrrp', { sock: tx6.sock });
    await a.call('vmacDestroy', { ifname: 'vrrp.60' });
    await a.call('vmacDestroy', { ifname: 'vrrp.61' });
    await b.call('exit');
  });

  test('stale VMAC cleanup removes leftover VRRP macvlans only', async () => {
    ipA('link', 'add', 'vrrp.99', 'link', 'eth0', 'type', 'macvlan', 'mode', 'private');
    ipA('link', 'set', 'vrrp.99', 'address', '00:00:5e:00:01:63');
    ipA('link', 'add', 'vrrp.98', 'link', 'eth0', 'type', 'macvlan', 'mode', 'bridge'); // random MAC: not ours
    ipA('link', 'add', 'vrrp.97', 'link', 'eth0', 'type', 'macvlan');
    ipA('link', 'set', 'vrrp.97', 'address', '00:00:5e:00:02:61');
    assert.deepEqual(await a.call('cleanupStaleVmacs', { keep: ['vrrp.97'] }), ['vrrp.99']);
    const links = ipA('link', 'show');
    assert.doesNotMatch(links, /vrrp\.99/);
    assert.match(links, /vrrp\.98/);
    assert.match(links, /vrrp\.97/);
    // a leftover with the name we want is replaced, not an error
    const v = await a.call('vmacCreate', { parent: 'eth0', vrid: 97, family: 6, name: 'vrrp.97' });
    assert.equal(v.mac, '00:00:5e:00:02:61');
    await a.call('vmacDestroy', { ifname: 'vrrp.97' });
  });
});
