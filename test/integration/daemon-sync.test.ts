// vrrp_sync_group: members move together. A failing weight-0 tracker on one member of the master's
// group puts the whole group in FAULT, so the backup node takes both VIPs; the group's notify script
// sees GROUP transitions; when the tracker recovers the group returns (preemption).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor } from '../helpers/netns.js';
import { startNode, ready, waitForHolder, script, tempDir, type NodeProc } from '../helpers/vipd-node.js';

const skip = labUnavailable();
let lab: Lab;
const started: NodeProc[] = [];
before(() => {
  if (skip) return;
  lab = new Lab('vy');
  lab.addHost('n1', '192.0.2.1/24');
  lab.addHost('n2', '192.0.2.2/24');
});
after(async () => {
  for (const n of started) await lab.stop(n.proc, 'SIGTERM', 8000).catch(() => undefined);
  if (lab) await lab.teardown();
});

function conf(dir: string, prio: number, withCheck: boolean): string {
  const flag = join(dir, 'healthy');
  writeFileSync(flag, '1');
  const chk = script(dir, 'chk.sh', `test -e ${flag}`);
  const log = join(dir, 'group.log');
  const notify = script(dir, 'notify.sh', `echo "$@" >> ${log}`);
  const inst = (name: string, vrid: number, vip: string, track: boolean) => `vrrp_instance ${name} {
  state BACKUP
  interface eth0
  virtual_router_id ${vrid}
  priority ${prio}
  advert_int 1
  virtual_ipaddress {
    ${vip}
  }
${track ? '  track_script {\n    chk\n  }\n' : ''}}
`;
  return `global_defs {
  router_id n${prio}
  enable_script_security
  script_user root
}
vrrp_script chk {
  script "${chk}"
  interval 1
  fall 1
  rise 1
}
vrrp_sync_group G {
  group {
    VI_1
    VI_2
  }
  notify "${notify}"
}
${inst('VI_1', 51, '192.0.2.100/24', false)}${inst('VI_2', 52, '192.0.2.101/24', withCheck)}`;
}

test('sync group: one member\'s FAULT moves the whole group; group notify sees GROUP transitions', { skip }, async () => {
  const d1 = tempDir('vy-n1-'), d2 = tempDir('vy-n2-');
  const n1 = startNode(lab, 'n1', 'vipd', conf(d1, 150, true), d1);
  const n2 = startNode(lab, 'n2', 'vipd', conf(d2, 100, false), d2);
  started.push(n1, n2);
  try {
    await ready(n1); await ready(n2);
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.100', 15_000);
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.101', 15_000);
    rmSync(join(d1, 'healthy')); // VI_2's weight-0 script fails on n1: VI_2 FAULT, so VI_1 follows
    await waitForHolder(lab, ['n1', 'n2'], 'n2', '192.0.2.101', 10_000);
    await waitForHolder(lab, ['n1', 'n2'], 'n2', '192.0.2.100', 10_000);
    writeFileSync(join(d1, 'healthy'), '1');
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.100', 15_000);
    await waitForHolder(lab, ['n1', 'n2'], 'n1', '192.0.2.101', 15_000);
    const log = join(d1, 'group.log');
    await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').trim().split('\n').length >= 4, 10_000);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(lines.slice(0, 4), ['GROUP G BACKUP 0', 'GROUP G MASTER 0', 'GROUP G FAULT 0', 'GROUP G BACKUP 0'], lines.join('\n'));
  } catch (e) {
    console.log(n1.output(), '\n----\n', n2.output());
    throw e;
  }
});
