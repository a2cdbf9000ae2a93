// Accept mode: with vrrp_strict (or no_accept) a master that does not own the VIP drops traffic sent to
// it (RFC 3768/5798 §6.4.3; keepalived does it with nftables); with `accept` the VIP answers. The VIP
// stays resolvable either way, and the filter table goes away when the daemon stops.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable } from '../helpers/netns.js';
import { startNode, ready, waitForHolder, vrrpConf, type NodeProc } from '../helpers/vipd-node.js';

const skip = labUnavailable();
let lab: Lab;
const started: NodeProc[] = [];
before(() => {
  if (skip) return;
  lab = new Lab('va');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('client', '192.0.2.50/24');
});
after(async () => {
  for (const n of started) await lab.stop(n.proc, 'SIGTERM', 8000).catch(() => undefined);
  if (lab) await lab.teardown();
});

const pingVip = () => lab.exec('client', 'ping', ['-c', '1', '-W', '1', '192.0.2.100'], { allowFail: true }).includes('1 received');

for (const mode of ['strict', 'no_accept', 'accept'] as const) {
  test(`${mode}: VIP traffic ${mode === 'accept' ? 'accepted' : 'dropped'} on the master, the VIP still resolves`, { skip }, async () => {
    const n = startNode(lab, 'n1', 'vipd', vrrpConf({
      state: 'BACKUP', prio: 150, global: mode === 'strict' ? 'vrrp_strict' : '', extra: mode === 'no_accept' ? '  no_accept' : mode === 'accept' ? '  accept' : '',
    }));
    started.push(n);
    try {
      await ready(n);
      await waitForHolder(lab, ['n1'], 'n1', '192.0.2.100', 15_000);
      await new Promise((r) => setTimeout(r, 300)); // the filter goes in with the VIP; give nft a moment
      assert.equal(pingVip(), mode === 'accept', `ping to the VIP in ${mode} mode`);
      assert.ok(lab.exec('client', 'ping', ['-c', '1', '-W', '1', '192.0.2.1'], { allowFail: true }).includes('1 received'), 'the node itself answers');
      assert.match(lab.exec('client', 'ip', ['neigh', 'show', '192.0.2.100']), /lladdr/, 'the VIP resolves');
      const tables = lab.exec('n1', 'nft', ['list', 'tables']);
      assert.equal(tables.includes('vipd_noaccept'), mode !== 'accept');
      await lab.stop(n.proc, 'SIGTERM', 8000);
      assert.equal(lab.exec('n1', 'nft', ['list', 'tables']).includes('vipd_noaccept'), false, 'table removed at stop');
    } catch (e) {
      console.log(n.output());
      throw e;
    }
  });
}
