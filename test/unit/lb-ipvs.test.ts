// The IPVS stub: attribute encoding layout, and an honest refusal on kernels without IPVS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nla, serviceAttr, destAttr, ipvsAvailable, IpvsDataPlane } from '../../src/lb/ipvs.js';
import type { ServiceState } from '../../src/lb/types.js';

const s: ServiceState = { name: 'x', vip: '203.0.113.10', port: 80, family: 'inet', protocol: 'TCP', lbAlgo: 'wlc', lbKind: 'NAT', usingSorryServer: false, backends: [] };

test('netlink attributes are length-prefixed and padded to 4 bytes', () => {
  const a = nla(6, Buffer.from('rr\0'));
  assert.equal(a.length, 8);
  assert.equal(a.readUInt16LE(0), 7);
  assert.equal(a.readUInt16LE(2), 6);
});

test('service and destination nests carry the nested flag and big-endian ports', () => {
  const svc = serviceAttr(s);
  assert.equal(svc.readUInt16LE(2), 0x8001);
  assert.equal(svc.readUInt16LE(0), svc.length, 'nest length covers its children (all 4-aligned)');
  assert.ok(svc.includes(Buffer.from([0x00, 0x50])), 'port 80 in network order');
  assert.ok(svc.includes(Buffer.from('wlc\0')));
  const d = destAttr(s, '198.51.100.11', 8080, 3);
  assert.equal(d.readUInt16LE(2), 0x8002);
  assert.ok(d.includes(Buffer.from([198, 51, 100, 11])));
});

test('apply refuses clearly when the kernel has no IPVS', { skip: ipvsAvailable() ? 'this kernel has IPVS' : undefined }, async () => {
  await assert.rejects(new IpvsDataPlane().apply([s]), /no IPVS.*use the nftables backend/);
});
