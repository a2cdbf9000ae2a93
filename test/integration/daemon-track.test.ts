// Trackers through the running daemon: track_interface (a second link going down lowers the master's
// priority below the backup's), track_file (the integer in a file times the weight), and the own
// interface going down (FAULT, VIPs released).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labUnavailable } from '../helpers/netns.js';
import { startNode, ready, waitForHolder, vrrpConf, jsonDump, tempDir, type NodeProc } from '../helpers/vipd-node.js';

const skip = labUnavailable();
let lab: Lab;
const started: NodeProc[] = [];
before(() => {
  if (skip) return;
  lab = new Lab('vk');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('n2', '192.0.2.2/24');
  lab.exec('n1', 'ip', ['link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
  lab.exec('n1', 'ip', ['link', 'set', 'eth1p', 'up']);
  lab.exec('n1', 'ip', ['link', 'set', 'eth1', 'up']);
});
after(async () => {
  for (const n of started) await lab.stop(n.proc, 'SIGTERM', 8000).catch(() => undefined);
  if (lab) await lab.teardown();
});

test('track_interface and track_file move the VIP; own interface down means FAULT', { skip }, async () => {
  const dir = tempDir('vk-n1-');
  const file = join(dir, 'weight');
  writeFileSync(file, '0\n');
  const top = `track_file tf {\n  file "${file}"\n  weight -1\n}\n`;
  const extra = '  track_interface {\n    eth1 weight -60\n  }\n  track_file {\n    tf\n  }';
  const n1 = startNode(lab, 'n1', 'vipd', vrrpConf({ state: 'MASTER', prio: 150, top, extra }), dir);
  const n2 = startNode(lab, 'n2', 'vipd', vrrpConf({ prio: 100 }));
  started.push(n1, n2);
  try {
    await ready(n1); await ready(n2);
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.100', 15_000);

    lab.exec('n1', 'ip', ['link', 'set', 'eth1p', 'down']); // carrier loss on eth1: 150 - 60 = 90 < 100
    await waitForHolder(lab, ['n1', 'n2'], 'n2', '192.0.2.100', 10_000);
    assert.equal((await jsonDump(n1))[0]!.data.effective_priority, 90);
    lab.exec('n1', 'ip', ['link', 'set', 'eth1p', 'up']);
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.100', 10_000);

    writeFileSync(file, '70\n'); // 150 + 70 × (−1) = 80 < 100
    await waitForHolder(lab, ['n1', 'n2'], 'n2', '192.0.2.100', 10_000);
    assert.equal((await jsonDump(n1))[0]!.data.effective_priority, 80);
    writeFileSync(file, '0\n');
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.100', 10_000);

    lab.exec('n1', 'ip', ['link', 'set', 'eth0', 'down']); // own interface: FAULT
    await waitForHolder(lab, ['n1', 'n2'], 'n2', '192.0.2.100', 10_000);
    assert.equal((await jsonDump(n1))[0]!.data.state, 3, 'FAULT (3) in keepalived\'s numbering');
    lab.exec('n1', 'ip', ['link', 'set', 'eth0', 'up']);
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.100', 15_000);
  } catch (e) {
    console.log(n1.output(), '\n----\n', n2.output());
    throw e;
  }
});
