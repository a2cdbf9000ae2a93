// Minimal VRRP payload builder for transport tests (the wire engineer owns the real codec).
import { ipToBuffer } from '../../../src/net/ipaddr.js';

function csum(b: Buffer): number {
  let s = 0;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length % 2) s += b[b.length - 1]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export function vrrpV2(vrid: number, prio: number, vips: string[]): Buffer {
  const b = Buffer.alloc(8 + 4 * vips.length + 8);
  b[0] = 0x21; b[1] = vrid; b[2] = prio; b[3] = vips.length; b[4] = 0; b[5] = 1;
  vips.forEach((v, i) => ipToBuffer(v).copy(b, 8 + 4 * i));
  b.writeUInt16BE(csum(b), 6);
  return b;
}

/** VRRPv3; for IPv4 the checksum covers the pseudo-header (src, dst); IPv6 leaves it to the kernel. */
export function vrrpV3(vrid: number, prio: number, vips: string[], pseudo?: { src: string; dst: string }): Buffer {
  const alen = vips.length > 0 && vips[0]!.includes(':') ? 16 : 4;
  const b = Buffer.alloc(8 + alen * vips.length);
  b[0] = 0x31; b[1] = vrid; b[2] = prio; b[3] = vips.length; b.writeUInt16BE(100, 4);
  vips.forEach((v, i) => ipToBuffer(v).copy(b, 8 + alen * i));
  if (pseudo) {
    const ph = Buffer.alloc(12);
    ipToBuffer(pseudo.src).copy(ph, 0); ipToBuffer(pseudo.dst).copy(ph, 4); ph[9] = 112; ph.writeUInt16BE(b.length, 10);
    b.writeUInt16BE(csum(Buffer.concat([ph, b])), 6);
  }
  return b;
}
