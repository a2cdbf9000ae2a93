// use_vmac: the master carries the VIP on macvlan vrrp.<VRID> with MAC 00:00:5e:00:01:<VRID>; after a
// failover the client's ARP entry for the VIP keeps that MAC (that is what VMAC is for), and a stopped
// node removes its macvlan.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable } from '../helpers/netns.js';
import { startNode, ready, waitForHolder, vrrpConf, type NodeProc } from '../helpers/vipd-node.js';

const skip = labUnavailable();
let lab: Lab;
const started: NodeProc[] = [];
before(() => {
  if (skip) return;
  lab = new Lab('vv');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('n2', '192.0.2.2/24');
  lab.addHost('client', '192.0.2.50/24');
});
after(async () => {
  for (const n of started) await lab.stop(n.proc, 'SIGTERM', 8000).catch(() => undefined);
  if (lab) await lab.teardown();
});

const VMAC = '00:00:5e:00:01:33'; // VRID 51

/**
 * The MAC the client resolves for the VIP. The nodes learn the client's MAC first: otherwise the
 * master's own ARP request for the client (sent from eth0 with the VIP as sender address, because the
 * reply route goes out of eth0) would overwrite the client's entry — the same as with keepalived.
 */
function clientMac(): string {
  for (const a of ['192.0.2.1', '192.0.2.2']) lab.exec('client', 'ping', ['-c', '1', '-W', '2', a], { allowFail: true });
  lab.exec('client', 'ip', ['neigh', 'flush', 'all']);
  lab.exec('client', 'ping', ['-c', '1', '-W', '2', '192.0.2.100']);
  const line = lab.exec('client', 'ip', ['neigh', 'show', '192.0.2.100']);
  return /lladdr (\S+)/.exec(line)?.[1] ?? line;
}

test('use_vmac: VIP on vrrp.51 with the virtual MAC, the same MAC after failover, macvlan removed at stop', { skip }, async () => {
  const n1 = startNode(lab, 'n1', 'vipd', vrrpConf({ state: 'MASTER', prio: 150, extra: '  use_vmac' }));
  const n2 = startNode(lab, 'n2', 'vipd', vrrpConf({ prio: 100, extra: '  use_vmac' }));
  started.push(n1, n2);
  try {
    await ready(n1); await ready(n2);
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.100', 15_000);
    const link = lab.exec('n1', 'ip', ['-d', 'link', 'show', 'vrrp.51']);
    assert.match(link, new RegExp(`link/ether ${VMAC}`));
    assert.match(link, /macvlan mode private/);
    assert.match(lab.exec('n1', 'ip', ['-o', 'addr', 'show', 'dev', 'vrrp.51']), /192\.0\.2\.100\//);
    assert.equal(clientMac(), VMAC);
    await lab.stop(n1.proc, 'SIGTERM', 8000);
    await waitForHolder(lab, ['n1', 'n2'], 'n2', '192.0.2.100', 5_000);
    assert.equal(clientMac(), VMAC, 'the client reaches the new master at the same MAC');
    assert.equal(lab.exec('n1', 'ip', ['link', 'show', 'vrrp.51'], { allowFail: true }), '', 'stopped node removed its VMAC');
  } catch (e) {
    console.log(n1.output(), '\n----\n', n2.output());
    throw e;
  }
});
