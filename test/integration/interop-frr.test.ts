// vipd and FRR's vrrpd (8.x, with zebra) as VRRPv3 IPv4 peers on one segment: they elect one master
// both ways round and fail over: kill -9 of FRR's vrrpd (vipd takes over within its master-down
// interval), FRR restarted preempts back, a higher-priority vipd preempts FRR, and vipd's SIGTERM
// (priority-0 advert) hands back to FRR within its skew time. A client on the segment checks who
// answers ARP for the VIP (FRR's virtual MAC or vipd's interface).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Lab, labUnavailable, sleep, waitFor } from '../helpers/netns.js';
import { hasAddress, vrrpConf, waitForHolder, type NodeProc } from '../helpers/vipd-node.js';
import { NodeBook, masterDownMs, skewMs } from '../helpers/interop.js';
import { createVrrpMacvlan, frrMissing, frrStatus, startVrrpd, startZebra, type FrrNode, type FrrVrrpOptions } from '../helpers/frr.js';

const skip = labUnavailable() ?? frrMissing();
const VIP = '192.0.2.110';
const VRID = 71;
const VMAC = '00:00:5e:00:01:47';
const FRR_PRIO = 150;

let lab: Lab;
before(() => {
  if (skip) return;
  lab = new Lab('if');
  lab.addHost('n1', '192.0.2.1/24'); // FRR
  lab.addHost('n2', '192.0.2.2/24'); // vipd
  lab.addHost('client', '192.0.2.50/24');
});
after(async () => { if (lab) await lab.teardown(); });

const book = new NodeBook();

function vipdConf(prio: number): string {
  return vrrpConf({ state: 'BACKUP', prio, vrid: VRID, version: 3, advert: 1, vip: `${VIP}/24` });
}

/** The MAC the client resolves the VIP to, after forgetting what it knew. */
function clientSees(): string | undefined {
  lab.exec('client', 'ip', ['neigh', 'flush', 'all']);
  lab.exec('client', 'ping', ['-c', '1', '-W', '2', VIP], { allowFail: true });
  const m = /lladdr ([0-9a-f:]{17})/.exec(lab.exec('client', 'ip', ['neigh', 'show', VIP]));
  return m?.[1];
}

function macOf(host: string, ifname: string): string {
  return /link\/ether ([0-9a-f:]{17})/.exec(lab.exec(host, 'ip', ['link', 'show', ifname]))![1]!;
}

test('vipd and FRR vrrpd (VRRPv3 IPv4): one master, failover and preemption both ways', { skip }, async () => {
  let frr: FrrNode | undefined;
  const fo: FrrVrrpOptions = { vrid: VRID, priority: FRR_PRIO, advertMs: 1000, vips: [VIP], prefix: 24 };
  let vipd: NodeProc | undefined;
  const status = () => frrStatus(lab, frr!, VRID);
  try {
    await book.run(async () => {
      frr = await startZebra(lab, 'n1');
      createVrrpMacvlan(lab, 'n1', fo);
      await startVrrpd(lab, frr, fo);
      // Alone on the segment, FRR goes Master after its master-down interval.
      await waitFor(() => status() === 'Master', masterDownMs(1, FRR_PRIO) + 5000, 200);

      vipd = await book.start(lab, 'n2', 'vipd', vipdConf(100));
      // Past vipd's master-down interval: it hears FRR's adverts and stays BACKUP.
      await sleep(masterDownMs(1, 100) + 1000);
      assert.equal(status(), 'Master', 'FRR stays Master');
      assert.equal(hasAddress(lab, 'n2', VIP), false, 'vipd stays BACKUP (no VIP)');
      assert.equal(clientSees(), VMAC, 'the client reaches the VIP at FRR\'s virtual MAC');

      // kill -9 of FRR's vrrpd: vipd takes over after its master-down interval
      let t0 = Date.now();
      frr.vrrpd!.kill('SIGKILL');
      await waitForHolder(lab, ['n2'], 'n2', VIP, 10_000);
      let elapsed = Date.now() - t0;
      const mdi = masterDownMs(1, 100);
      console.log(`# FRR crash: vipd took over in ${elapsed} ms (master-down interval ${Math.round(mdi)} ms)`);
      assert.ok(elapsed >= mdi - 1000 - 50 && elapsed < mdi + 2000, `takeover within the master-down interval (+2 s), took ${elapsed} ms`);

      // FRR back with the higher priority: it preempts (RFC 5798: a backup with preempt ignores the
      // lower-priority master and takes over when its own master-down timer runs out).
      t0 = Date.now();
      await startVrrpd(lab, frr, fo);
      await waitFor(() => status() === 'Master' && !hasAddress(lab, 'n2', VIP), 15_000, 100);
      console.log(`# FRR restarted: preempted vipd ${Date.now() - t0} ms after start`);

      // vipd with a higher priority than FRR's preempts FRR
      await lab.stop(vipd.proc, 'SIGTERM', 8000);
      t0 = Date.now();
      vipd = await book.start(lab, 'n2', 'vipd', vipdConf(200));
      await waitFor(() => hasAddress(lab, 'n2', VIP) && status() === 'Backup', 15_000, 100);
      console.log(`# vipd (priority 200) preempted FRR ${Date.now() - t0} ms after start`);
      assert.equal(clientSees(), macOf('n2', 'eth0'), 'the client reaches the VIP at vipd\'s interface');

      // vipd's SIGTERM: priority 0, FRR takes over within its skew time
      t0 = Date.now();
      vipd.proc.kill('SIGTERM');
      await waitFor(() => status() === 'Master', 5000, 20);
      elapsed = Date.now() - t0;
      const skew = skewMs(1, FRR_PRIO);
      console.log(`# vipd SIGTERM: FRR Master after ${elapsed} ms (skew time ${Math.round(skew)} ms)`);
      assert.ok(elapsed < skew + 1000, `FRR took over within skew time + 1 s, took ${elapsed} ms`);
      await lab.stop(vipd.proc, 'SIGTERM', 8000);
      assert.equal(hasAddress(lab, 'n2', VIP), false, 'vipd removed its VIP');
    });
  } catch (e) {
    if (frr) console.log(`# ---- FRR on n1:\n${frr.output().replace(/^/gm, '# ')}`);
    throw e;
  } finally {
    if (vipd) await lab.stop(vipd.proc, 'SIGTERM', 8000);
    if (frr?.vrrpd) await lab.stop(frr.vrrpd, 'SIGTERM', 5000);
    if (frr) await lab.stop(frr.zebra, 'SIGTERM', 5000);
    if (frr) rmSync(frr.dir, { recursive: true, force: true });
  }
});
