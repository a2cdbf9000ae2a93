// Pure logic of src/net: address codecs, sockaddr/cmsg layouts, IPv4 header split, frame builders,
// netlink attribute helpers, the VRID demultiplexer, the pacer and LinkMonitor's message handling.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { bufferToIp, canonicalIp, ipToBuffer, ipFamily, isLinkLocal6, isMulticast, macToBuffer, bufferToMac } from '../../src/net/ipaddr.js';
import { K, parseCmsgs, ipv6RxInfo, sockaddrIn, sockaddrIn6, sockaddrLl, parseSockaddr, ipMreqn, ipv6Mreq, in6Pktinfo } from '../../src/net/rawsock.js';
import { splitIPv4, ipv6Meta, vridOf, VridDemux } from '../../src/net/vrrp-socket.js';
import { garpFrame } from '../../src/net/garp.js';
import { naMessage } from '../../src/net/ndisc.js';
import { vmacAddress, vmacName, looksLikeVmac } from '../../src/net/vmac.js';
import { splitPrefix, broadcastOf, nla, parseNlas } from '../../src/net/rtnl.js';
import { LinkMonitor } from '../../src/net/link-monitor.js';
import { Pacer } from '../../src/net/pacer.js';

test('IPv4/IPv6 text <-> bytes, canonical RFC 5952 output', () => {
  assert.deepEqual([...ipToBuffer('192.0.2.1')], [192, 0, 2, 1]);
  assert.equal(bufferToIp(ipToBuffer('fd00:0:0:0:0:0:0:1')), 'fd00::1');
  assert.equal(canonicalIp('FE80::0:1%eth0'), 'fe80::1');
  assert.equal(canonicalIp('::'), '::');
  assert.equal(canonicalIp('::1'), '::1');
  assert.equal(canonicalIp('1::'), '1::');
  assert.equal(canonicalIp('1:0:0:2:0:0:0:3'), '1:0:0:2::3', 'longest zero run is compressed');
  assert.equal(canonicalIp('1:0:2:3:4:5:6:7'), '1:0:2:3:4:5:6:7', 'a single zero group is not compressed');
  assert.equal(canonicalIp('::ffff:192.0.2.1'), '::ffff:c000:201');
  assert.equal(ipFamily('ff02::12'), 6);
  assert.throws(() => ipToBuffer('192.0.2.256'), /not an IP address/);
  assert.throws(() => ipToBuffer('fd00:bench::1'), /not an IP address/);
  assert.ok(isMulticast('224.0.0.18') && isMulticast('ff02::12') && !isMulticast('192.0.2.1'));
  assert.ok(isLinkLocal6('fe80::1') && !isLinkLocal6('fd00::1'));
  assert.equal(bufferToMac(macToBuffer('00:00:5E:00:01:33')), '00:00:5e:00:01:33');
  assert.throws(() => macToBuffer('00:00:5e:00:01'), /not a MAC/);
});

test('sockaddr and option layouts', () => {
  const s4 = sockaddrIn('224.0.0.18');
  assert.equal(s4.length, 16);
  assert.equal(s4.readUInt16LE(0), K.AF_INET);
  assert.deepEqual([...s4.subarray(4, 8)], [224, 0, 0, 18]);
  const s6 = sockaddrIn6('ff02::12', 7);
  assert.equal(s6.length, 28);
  assert.deepEqual(parseSockaddr(s6), { family: K.AF_INET6, address: 'ff02::12', port: 0, scopeId: 7 });
  assert.deepEqual(parseSockaddr(s4), { family: K.AF_INET, address: '224.0.0.18', port: 0, scopeId: 0 });
  assert.equal(parseSockaddr(Buffer.alloc(1)), undefined);
  const ll = sockaddrLl(3, K.ETH_P_ARP, Buffer.alloc(6, 0xff));
  assert.equal(ll.length, 20);
  assert.equal(ll.readUInt16BE(2), 0x0806);
  assert.equal(ll.readInt32LE(4), 3);
  assert.equal(ll[11], 6);
  const m = ipMreqn('224.0.0.18', 5, '192.0.2.1');
  assert.deepEqual([...m.subarray(0, 8)], [224, 0, 0, 18, 192, 0, 2, 1]);
  assert.equal(m.readInt32LE(8), 5);
  assert.equal(ipv6Mreq('ff02::12', 9).readUInt32LE(16), 9);
  assert.equal(bufferToIp(in6Pktinfo('fe80::1', 4).subarray(0, 16)), 'fe80::1');
});

function cmsg(level: number, type: number, data: Buffer): Buffer {
  const len = 16 + data.length;
  const b = Buffer.alloc((len + 7) & ~7);
  b.writeBigUInt64LE(BigInt(len), 0);
  b.writeInt32LE(level, 8);
  b.writeInt32LE(type, 12);
  data.copy(b, 16);
  return b;
}

test('control messages: IPv6 hop limit and pktinfo; truncated areas are cut, not misread', () => {
  const hl = Buffer.alloc(4); hl.writeInt32LE(255);
  const pi = in6Pktinfo('ff02::12', 2);
  const area = Buffer.concat([cmsg(K.IPPROTO_IPV6, K.IPV6_HOPLIMIT, hl), cmsg(K.IPPROTO_IPV6, K.IPV6_PKTINFO, pi)]);
  const c = parseCmsgs(area, area.length);
  assert.equal(c.length, 2);
  assert.deepEqual(ipv6RxInfo(c), { hopLimit: 255, dst: 'ff02::12', ifindex: 2 });
  assert.equal(parseCmsgs(area, 19).length, 0, 'truncated first cmsg');
  assert.equal(parseCmsgs(area, area.length - 5).length, 1, 'truncated second cmsg (36 of 40 bytes used, cut at 35)');
  const bogus = Buffer.alloc(32); bogus.writeBigUInt64LE(4n, 0);
  assert.deepEqual(parseCmsgs(bogus, 32), []);
  const from = sockaddrIn6('fe80::1', 2);
  assert.deepEqual(ipv6Meta(from, c, 'eth0'), { src: 'fe80::1', dst: 'ff02::12', ttl: 255, ifname: 'eth0' });
  assert.equal(ipv6Meta(from, [], 'eth0'), undefined, 'no hop limit -> dropped, never assumed 255');
});

function ipv4Packet(ttl: number, payload: Buffer, ihlWords = 5): Buffer {
  const h = Buffer.alloc(ihlWords * 4);
  h[0] = 0x40 | ihlWords; h.writeUInt16BE(h.length + payload.length, 2); h[8] = ttl; h[9] = 112;
  Buffer.from([192, 0, 2, 1]).copy(h, 12); Buffer.from([224, 0, 0, 18]).copy(h, 16);
  return Buffer.concat([h, payload]);
}

test('IPv4 header split: real TTL, options skipped, malformed headers rejected', () => {
  const p = Buffer.from([0x21, 51, 100, 1]);
  assert.deepEqual(splitIPv4(ipv4Packet(64, p)), { payload: p, src: '192.0.2.1', dst: '224.0.0.18', ttl: 64, proto: 112 });
  assert.deepEqual(splitIPv4(ipv4Packet(255, p, 6))?.payload, p, 'IP options are skipped');
  assert.equal(splitIPv4(Buffer.alloc(10)), undefined);
  const bad = ipv4Packet(255, p); bad[0] = 0x44; // IHL 16 bytes < 20
  assert.equal(splitIPv4(bad), undefined);
  const v6 = ipv4Packet(255, p); v6[0] = 0x65;
  assert.equal(splitIPv4(v6), undefined);
  const short = ipv4Packet(255, p); short.writeUInt16BE(200, 2); // claims more than received
  assert.equal(splitIPv4(short), undefined);
  const padded = Buffer.concat([ipv4Packet(255, p), Buffer.alloc(6)]); // Ethernet padding beyond total length
  assert.deepEqual(splitIPv4(padded)?.payload, p);
});

test('VRID demultiplexer: one socket, several instances, unknown VRIDs counted', () => {
  const d = new VridDemux();
  const got: number[] = [];
  d.register(51, () => got.push(51));
  d.register(52, () => got.push(52));
  assert.throws(() => d.register(51, () => {}), /already registered/);
  const meta = { src: '192.0.2.1', dst: '224.0.0.18', ttl: 255 };
  d.dispatch(Buffer.from([0x31, 52]), meta);
  d.dispatch(Buffer.from([0x31, 51]), meta);
  d.dispatch(Buffer.from([0x31, 99]), meta);
  d.dispatch(Buffer.from([0x31]), meta);
  assert.deepEqual(got, [52, 51]);
  assert.equal(d.unknownVrid, 2);
  assert.equal(vridOf(Buffer.from([0x21, 7])), 7);
});

test('GARP frame: broadcast ARP request, sender = target = VIP, from the given MAC', () => {
  const mac = macToBuffer('00:00:5e:00:01:33');
  const f = garpFrame(mac, ipToBuffer('192.0.2.100'));
  assert.equal(f.length, 42);
  assert.equal(f.subarray(0, 6).toString('hex'), 'ffffffffffff');
  assert.deepEqual(f.subarray(6, 12), mac);
  assert.equal(f.readUInt16BE(12), 0x0806);
  assert.equal(f.subarray(14, 22).toString('hex'), '0001080006040001');
  assert.deepEqual(f.subarray(22, 28), mac);
  assert.deepEqual(f.subarray(28, 32), ipToBuffer('192.0.2.100'));
  assert.deepEqual(f.subarray(38, 42), ipToBuffer('192.0.2.100'));
  assert.throws(() => garpFrame(mac, ipToBuffer('fd00::1')), /4-byte/);
});

test('unsolicited NA: type 136, Override (and optional Router) flag, target, TLLA option', () => {
  const mac = macToBuffer('00:00:5e:00:02:34');
  const m = naMessage(ipToBuffer('fd00:1::100'), mac);
  assert.equal(m.length, 32);
  assert.equal(m[0], 136);
  assert.equal(m.readUInt32BE(4), 0x20000000);
  assert.equal(bufferToIp(m.subarray(8, 24)), 'fd00:1::100');
  assert.deepEqual([m[24], m[25]], [2, 1]);
  assert.deepEqual(m.subarray(26, 32), mac);
  assert.equal(naMessage(ipToBuffer('fd00:1::100'), mac, true).readUInt32BE(4), 0xa0000000);
});

test('VMAC naming and addresses (RFC 5798 §7.3)', () => {
  assert.equal(vmacAddress(51, 4), '00:00:5e:00:01:33');
  assert.equal(vmacAddress(255, 6), '00:00:5e:00:02:ff');
  assert.throws(() => vmacAddress(0, 4), /1\.\.255/);
  assert.equal(vmacName(7), 'vrrp.7');
  assert.ok(looksLikeVmac('00:00:5E:00:01:07') && !looksLikeVmac('02:00:00:00:01:07') && !looksLikeVmac(undefined));
});

test('route/rule helpers: prefixes, broadcast, netlink attributes', () => {
  assert.deepEqual(splitPrefix('198.51.100.0/24'), { addr: '198.51.100.0', prefix: 24, family: 4 });
  assert.deepEqual(splitPrefix('fd00::1'), { addr: 'fd00::1', prefix: 128, family: 6 });
  assert.deepEqual(splitPrefix('default'), { addr: '0.0.0.0', prefix: 0, family: 4 });
  assert.throws(() => splitPrefix('192.0.2.0/33'), /bad prefix/);
  assert.equal(broadcastOf('198.51.100.5', 24), '198.51.100.255');
  assert.equal(broadcastOf('192.0.2.1', 32), '192.0.2.1');
  assert.equal(broadcastOf('192.0.2.1', 0), '255.255.255.255');
  const nest = Buffer.concat([nla(1, Buffer.from('macvlan\0')), nla(2, nla(1, Buffer.from([1, 0, 0, 0])))]);
  const m = parseNlas(nest);
  assert.equal(m.get(1)?.toString(), 'macvlan\0');
  assert.equal(parseNlas(m.get(2)!).get(1)?.readUInt32LE(0), 1);
  assert.equal(parseNlas(Buffer.from([0xff, 0xff, 1, 0])).size, 0, 'bad length is ignored, not thrown');
});

// rtnetlink payloads as the kernel sends them (ifinfomsg / ifaddrmsg + attributes)
function linkMsg(index: number, flags: number, name?: string): Buffer {
  const h = Buffer.alloc(16);
  h.writeInt32LE(index, 4);
  h.writeUInt32LE(flags, 8);
  return name === undefined ? h : Buffer.concat([h, nla(3, Buffer.from(`${name}\0`))]);
}
function addrMsg(index: number, addr: string, prefix: number, label?: string): Buffer {
  const h = Buffer.alloc(8);
  h[0] = addr.includes(':') ? 10 : 2; h[1] = prefix; h.writeUInt32LE(index, 4);
  const parts = [h, nla(1, ipToBuffer(addr)), nla(2, ipToBuffer(addr))];
  if (label) parts.push(nla(3, Buffer.from(`${label}\0`)));
  return Buffer.concat(parts);
}
const IFF_UP = 1, IFF_RUNNING = 0x40;

test('LinkMonitor: transitions from raw messages; NEWADDR vs DELADDR kept apart; garbage counted', () => {
  const mon = new LinkMonitor();
  const seen: string[] = [];
  mon.on('link', (e) => seen.push(`${e.type}:${e.link.ifname}`));
  mon.on('address', (e) => seen.push(`${e.type}:${e.addr.address}/${e.addr.prefix}@${e.ifname}${e.addr.label ? `:${e.addr.label}` : ''}`));
  mon.handle(16, linkMsg(2, IFF_UP | IFF_RUNNING, 'eth0'));
  mon.handle(16, linkMsg(2, IFF_UP, 'eth0'));
  mon.handle(16, linkMsg(2, IFF_UP, undefined));
  mon.handle(16, linkMsg(2, IFF_UP | IFF_RUNNING, undefined));
  mon.handle(20, addrMsg(2, '192.0.2.100', 32, 'eth0:v'));
  mon.handle(21, addrMsg(2, '192.0.2.100', 32));
  mon.handle(17, linkMsg(2, 0, 'eth0'));
  mon.handle(16, linkMsg(5, IFF_UP | IFF_RUNNING, 'eth0'));
  assert.deepEqual(seen, ['new:eth0', 'down:eth0', 'change:eth0', 'up:eth0',
    'added:192.0.2.100/32@eth0:eth0:v', 'removed:192.0.2.100/32@eth0', 'gone:eth0', 'back:eth0']);
  assert.equal(mon.link('eth0')?.index, 5);
  mon.handle(20, Buffer.from([1, 2, 3]));
  mon.handle(16, Buffer.alloc(3));
  mon.handle(99, Buffer.alloc(40)); // not a link/address message: ignored
  assert.equal(mon.badMessages, 2);
});

test('Pacer: interval 0 runs at once; otherwise in order, one per interval (mocked clock)', async () => {
  const now0 = new Pacer(0);
  const order: number[] = [];
  await Promise.all([now0.run(() => order.push(1)), now0.run(() => order.push(2))]);
  assert.deepEqual(order, [1, 2]);

  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let clock = 1000;
    const p = new Pacer(100, () => clock);
    const ran: number[] = [];
    const all = [1, 2, 3].map((i) => p.run(() => { ran.push(clock); return i; }));
    assert.deepEqual(ran, [1000], 'first job runs immediately');
    clock = 1100; mock.timers.tick(100);
    assert.deepEqual(ran, [1000, 1100]);
    clock = 1200; mock.timers.tick(100);
    assert.deepEqual(await Promise.all(all), [1, 2, 3]);
    assert.deepEqual(ran, [1000, 1100, 1200]);
    clock = 1300;
    const late = p.run(() => 4);
    const later = p.run(() => 5);
    p.close();
    assert.equal(await late, 4, 'the job already due ran');
    await assert.rejects(later, /pacer closed/);
    await assert.rejects(p.run(() => 6), /pacer closed/);
  } finally {
    mock.timers.reset();
  }
});

test('the addon loads from dist/ (package-root lookup) and reports errno names', async () => {
  const { native, ifIndex } = await import('../../src/net/rawsock.js');
  assert.equal(typeof native().open, 'function');
  assert.equal(ifIndex('lo'), 1, 'lo is ifindex 1 in every namespace');
  assert.throws(() => ifIndex('nosuch-if0'), (e: NodeJS.ErrnoException) => e.code === 'ENODEV' && /if_nametoindex/.test(e.message));
});
