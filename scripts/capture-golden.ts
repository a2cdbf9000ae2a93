// Golden VRRP adverts from a real peer: runs Debian's keepalived inside throw-away network namespaces,
// captures what it sends with tcpdump (pcap on stdout), and turns every case into a small JSON fixture
// under test/fixtures/golden/ (plus golden.pcap). Used two ways:
//   sudo node dist/scripts/capture-golden.js      re-generate the committed fixtures
//   test/integration/golden-capture.test.ts       re-capture live and compare with the fixtures
// All traffic stays inside the namespaces (192.0.2.0/24, fd00:1::/64); processes are stopped by PID.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, sleep, waitFor } from '../test/helpers/netns.js';
import { decodeAdvert, encodeAdvert, type ChecksumMode } from '../src/vrrp/packet.js';
import { parseIpv4Packet, parseIpv6Packet, type IpPacket } from '../src/vrrp/wire-ip.js';
import type { Advert, Family, VrrpVersion } from '../src/vrrp/types.js';
import type { LocalInstanceView } from '../src/vrrp/receive.js';

export const KA_ADDR4 = '192.0.2.1';
export const PEER_ADDR4 = '192.0.2.2';
export const KA_ADDR6 = 'fd00:1::1';
export const PEER_ADDR6 = 'fd00:1::2';
// Fixed MACs so that keepalived's IPv6 source (the link-local address) is the same on every run.
export const KA_MAC = '02:00:00:00:51:01';
const PEER_MAC = '02:00:00:00:51:02';

export interface GoldenCase {
  name: string;
  vrid: number;
  family: Family;
  version: VrrpVersion;
  unicast: boolean;
  /** How keepalived computes this case's checksum (what our encoder must reproduce). */
  checksumMode: ChecksumMode;
  authPass?: string;
  advertIntCs: number;
  priority: number;
  vips: string[];
  /** The vrrp_instance body (without interface/vrid/priority/advert_int/VIPs, added by the generator). */
  extra: string[];
}

// Not here: `v3_checksum_as_v2` (keepalived 2.2.7 does not know the keyword; it arrived in a later
// release), so the 'as-v2' checksum is covered by hand-checked vectors in the unit tests instead.
export const GOLDEN_CASES: GoldenCase[] = [
  { name: 'v2-mcast-pass', vrid: 51, family: 4, version: 2, unicast: false, checksumMode: 'standard', authPass: 's3cr3t',
    advertIntCs: 100, priority: 150, vips: ['192.0.2.100', '192.0.2.101'],
    extra: ['authentication {', '  auth_type PASS', '  auth_pass s3cr3t', '}'] },
  { name: 'v3-mcast4', vrid: 52, family: 4, version: 3, unicast: false, checksumMode: 'standard',
    advertIntCs: 50, priority: 120, vips: ['192.0.2.110'], extra: [] },
  { name: 'v3-mcast6', vrid: 53, family: 6, version: 3, unicast: false, checksumMode: 'standard',
    advertIntCs: 100, priority: 100, vips: ['fd00:1::100', 'fd00:1::101'], extra: [] },
  { name: 'v2-ucast', vrid: 54, family: 4, version: 2, unicast: true, checksumMode: 'standard',
    advertIntCs: 100, priority: 200, vips: ['192.0.2.120'],
    extra: [`unicast_src_ip ${KA_ADDR4}`, 'unicast_peer {', `  ${PEER_ADDR4}`, '}'] },
  { name: 'v3-ucast4', vrid: 55, family: 4, version: 3, unicast: true, checksumMode: 'standard',
    advertIntCs: 100, priority: 90, vips: ['192.0.2.130', '192.0.2.131', '192.0.2.132'],
    extra: [`unicast_src_ip ${KA_ADDR4}`, 'unicast_peer {', `  ${PEER_ADDR4}`, '}'] },
  { name: 'v3-ucast6', vrid: 56, family: 6, version: 3, unicast: true, checksumMode: 'standard',
    advertIntCs: 100, priority: 110, vips: ['fd00:1::130'],
    extra: [`unicast_src_ip ${KA_ADDR6}`, 'unicast_peer {', `  ${PEER_ADDR6}`, '}'] },
  { name: 'v3-ucast4-old-checksum', vrid: 58, family: 4, version: 3, unicast: true, checksumMode: 'old-unicast',
    advertIntCs: 100, priority: 140, vips: ['192.0.2.150'],
    extra: [`unicast_src_ip ${KA_ADDR4}`, 'unicast_peer {', `  ${PEER_ADDR4}`, '}', 'old_unicast_checksum'] },
];

/** The receiving side's view of a case: same VRID/version/VIPs/auth, its one peer = the sender. */
export function receiverView(c: GoldenCase, p: { src: string }): LocalInstanceView {
  return {
    family: c.family, version: c.version, vrid: c.vrid, priority: 100,
    authType: c.authPass ? 1 : 0, authPass: c.authPass, advertIntCs: c.advertIntCs, vips: c.vips,
    unicastPeers: c.unicast ? [{ addr: p.src }] : [], checkUnicastSrc: c.unicast,
  };
}

/**
 * keepalived.conf with one vrrp_instance per case. By default keepalived is the sender (state MASTER,
 * the case's priority, peer = the capture host); `asBackup` makes it a BACKUP receiver at priority 100
 * whose unicast peer is `peer4`/`peer6` (the reverse-direction test).
 */
export function keepalivedConfig(cases: GoldenCase[] = GOLDEN_CASES, asBackup?: { peer4: string; peer6: string }): string {
  const out = ['global_defs {', '  router_id golden', '  vrrp_garp_master_repeat 1', '}', ''];
  for (const c of cases) {
    const int = c.advertIntCs % 100 === 0 ? String(c.advertIntCs / 100) : (c.advertIntCs / 100).toFixed(2);
    const extra = asBackup ? c.extra.map((l) => l.replace(PEER_ADDR4, asBackup.peer4).replace(PEER_ADDR6, asBackup.peer6)) : c.extra;
    out.push(`vrrp_instance ${instanceName(c)} {`, `  state ${asBackup ? 'BACKUP' : 'MASTER'}`, '  interface eth0',
      `  version ${c.version}`, `  virtual_router_id ${c.vrid}`, `  priority ${asBackup ? 100 : c.priority}`, `  advert_int ${int}`,
      ...extra.map((l) => `  ${l}`), '  virtual_ipaddress {',
      ...c.vips.map((v) => `    ${v}/${c.family === 4 ? 24 : 64}`), '  }', '}', '');
  }
  return out.join('\n');
}

export function instanceName(c: GoldenCase): string {
  return c.name.toUpperCase().replace(/-/g, '_');
}

/** One captured advert, as stored in test/fixtures/golden/<case>.json. */
export interface GoldenPacket {
  family: Family;
  src: string;
  dst: string;
  ttl: number;
  tos: number;
  ipProtocol: number;
  vrrpHex: string;
}

export interface GoldenRecord {
  case: string;
  keepalived: string;
  checksumMode: ChecksumMode;
  advert: GoldenPacket;
  /** The priority-0 advert keepalived sends when it stops (if it was captured). */
  resign?: GoldenPacket;
}

// --- pcap ---------------------------------------------------------------------------------------

export interface PcapFrame { linktype: number; data: Buffer }

/** Parse a classic pcap stream (either byte order, µs or ns timestamps). Returns the complete frames. */
export function readPcap(buf: Buffer): { frames: PcapFrame[]; consumed: number } {
  if (buf.length < 24) return { frames: [], consumed: 0 };
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`not a pcap stream (magic ${magic.toString(16)})`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linktype = u32(20) & 0xffff;
  const frames: PcapFrame[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const incl = u32(off + 8);
    if (off + 16 + incl > buf.length) break;
    frames.push({ linktype, data: buf.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return { frames, consumed: off };
}

/** The IP packet inside an Ethernet (linktype 1) or Linux cooked (113) frame; trailing padding removed. */
export function ipFromFrame(f: PcapFrame): IpPacket | undefined {
  let off: number;
  if (f.linktype === 1) off = 14;
  else if (f.linktype === 113) off = 16;
  else return undefined;
  const etherType = f.data.readUInt16BE(off - 2);
  const ip = f.data.subarray(off);
  if (etherType === 0x0800 && ip.length >= 20) {
    const r = parseIpv4Packet(ip.subarray(0, ip.readUInt16BE(2))); // drop Ethernet minimum-size padding
    return r.ok ? r.packet : undefined;
  }
  if (etherType === 0x86dd && ip.length >= 40) {
    const r = parseIpv6Packet(ip.subarray(0, 40 + ip.readUInt16BE(4)));
    return r.ok ? r.packet : undefined;
  }
  return undefined;
}

function toGolden(p: IpPacket, family: Family): GoldenPacket {
  return { family, src: p.meta.src, dst: p.meta.dst, ttl: p.meta.ttl, tos: p.tos, ipProtocol: p.protocol, vrrpHex: p.payload.toString('hex') };
}

// --- live capture -------------------------------------------------------------------------------

export function keepalivedVersion(): string {
  // keepalived prints its version banner on stderr.
  const r = spawnSync('keepalived', ['--version'], { encoding: 'utf8' });
  return /Keepalived v(\S+)/.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? 'unknown';
}

function collect(p: ChildProcess, into: Buffer[]): void {
  p.stdout?.on('data', (d: Buffer) => into.push(d));
}

export function setMac(lab: Lab, host: string, mac: string, addr6: string): void {
  lab.exec(host, 'ip', ['link', 'set', 'eth0', 'down']);
  lab.exec(host, 'ip', ['link', 'set', 'eth0', 'address', mac]);
  lab.exec(host, 'ip', ['link', 'set', 'eth0', 'up']);
  lab.exec(host, 'ip', ['addr', 'add', `${addr6}/64`, 'dev', 'eth0', 'nodad']);
}

export interface CaptureResult {
  records: Map<string, GoldenRecord>;
  config: string;
  pcap: Buffer;
  keepalivedLog: string;
}

/**
 * Start keepalived with every case in one config, capture on the peer until each VRID has been seen
 * (or the deadline passes), stop keepalived (it resigns with priority 0), and build the records.
 */
export async function captureGolden(cases: GoldenCase[] = GOLDEN_CASES, timeoutMs = 30_000): Promise<CaptureResult> {
  const lab = new Lab('vg');
  const dir = mkdtempSync(join(tmpdir(), 'vipd-golden-'));
  const pcapChunks: Buffer[] = [];
  const kaLog: Buffer[] = [];
  const config = keepalivedConfig(cases);
  try {
    lab.addHost('ka', `${KA_ADDR4}/24`);
    lab.addHost('peer', `${PEER_ADDR4}/24`);
    setMac(lab, 'ka', KA_MAC, KA_ADDR6);
    setMac(lab, 'peer', PEER_MAC, PEER_ADDR6);
    const cfgPath = join(dir, 'keepalived.conf');
    writeFileSync(cfgPath, config);

    const dump = lab.spawn('peer', 'tcpdump', ['-i', 'eth0', '-U', '-n', '-s', '0', '-w', '-', 'ip proto 112 or ip6 proto 112']);
    collect(dump, pcapChunks);
    let dumpErr = '';
    dump.stderr?.on('data', (d: Buffer) => { dumpErr += d.toString(); });
    await waitFor(() => dumpErr.includes('listening on'), 10_000);

    const ka = lab.spawn('ka', 'keepalived', ['-n', '-l', '-D', '-G', '-P', '-f', cfgPath,
      '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid')]);
    ka.stdout?.on('data', (d: Buffer) => kaLog.push(d));
    ka.stderr?.on('data', (d: Buffer) => kaLog.push(d));

    const firstSeen = (): Map<number, IpPacket> => {
      const seen = new Map<number, IpPacket>();
      for (const f of readPcap(Buffer.concat(pcapChunks)).frames) {
        const p = ipFromFrame(f);
        if (!p || p.payload.length < 3 || p.meta.src === (p.meta.src.includes(':') ? PEER_ADDR6 : PEER_ADDR4)) continue;
        if (p.payload[2] !== 0 && !seen.has(p.payload[1])) seen.set(p.payload[1], p);
      }
      return seen;
    };
    try {
      await waitFor(() => cases.every((c) => firstSeen().has(c.vrid)), timeoutMs, 200);
    } catch {
      // Keep what we have; the caller reports which cases are missing.
    }
    await lab.stop(ka, 'SIGTERM', 10_000);
    await sleep(500); // let the priority-0 adverts reach the capture
    await lab.stop(dump, 'SIGTERM');

    const version = keepalivedVersion();
    const pcap = Buffer.concat(pcapChunks);
    const records = new Map<string, GoldenRecord>();
    const first = firstSeen();
    const resign = new Map<number, IpPacket>();
    for (const f of readPcap(pcap).frames) {
      const p = ipFromFrame(f);
      if (p && p.payload.length >= 3 && p.payload[2] === 0 && !resign.has(p.payload[1])) resign.set(p.payload[1], p);
    }
    for (const c of cases) {
      const p = first.get(c.vrid);
      if (!p) continue;
      const rec: GoldenRecord = { case: c.name, keepalived: version, checksumMode: c.checksumMode, advert: toGolden(p, c.family) };
      const r = resign.get(c.vrid);
      if (r) rec.resign = toGolden(r, c.family);
      records.set(c.name, rec);
    }
    return { records, config, pcap, keepalivedLog: Buffer.concat(kaLog).toString() };
  } finally {
    await lab.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A human-readable structure of a captured advert, for comparisons that should not depend on hex. */
export function describe(p: GoldenPacket): Record<string, unknown> {
  const d = decodeAdvert(Buffer.from(p.vrrpHex, 'hex'), p.family);
  return { src: p.src, dst: p.dst, ttl: p.ttl, tos: p.tos, ipProtocol: p.ipProtocol, ...(d.ok ? { ...d.advert, authData: d.advert.authData?.toString('hex') } : { error: d.reason }) };
}

export const FIXTURE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'golden');

// --- the other direction: our adverts to keepalived ------------------------------------------------

/** One advert the sender child repeats; `authHex` is the v2 auth data. */
export interface SendSpec {
  family: Family;
  /** Unicast destination (keepalived's address); multicast to the group when absent. */
  unicastPeer?: string;
  /** Source address to pin (unicast IPv6 needs the global one keepalived lists as its peer). */
  src?: string;
  checksumMode: ChecksumMode;
  advert: Omit<Advert, 'authData'> & { authHex?: string };
}

/**
 * Sender mode (`node dist/scripts/capture-golden.js --send SPEC.json`, run inside a namespace): opens
 * the project's VRRP sockets on eth0 and sends every spec, encoded with encodeAdvert, every 200 ms
 * until SIGTERM. IPv6 checksums are filled by the kernel (IPV6_CHECKSUM), as in the daemon.
 */
async function sendMode(specPath: string): Promise<void> {
  const specs = JSON.parse(readFileSync(specPath, 'utf8')) as SendSpec[];
  const { openVrrpSocket } = await import('../src/net/vrrp-socket.js');
  type Sock = Awaited<ReturnType<typeof openVrrpSocket>>;
  const socks = new Map<string, Sock>();
  const jobs: { sock: Sock; payload: Buffer }[] = [];
  for (const spec of specs) {
    const key = `${spec.family}|${spec.unicastPeer ?? ''}|${spec.src ?? ''}`;
    let sock = socks.get(key);
    if (!sock) {
      sock = await openVrrpSocket({ family: spec.family, ifname: 'eth0', unicastPeers: spec.unicastPeer ? [spec.unicastPeer] : [], unicastSrc: spec.src });
      sock.onError((e) => console.error(`send: ${String(e)}`));
      socks.set(key, sock);
    }
    const { authHex, ...rest } = spec.advert;
    const advert: Advert = { ...rest, authData: authHex !== undefined ? Buffer.from(authHex, 'hex') : undefined };
    const payload = encodeAdvert(advert, { src: sock.src, dst: spec.unicastPeer ?? sock.group, checksumMode: spec.checksumMode });
    jobs.push({ sock, payload });
  }
  const tick = () => { for (const j of jobs) j.sock.send(j.payload); };
  tick();
  const timer = setInterval(tick, 200);
  console.log(`sending ${jobs.length} adverts`);
  process.once('SIGTERM', () => { clearInterval(timer); for (const s of socks.values()) s.close(); process.exit(0); });
}

async function main(): Promise<void> {
  const sendAt = process.argv.indexOf('--send');
  if (sendAt >= 0) return sendMode(process.argv[sendAt + 1]);
  const { records, config, pcap, keepalivedLog } = await captureGolden();
  mkdirSync(FIXTURE_DIR, { recursive: true });
  writeFileSync(join(FIXTURE_DIR, 'keepalived.conf'), config);
  for (const rec of records.values()) writeFileSync(join(FIXTURE_DIR, `${rec.case}.json`), `${JSON.stringify(rec, null, 2)}\n`);
  writeFileSync(join(FIXTURE_DIR, 'golden.pcap'), pcap);
  const missing = GOLDEN_CASES.filter((c) => !records.has(c.name)).map((c) => c.name);
  console.log(`wrote ${records.size} fixtures (${pcap.length} bytes of pcap) to ${FIXTURE_DIR}`);
  if (missing.length) {
    console.error(`missing cases: ${missing.join(', ')}\n--- keepalived log ---\n${keepalivedLog}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
}
