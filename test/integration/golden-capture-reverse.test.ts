// The other direction: adverts built by our encoder (sent through the project's VRRP sockets) must be
// accepted by a real keepalived 2.2.7. keepalived runs every golden case as a BACKUP at priority 100;
// we advertise priority 200 for each VRID. An instance that accepts our adverts stays BACKUP; one that
// rejects them (bad checksum, auth, …) times out and logs "Entering MASTER STATE". A control VRID with
// a deliberately broken checksum must go MASTER, so the test can tell the difference. Two more VRIDs
// show that keepalived ignores adverts whose VIP list differs from its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, labUnavailable, waitFor, sleep } from '../helpers/netns.js';
import {
  GOLDEN_CASES, KA_ADDR4, KA_ADDR6, KA_MAC, instanceName, keepalivedConfig, setMac, type GoldenCase, type SendSpec,
} from '../../scripts/capture-golden.js';

const US4 = '192.0.2.3';
const US6 = 'fd00:1::3';

function missingTool(): string | undefined {
  for (const t of ['keepalived']) if (spawnSync(t, ['--version'], { stdio: 'ignore' }).error) return `${t} not installed`;
  return undefined;
}

// Extra receivers: a control whose adverts we corrupt, and two VIP-mismatch probes.
const CONTROL: GoldenCase = { name: 'ctl-bad-checksum', vrid: 60, family: 4, version: 3, unicast: false, checksumMode: 'standard', advertIntCs: 100, priority: 100, vips: ['192.0.2.170'], extra: [] };
const VIP_LIST: GoldenCase = { name: 'vip-list-differs', vrid: 61, family: 4, version: 2, unicast: false, checksumMode: 'standard', advertIntCs: 100, priority: 100, vips: ['192.0.2.180', '192.0.2.181'], extra: [] };
// keepalived not configured for old checksums must detect ours (sent the <= 1.3.6 way) and accept them.
const OLD_AUTO: GoldenCase = { name: 'old-checksum-auto', vrid: 63, family: 4, version: 3, unicast: true, checksumMode: 'standard', advertIntCs: 100, priority: 100, vips: ['192.0.2.200'],
  extra: [`unicast_src_ip ${KA_ADDR4}`, 'unicast_peer {', '  192.0.2.2', '}'] };
const VIP_COUNT: GoldenCase = { name: 'vip-count-differs', vrid: 62, family: 4, version: 3, unicast: false, checksumMode: 'standard', advertIntCs: 100, priority: 100, vips: ['192.0.2.190', '192.0.2.191'], extra: [] };

function specFor(c: GoldenCase, over: Partial<SendSpec['advert']> = {}, checksumMode = c.checksumMode): SendSpec {
  return {
    family: c.family,
    unicastPeer: c.unicast ? (c.family === 4 ? KA_ADDR4 : KA_ADDR6) : undefined,
    src: c.unicast && c.family === 6 ? US6 : undefined,
    checksumMode,
    advert: {
      version: c.version, type: 1, vrid: c.vrid, priority: 200, advertIntCs: c.advertIntCs,
      authType: c.authPass ? 1 : 0, authHex: c.version === 2 ? Buffer.from(c.authPass ?? '').toString('hex') : undefined,
      checksum: 0, family: c.family, addrs: c.vips, ...over,
    },
  };
}

const skip = labUnavailable() ?? missingTool();
const scriptPath = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'capture-golden.js');

test('keepalived 2.2.7 accepts the adverts our encoder builds', { skip, timeout: 90_000 }, async () => {
  const lab = new Lab('vr');
  const dir = mkdtempSync(join(tmpdir(), 'vipd-golden-rev-'));
  const log: string[] = [];
  try {
    lab.addHost('ka', `${KA_ADDR4}/24`);
    lab.addHost('us', `${US4}/24`);
    setMac(lab, 'ka', KA_MAC, KA_ADDR6);
    setMac(lab, 'us', '02:00:00:00:51:03', US6);
    const cases = [...GOLDEN_CASES, CONTROL, VIP_LIST, VIP_COUNT, OLD_AUTO];
    writeFileSync(join(dir, 'keepalived.conf'), keepalivedConfig(cases, { peer4: US4, peer6: US6 }));
    const specs = [
      ...GOLDEN_CASES.map((c) => specFor(c)),
      specFor(CONTROL, { checksum: 0x1234 }, 'verbatim'),
      specFor(VIP_LIST, { addrs: ['192.0.2.180', '192.0.2.182'] }),
      specFor(VIP_COUNT, { addrs: ['192.0.2.190'] }),
      specFor(OLD_AUTO, {}, 'old-unicast'),
    ];
    writeFileSync(join(dir, 'send.json'), JSON.stringify(specs));

    const sender = lab.spawn('us', process.execPath, [scriptPath, '--send', join(dir, 'send.json')]);
    let senderOut = '';
    sender.stdout?.on('data', (d: Buffer) => { senderOut += d.toString(); });
    sender.stderr?.on('data', (d: Buffer) => { senderOut += d.toString(); });
    await waitFor(() => senderOut.includes('sending') || sender.exitCode !== null, 15_000);
    assert.match(senderOut, /sending \d+ adverts/, senderOut);

    const ka = lab.spawn('ka', 'keepalived', ['-n', '-l', '-D', '-G', '-P', '-f', join(dir, 'keepalived.conf'),
      '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid')]);
    ka.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
    ka.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    const masters = () => new Set(cases.filter((c) => log.join('').includes(`(${instanceName(c)}) Entering MASTER STATE`)).map((c) => c.name));
    // The control times out after 3 × 1 s + skew; give the others the same chance plus margin.
    await waitFor(() => masters().has(CONTROL.name), 30_000, 200);
    await sleep(3000);
    const text = log.join('');
    const m = masters();
    const accepted = GOLDEN_CASES.filter((c) => !m.has(c.name)).map((c) => c.name);
    assert.deepEqual(accepted, GOLDEN_CASES.map((c) => c.name), `keepalived rejected our adverts for some cases:\n${text}`);
    assert.match(text, /Invalid VRRPv3 checksum/);
    assert.ok(!m.has(OLD_AUTO.name), `keepalived did not recognise our old-style unicast checksum:\n${text}`);
    assert.match(text, /\(OLD_CHECKSUM_AUTO\) Setting unicast VRRPv3 checksum to old version/);
    // keepalived ignores an advert whose VIP list differs from its own (so it takes over): the reason our
    // receive checks drop such adverts by default (LocalInstanceView.vipMismatch).
    assert.ok(m.has(VIP_LIST.name), `keepalived accepted an advert with a different VIP list:\n${text}`);
    assert.ok(m.has(VIP_COUNT.name), `keepalived accepted an advert with a different VIP count:\n${text}`);
    assert.match(text, /not present in MASTER advert|unexpected ip number count|expected \d+ VIPs/);
    await lab.stop(ka, 'SIGTERM', 10_000);
    await lab.stop(sender);
  } finally {
    await lab.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
});
