// vipd and Debian's keepalived 2.2.7 as VRRP peers on one segment, both ways round (vipd MASTER with
// keepalived BACKUP, and the reverse), for v2 multicast with PASS authentication, v3 IPv4 at 100 ms,
// v3 IPv6, and unicast (v2, v3 IPv4, v3 IPv6). Each case: election, the backup keeps quiet past its
// master-down interval (it accepts the other daemon's adverts), kill -9 of the master (takeover
// within the master-down interval + margin), restart (the higher priority preempts back), SIGTERM
// of the master (priority-0 advert: takeover within skew time + margin). Observed with `ip addr`.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable, sleep } from '../helpers/netns.js';
import { crash, vrrpConf, waitForHolder, type NodeProc } from '../helpers/vipd-node.js';
import { NodeBook, holders, keepalivedMissing, masterDownMs, skewMs } from '../helpers/interop.js';

const skip = labUnavailable() ?? keepalivedMissing();
const hosts = ['n1', 'n2'];
const ADDR4: Record<string, string> = { n1: '192.0.2.1', n2: '192.0.2.2' };
const ADDR6: Record<string, string> = { n1: 'fd00:1::1', n2: 'fd00:1::2' };
const MASTER_PRIO = 150;
const BACKUP_PRIO = 100;

interface Case {
  name: string;
  version: 2 | 3;
  family: 4 | 6;
  advert: number; // seconds
  vrid: number;
  vip: string;
  prefix: number;
  auth?: string;
  unicast?: boolean;
}

// keepalived 2.2.7 takes a non-link-local first IPv6 VIP without complaint (only vrrp_strict wants
// a link-local one), so the ULA VIP is what an operator would configure.
const cases: Case[] = [
  { name: 'v2 multicast, auth PASS, advert_int 1', version: 2, family: 4, advert: 1, vrid: 61, vip: '192.0.2.100', prefix: 24, auth: 'secret' },
  { name: 'v3 IPv4 multicast, advert_int 0.1', version: 3, family: 4, advert: 0.1, vrid: 62, vip: '192.0.2.101', prefix: 24 },
  { name: 'v3 IPv6 multicast, advert_int 0.5', version: 3, family: 6, advert: 0.5, vrid: 63, vip: 'fd00:1::100', prefix: 64 },
  { name: 'v2 unicast, auth PASS, advert_int 1', version: 2, family: 4, advert: 1, vrid: 64, vip: '192.0.2.102', prefix: 24, auth: 'uc-pass', unicast: true },
  { name: 'v3 IPv4 unicast, advert_int 0.5', version: 3, family: 4, advert: 0.5, vrid: 65, vip: '192.0.2.103', prefix: 24, unicast: true },
  // keepalived 2.2.7 sends IPv6 unicast adverts with hop limit 64; unicast instances take any TTL.
  { name: 'v3 IPv6 unicast, advert_int 0.5', version: 3, family: 6, advert: 0.5, vrid: 66, vip: 'fd00:1::103', prefix: 64, unicast: true },
];

let lab: Lab;
before(() => {
  if (skip) return;
  lab = new Lab('ik');
  lab.addHost('n1', '192.0.2.1/24', 'fd00:1::1/64');
  lab.addHost('n2', '192.0.2.2/24', 'fd00:1::2/64');
});
after(async () => { if (lab) await lab.teardown(); });

function conf(c: Case, host: 'n1' | 'n2'): string {
  const other = host === 'n1' ? 'n2' : 'n1';
  const addr = c.family === 4 ? ADDR4 : ADDR6;
  return vrrpConf({
    name: `IK_${c.vrid}`,
    state: host === 'n1' ? 'MASTER' : 'BACKUP',
    prio: host === 'n1' ? MASTER_PRIO : BACKUP_PRIO,
    vrid: c.vrid,
    advert: c.advert,
    version: c.version,
    auth: c.auth,
    vip: `${c.vip}/${c.prefix}`,
    ...(c.unicast ? { unicastSrc: addr[host], peers: [addr[other]!] } : {}),
  });
}

const book = new NodeBook();

async function stopNode(n: NodeProc): Promise<void> { await lab.stop(n.proc, 'SIGTERM', 8000); }

for (const c of cases) {
  for (const [masterKind, backupKind] of [['vipd', 'keepalived'], ['keepalived', 'vipd']] as const) {
    test(`${c.name}: ${masterKind} MASTER, ${backupKind} BACKUP`, { skip }, () => book.run(async () => {
      const mdi = masterDownMs(c.advert, BACKUP_PRIO);
      const skew = skewMs(c.advert, BACKUP_PRIO);
      const tag = `${c.name} (${masterKind} master)`;
      let master = await book.start(lab, 'n1', masterKind, conf(c, 'n1'));
      const backup = await book.start(lab, 'n2', backupKind, conf(c, 'n2'));
      try {
        await waitForHolder(lab, hosts, 'n1', c.vip, 10_000);
        // A backup that rejected the master's adverts would take over once its master-down interval
        // ran out: waiting past it shows the adverts pass the other daemon's receive checks.
        await sleep(mdi + 1000);
        assert.deepEqual(holders(lab, hosts, c.vip), ['n1'], 'only the master holds the VIP past the backup\'s master-down interval');

        // kill -9: no priority-0 advert, the backup must notice the silence
        let t0 = Date.now();
        crash(master);
        await waitForHolder(lab, ['n2'], 'n2', c.vip, mdi + 10_000);
        let elapsed = Date.now() - t0;
        console.log(`# ${tag}: crash takeover ${elapsed} ms (master-down interval ${Math.round(mdi)} ms)`);
        // The last advert may have left up to one interval before the kill (plus timer jitter).
        assert.ok(elapsed >= mdi - c.advert * 1000 - 100, `takeover waited for the master-down interval, took ${elapsed} ms`);
        assert.ok(elapsed < mdi + 2000, `takeover within master-down interval + 2 s, took ${elapsed} ms`);
        await stopNode(master);

        // restart: the higher priority preempts back and the backup gives the VIP up
        t0 = Date.now();
        master = await book.start(lab, 'n1', masterKind, conf(c, 'n1'));
        await waitForHolder(lab, hosts, 'n1', c.vip, 10_000);
        console.log(`# ${tag}: preempted back ${Date.now() - t0} ms after restart`);

        // SIGTERM: the master resigns with a priority-0 advert, the backup waits only Skew_Time
        t0 = Date.now();
        master.proc.kill('SIGTERM');
        await waitForHolder(lab, hosts, 'n2', c.vip, 10_000);
        elapsed = Date.now() - t0;
        console.log(`# ${tag}: SIGTERM takeover ${elapsed} ms (skew time ${Math.round(skew)} ms)`);
        assert.ok(elapsed < skew + 1000, `takeover within skew time + 1 s after priority 0, took ${elapsed} ms`);
        await stopNode(master);
        assert.deepEqual(holders(lab, hosts, c.vip), ['n2'], 'the stopped master removed its VIP');
      } finally {
        // Only a node still running: pid files of a stopped one could name a reused pid.
        if (master.proc.exitCode === null && master.proc.signalCode === null) crash(master);
        await stopNode(master);
        await stopNode(backup);
      }
    }));
  }
}
