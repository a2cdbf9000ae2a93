// VRRP transport between two namespaces: multicast (default and custom group), unicast, v4 and v6,
// TTL / hop limit as seen by the receiver, source addresses, and IP_MULTICAST_ALL group isolation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable, sleep, waitFor } from '../helpers/netns.js';
import { Agent, capture } from './net-agents/client.js';
import { vrrpV2, vrrpV3 } from './net-agents/vrrp-payload.js';
import { stamped } from '../helpers/rx-meta.js';

const skip = labUnavailable();

describe('net: VRRP sockets over a bridge', { skip }, () => {
  const lab = new Lab('nv');
  let a: Agent, b: Agent;

  before(async () => {
    lab.addHost('a', '192.0.2.1/24', 'fd00:1::1/64');
    lab.addHost('b', '192.0.2.2/24', 'fd00:1::2/64');
    [a, b] = await Promise.all([Agent.start(lab, 'a'), Agent.start(lab, 'b')]);
  });
  after(async () => { await lab.teardown(); });

  async function expectPacket(agent: Agent, sock: number, hex: string, timeoutMs = 5000) {
    const e = await agent.waitEvent((x) => x.event === 'packet' && x.data.sock === sock && x.data.payload === hex, timeoutMs);
    return e.data.meta as { src: string; dst: string; ttl: number; ifname: string };
  }

  test('IPv4 multicast 224.0.0.18: v2 and v3 arrive with TTL 255, the primary source, and the group as dst', async () => {
    const tx = await a.call('openVrrp', { family: 4, ifname: 'eth0' });
    const rx = await b.call('openVrrp', { family: 4, ifname: 'eth0' });
    assert.equal(tx.src, '192.0.2.1');
    assert.equal(tx.group, '224.0.0.18');
    const v2 = vrrpV2(51, 150, ['192.0.2.100']);
    assert.equal(await a.call('send', { sock: tx.sock, payload: v2.toString('hex') }), 1);
    const m2 = await expectPacket(b, rx.sock, v2.toString('hex'));
    assert.deepEqual(stamped(m2, v2.toString('hex')), { src: '192.0.2.1', dst: '224.0.0.18', ttl: 255, ifname: 'eth0' });
    const v3 = vrrpV3(52, 100, ['192.0.2.101'], { src: '192.0.2.1', dst: '224.0.0.18' });
    await a.call('send', { sock: tx.sock, payload: v3.toString('hex') });
    const m3 = await expectPacket(b, rx.sock, v3.toString('hex'));
    assert.equal(m3.ttl, 255);
    await a.call('closeVrrp', { sock: tx.sock });
    await b.call('closeVrrp', { sock: rx.sock });
  });

  test('custom group 224.0.0.19: a socket joined only to .18 does not get .19 traffic, and vice versa', async () => {
    const tx18 = await a.call('openVrrp', { family: 4, ifname: 'eth0' });
    const tx19 = await a.call('openVrrp', { family: 4, ifname: 'eth0', mcastGroup: '224.0.0.19' });
    const rx18 = await b.call('openVrrp', { family: 4, ifname: 'eth0' });
    const rx19 = await b.call('openVrrp', { family: 4, ifname: 'eth0', mcastGroup: '224.0.0.19' });
    b.clearEvents();
    const p19 = vrrpV3(19, 100, ['192.0.2.119'], { src: '192.0.2.1', dst: '224.0.0.19' });
    const p18 = vrrpV3(18, 100, ['192.0.2.118'], { src: '192.0.2.1', dst: '224.0.0.18' });
    await a.call('send', { sock: tx19.sock, payload: p19.toString('hex') });
    await a.call('send', { sock: tx18.sock, payload: p18.toString('hex') });
    const m19 = await expectPacket(b, rx19.sock, p19.toString('hex'));
    assert.equal(m19.dst, '224.0.0.19');
    await expectPacket(b, rx18.sock, p18.toString('hex'));
    await sleep(300); // both were sent before; anything misrouted would have arrived with them
    assert.deepEqual(b.packets(rx18.sock).map((p) => p.payload), [p18.toString('hex')]);
    assert.deepEqual(b.packets(rx19.sock).map((p) => p.payload), [p19.toString('hex')]);
    for (const s of [tx18, tx19]) await a.call('closeVrrp', { sock: s.sock });
    for (const s of [rx18, rx19]) await b.call('closeVrrp', { sock: s.sock });
  });

  test('a packet sent with TTL 64 is reported with TTL 64 (the real header value, not a constant)', async () => {
    const rx = await b.call('openVrrp', { family: 4, ifname: 'eth0' });
    b.clearEvents();
    const p = vrrpV2(60, 100, ['192.0.2.160']);
    await a.call('rawSend4', { ifname: 'eth0', dst: '224.0.0.18', ttl: 64, payload: p.toString('hex') });
    const m = await expectPacket(b, rx.sock, p.toString('hex'));
    assert.equal(m.ttl, 64);
    await a.call('rawSend4', { ifname: 'eth0', dst: '192.0.2.2', ttl: 17, payload: p.toString('hex') });
    await b.waitEvent((x) => x.event === 'packet' && x.data.meta.ttl === 17 && x.data.meta.dst === '192.0.2.2', 5000);
    await b.call('closeVrrp', { sock: rx.sock });
  });

  test('IPv4 unicast: peers list, unicast_src_ip, configurable TTL', async () => {
    await a.call('addAddress', { ifname: 'eth0', addr: '192.0.2.11', prefix: 24 });
    const tx = await a.call('openVrrp', { family: 4, ifname: 'eth0', unicastSrc: '192.0.2.11', unicastPeers: ['192.0.2.2'], ttl: 200 });
    const rx = await b.call('openVrrp', { family: 4, ifname: 'eth0' });
    b.clearEvents();
    const p = vrrpV3(70, 100, ['192.0.2.170'], { src: '192.0.2.11', dst: '192.0.2.2' });
    assert.equal(await a.call('send', { sock: tx.sock, payload: p.toString('hex') }), 1);
    const m = await expectPacket(b, rx.sock, p.toString('hex'));
    assert.deepEqual(stamped(m, p.toString('hex')), { src: '192.0.2.11', dst: '192.0.2.2', ttl: 200, ifname: 'eth0' });
    // a unicast socket (peers given) does not join the group: multicast adverts do not reach it
    const urx = await b.call('openVrrp', { family: 4, ifname: 'eth0', unicastPeers: ['192.0.2.1'] });
    const mtx = await a.call('openVrrp', { family: 4, ifname: 'eth0' });
    const mp = vrrpV2(71, 100, ['192.0.2.171']).toString('hex');
    await a.call('send', { sock: mtx.sock, payload: mp });
    await expectPacket(b, rx.sock, mp);
    await a.call('send', { sock: tx.sock, payload: p.toString('hex') });
    await b.waitEvent((e) => e.event === 'packet' && e.data.sock === urx.sock && e.data.payload === p.toString('hex'), 5000);
    assert.deepEqual(b.packets(urx.sock).map((x) => x.payload), [p.toString('hex')], 'unicast only');
    await a.call('closeVrrp', { sock: mtx.sock });
    await b.call('closeVrrp', { sock: urx.sock });
    await a.call('closeVrrp', { sock: tx.sock });
    await b.call('closeVrrp', { sock: rx.sock });
  });

  test('IPv6 multicast ff02::12 from the link-local source with hop limit 255; kernel checksum', async () => {
    const tx = await a.call('openVrrp', { family: 6, ifname: 'eth0' });
    const rx = await b.call('openVrrp', { family: 6, ifname: 'eth0' });
    assert.match(tx.src, /^fe80::/);
    b.clearEvents();
    const p = vrrpV3(61, 200, ['fd00:1::100']);
    await a.call('send', { sock: tx.sock, payload: p.toString('hex') });
    const e = await b.waitEvent((x) => x.event === 'packet' && x.data.sock === rx.sock, 5000);
    const got = Buffer.from(e.data.payload as string, 'hex');
    assert.equal(got.readUInt16BE(6) !== 0, true, 'kernel filled in the checksum');
    got.writeUInt16BE(0, 6);
    assert.deepEqual(got, p);
    assert.deepEqual(stamped(e.data.meta, e.data.payload), { src: tx.src, dst: 'ff02::12', ttl: 255, ifname: 'eth0' });
    await a.call('closeVrrp', { sock: tx.sock });
    await b.call('closeVrrp', { sock: rx.sock });
  });

  test('IPv6 unicast with a global source and a lower hop limit', async () => {
    const tx = await a.call('openVrrp', { family: 6, ifname: 'eth0', unicastSrc: 'fd00:1::1', unicastPeers: ['fd00:1::2'], ttl: 77 });
    const rx = await b.call('openVrrp', { family: 6, ifname: 'eth0' });
    b.clearEvents();
    const p = vrrpV3(62, 200, ['fd00:1::101']);
    await a.call('send', { sock: tx.sock, payload: p.toString('hex') });
    const e = await b.waitEvent((x) => x.event === 'packet' && x.data.sock === rx.sock, 5000);
    assert.deepEqual(stamped(e.data.meta, e.data.payload), { src: 'fd00:1::1', dst: 'fd00:1::2', ttl: 77, ifname: 'eth0' });
    // A VIP in the same prefix appears after the socket opened (as when we become master): the kernel's
    // source selection would now pick it (newest address first); adverts must keep unicast_src_ip.
    lab.exec('a', 'ip', ['addr', 'add', 'fd00:1::99/64', 'dev', 'eth0', 'nodad']);
    try {
      b.clearEvents();
      await a.call('send', { sock: tx.sock, payload: p.toString('hex') });
      const e2 = await b.waitEvent((x) => x.event === 'packet' && x.data.sock === rx.sock, 5000);
      assert.equal((e2.data.meta as { src: string }).src, 'fd00:1::1', 'the source stays unicast_src_ip with a newer address on the link');
    } finally {
      lab.exec('a', 'ip', ['addr', 'del', 'fd00:1::99/64', 'dev', 'eth0'], { allowFail: true });
    }
    await a.call('closeVrrp', { sock: tx.sock });
    await b.call('closeVrrp', { sock: rx.sock });
  });

  test('a throwing packet handler is reported and counted; the socket keeps receiving', async () => {
    const tx = await a.call('openVrrp', { family: 4, ifname: 'eth0' });
    const rx = await b.call('openVrrp', { family: 4, ifname: 'eth0', throwFirst: true });
    const p1 = vrrpV2(90, 100, ['192.0.2.90']).toString('hex');
    const p2 = vrrpV2(91, 100, ['192.0.2.91']).toString('hex');
    await a.call('send', { sock: tx.sock, payload: p1 });
    await b.waitEvent((e) => e.event === 'sockError' && e.data.sock === rx.sock && /handler failure/.test(e.data.error), 5000);
    await a.call('send', { sock: tx.sock, payload: p2 });
    await expectPacket(b, rx.sock, p2);
    const st = await b.call('stats', { sock: rx.sock });
    assert.equal(st.rxErrors, 1);
    assert.equal(st.rxPackets, 2);
    await a.call('closeVrrp', { sock: tx.sock });
    await b.call('closeVrrp', { sock: rx.sock });
  });

  test('bad options fail with a clear error, not a crash', async () => {
    await assert.rejects(a.call('openVrrp', { family: 4, ifname: 'nosuch0' }), /nosuch0/);
    await assert.rejects(a.call('openVrrp', { family: 4, ifname: 'eth0', mcastGroup: '192.0.2.9' }), /not a multicast/);
    await assert.rejects(a.call('openVrrp', { family: 6, ifname: 'eth0', unicastPeers: ['192.0.2.2'] }), /not an IPv6/);
    assert.equal(await a.call('getLink', { ifname: 'eth0' }).then((l) => l.ifname), 'eth0');
  });
});

describe('net: VRRP socket details (TOS, link down, shared sockets)', { skip }, () => {
  const lab = new Lab('nd');
  let a: Agent, b: Agent;

  before(async () => {
    lab.addHost('a', '192.0.2.1/24', 'fd00:1::1/64');
    lab.addHost('b', '192.0.2.2/24', 'fd00:1::2/64');
    [a, b] = await Promise.all([Agent.start(lab, 'a'), Agent.start(lab, 'b')]);
  });
  after(async () => { await lab.teardown(); });

  test('adverts carry TOS / traffic class 0xc0 and TTL 255 on the wire (tcpdump)', async () => {
    const tx4 = await a.call('openVrrp', { family: 4, ifname: 'eth0' });
    const tx6 = await a.call('openVrrp', { family: 6, ifname: 'eth0' });
    const cap = capture(lab, 'b', 'eth0', 'ip proto 112 or ip6 proto 112', 2);
    await cap.ready;
    await a.call('send', { sock: tx4.sock, payload: vrrpV2(5, 100, ['192.0.2.50']).toString('hex') });
    await a.call('send', { sock: tx6.sock, payload: vrrpV3(6, 100, ['fd00:1::50']).toString('hex') });
    const text = await cap.done;
    assert.match(text, /tos 0xc0, ttl 255,.*proto VRRP \(112\)[\s\S]*192\.0\.2\.1 > 224\.0\.0\.18: VRRPv2, Advertisement, vrid 5, prio 100/);
    assert.match(text, /class 0xc0,.*hlim 255, next-header VRRP \(112\).*fe80::[0-9a-f:]+ > ff02::12: VRRPv3, Advertisement, vrid 6, prio 100/);
    await a.call('closeVrrp', { sock: tx4.sock });
    await a.call('closeVrrp', { sock: tx6.sock });
  });

  test('sending on a down link is counted as an error, not thrown; works again after up', async () => {
    const tx = await a.call('openVrrp', { family: 4, ifname: 'eth0' });
    const rx = await b.call('openVrrp', { family: 4, ifname: 'eth0' });
    lab.exec('a', 'ip', ['link', 'set', 'eth0', 'down']);
    const p = vrrpV2(8, 100, ['192.0.2.80']).toString('hex');
    assert.equal(await a.call('send', { sock: tx.sock, payload: p }), 0);
    const st = await a.call('stats', { sock: tx.sock });
    assert.equal(st.txErrors, 1);
    assert.equal(st.txPackets, 0);
    await a.waitEvent((e) => e.event === 'sockError' && e.data.sock === tx.sock, 2000);
    lab.exec('a', 'ip', ['link', 'set', 'eth0', 'up']);
    // The first packets after `up` may be accepted while the carrier is still coming up and be lost
    // on the way (like on a real NIC), so keep sending until one arrives.
    await waitFor(async () => {
      await a.call('send', { sock: tx.sock, payload: p });
      return b.packets(rx.sock).some((x) => x.payload === p);
    }, 10000, 200);
    await a.call('closeVrrp', { sock: tx.sock });
    await b.call('closeVrrp', { sock: rx.sock });
  });

  test('socket pool: two instances share one socket, each gets only its VRID, closed with the last lease', async () => {
    const l51 = await b.call('poolAcquire', { opts: { family: 4, ifname: 'eth0' }, vrid: 51 });
    const l52 = await b.call('poolAcquire', { opts: { family: 4, ifname: 'eth0' }, vrid: 52 });
    assert.equal(l52.poolSize, 1, 'same (interface, family, group): one socket');
    const u = await b.call('poolAcquire', { opts: { family: 4, ifname: 'eth0', mcastGroup: '224.0.0.19' }, vrid: 51 });
    assert.equal(u.poolSize, 2);
    await assert.rejects(b.call('poolAcquire', { opts: { family: 4, ifname: 'eth0' }, vrid: 51 }), /already registered/);
    const tx = await a.call('openVrrp', { family: 4, ifname: 'eth0' });
    b.clearEvents();
    const p51 = vrrpV2(51, 100, ['192.0.2.51']).toString('hex');
    const p52 = vrrpV2(52, 100, ['192.0.2.52']).toString('hex');
    await a.call('send', { sock: tx.sock, payload: p51 });
    await a.call('send', { sock: tx.sock, payload: p52 });
    await b.waitEvent((e) => e.event === 'packet' && e.data.sock === l52.sock, 5000);
    await b.waitEvent((e) => e.event === 'packet' && e.data.sock === l51.sock, 5000);
    await sleep(200);
    assert.deepEqual(b.packets(l51.sock).map((x) => x.payload), [p51]);
    assert.deepEqual(b.packets(l52.sock).map((x) => x.payload), [p52]);
    assert.deepEqual(b.packets(u.sock), [], 'the 224.0.0.19 socket saw nothing');
    // a lease sends through the shared socket
    await b.call('poolSend', { sock: l51.sock, payload: p51 });
    const rx = await a.call('openVrrp', { family: 4, ifname: 'eth0' });
    await b.call('poolSend', { sock: l52.sock, payload: p52 });
    await a.waitEvent((e) => e.event === 'packet' && e.data.sock === rx.sock && e.data.payload === p52, 5000);
    assert.equal(await b.call('poolRelease', { sock: l51.sock }), 2);
    assert.equal(await b.call('poolRelease', { sock: l52.sock }), 1);
    assert.equal(await b.call('poolRelease', { sock: u.sock }), 0);
  });
});
