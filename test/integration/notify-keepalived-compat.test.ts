// Golden comparison with Debian's keepalived 2.2.7: run it in a network namespace with a notify
// script, a vrrp_notify_fifo and a track_file; drive priority changes and a FAULT through the
// track file; record what keepalived writes. Then replay the same transitions through our Notifier
// and check that our FIFO lines and notify arguments are byte-identical, and that our priority
// combiner computes the priorities keepalived reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lab, labUnavailable, waitFor } from '../helpers/netns.js';
import { NotifyFifo } from '../../src/notify/fifo.js';
import { Notifier, type NotifyState } from '../../src/notify/notifier.js';
import { trackedPriority } from '../../src/vrrp/priority.js';

function keepalivedMissing(): string | undefined {
  try { execFileSync('keepalived', ['-v'], { stdio: 'ignore' }); return undefined; } catch { return 'keepalived not installed'; }
}

const skip = labUnavailable() ?? keepalivedMissing();

test('FIFO lines, notify arguments and track_file priorities match keepalived 2.2.7', { skip, timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vipd-kacompat-'));
  chmodSync(dir, 0o700);
  const lab = new Lab('vn');
  let readerOut = '';
  try {
    lab.addHost('a', '192.0.2.1/24');
    const fifoPath = join(dir, 'vrrp.fifo');
    const trackPath = join(dir, 'track');
    const kaNotifyLog = join(dir, 'ka-notify.log');
    const ourNotifyLog = join(dir, 'our-notify.log');
    const notify = join(dir, 'notify.sh');
    writeFileSync(notify, '#!/bin/sh\nlog=$1; shift\n{ for a in "$@"; do printf "[%s]" "$a"; done; echo; } >> "$log"\n');
    chmodSync(notify, 0o755);
    writeFileSync(trackPath, '0\n');
    const failFlag = join(dir, 'chk.fail');
    const chk = join(dir, 'chk.sh');
    writeFileSync(chk, `#!/bin/sh\n[ -e ${failFlag} ] && exit 1\nexit 0\n`);
    chmodSync(chk, 0o755);
    execFileSync('mkfifo', ['-m', '600', fifoPath]);
    // Our reader starts first; keepalived opens O_RDWR, so nothing written is lost.
    const reader = spawn('cat', [fifoPath], { stdio: ['ignore', 'pipe', 'ignore'] });
    reader.stdout.on('data', (d: Buffer) => { readerOut += d.toString(); });
    const conf = join(dir, 'keepalived.conf');
    writeFileSync(conf, `global_defs {
  router_id compat
  enable_script_security
  script_user root
  vrrp_notify_fifo ${fifoPath}
}
vrrp_script chk {
  script ${chk}
  interval 1
  weight -10
  rise 2
  fall 2
}
track_file tf {
  file ${trackPath}
  weight 1
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.0.2.100/24
  }
  track_file {
    tf
  }
  track_script {
    chk
  }
  notify "${notify} ${kaNotifyLog} 'quoted arg'"
  notify_priority_changes
}
`);
    chmodSync(conf, 0o644);
    const ka = lab.spawn('a', 'keepalived', ['-n', '-l', '-D', '-P', '-f', conf, '-p', join(dir, 'ka.pid'), '-r', join(dir, 'vrrp.pid')]);
    let kaLog = '';
    ka.stdout?.on('data', (d: Buffer) => { kaLog += d.toString(); });
    ka.stderr?.on('data', (d: Buffer) => { kaLog += d.toString(); });
    const has = (line: string) => readerOut.split('\n').includes(line);
    const wait = (line: string) => waitFor(() => has(line), 20_000).catch(() => {
      throw new Error(`keepalived never wrote ${line}; fifo so far:\n${readerOut}\nlog:\n${kaLog}`);
    });
    await wait('INSTANCE "VI_1" MASTER 100');
    // Values written to the track file, and what keepalived reports for each.
    const values = [5, -20, 40];
    for (const v of values) {
      writeFileSync(trackPath, `${v}\n`);
      const expected = trackedPriority(100, [{ kind: 'value', name: 'f', value: v, weight: 1 }]).priority;
      await wait(`INSTANCE "VI_1" MASTER_PRIORITY ${expected}`);
    }
    // The check script fails: weight -10 applies on top of the file's +40.
    const scriptDown = trackedPriority(100, [{ kind: 'value', name: 'f', value: 40, weight: 1 }, { kind: 'updown', name: 's', up: false, weight: -10 }]).priority;
    assert.equal(scriptDown, 130);
    writeFileSync(failFlag, '');
    await wait(`INSTANCE "VI_1" MASTER_PRIORITY ${scriptDown}`);
    rmSync(failFlag);
    await waitFor(() => readerOut.trim().split('\n').slice(-1)[0] === 'INSTANCE "VI_1" MASTER_PRIORITY 140', 20_000);
    writeFileSync(trackPath, '-300\n'); // below -253: FAULT
    assert.equal(trackedPriority(100, [{ kind: 'value', name: 'f', value: -300, weight: 1 }]).fault, true);
    await waitFor(() => /FAULT/.test(readerOut), 20_000);
    writeFileSync(trackPath, '0\n');
    await waitFor(() => readerOut.trim().split('\n').slice(-1)[0] === 'INSTANCE "VI_1" MASTER 100', 20_000);
    await lab.stop(ka);
    await waitFor(() => existsSync(kaNotifyLog) && /STOP/.test(readFileSync(kaNotifyLog, 'utf8')), 10_000);
    const kaLines = readerOut.split('\n').filter(Boolean);
    const kaNotify = readFileSync(kaNotifyLog, 'utf8');

    // Replay through our notifier.
    const ourFifoPath = join(dir, 'our.fifo');
    const ourFifo = new NotifyFifo({ path: ourFifoPath });
    assert.equal(await ourFifo.open(), true);
    let ourOut = '';
    const ourReader = spawn('cat', [ourFifoPath], { stdio: ['ignore', 'pipe', 'ignore'] });
    ourReader.stdout.on('data', (d: Buffer) => { ourOut += d.toString(); });
    const n = new Notifier({
      kind: 'INSTANCE', name: 'VI_1', fifos: [ourFifo], notifyPriorityChanges: true,
      scripts: { notify: { argv: [notify, ourNotifyLog, 'quoted arg'] } },
    });
    let state: NotifyState = 'BACKUP';
    for (const line of kaLines) {
      const m = /^INSTANCE "VI_1" (\w+) (\d+)$/.exec(line);
      assert.ok(m, `unexpected keepalived line ${line}`);
      const [, ev, prio] = m;
      if (ev === 'MASTER_PRIORITY' || ev === 'BACKUP_PRIORITY') n.priorityChanged(Number(prio), state);
      else {
        state = ev as NotifyState;
        n.stateChanged(state, Number(prio));
      }
    }
    // keepalived SIGTERMs nothing here (the reader is ours), so its STOP reaches the FIFO too.
    await waitFor(() => ourOut.split('\n').filter(Boolean).length === kaLines.length, 10_000);
    await n.idle();
    await ourFifo.close();
    ourReader.kill();
    assert.deepEqual(ourOut.split('\n').filter(Boolean), kaLines);
    assert.equal(readFileSync(ourNotifyLog, 'utf8'), kaNotify);
    // Sanity: the scenario really covered these transitions.
    for (const ev of ['BACKUP 100', 'MASTER 100', 'MASTER_PRIORITY 105', 'MASTER_PRIORITY 80', 'MASTER_PRIORITY 140', 'MASTER_PRIORITY 130']) {
      assert.ok(kaLines.includes(`INSTANCE "VI_1" ${ev}`), `missing ${ev} in ${kaLines.join(' | ')}`);
    }
    assert.ok(kaLines.some((l) => / FAULT /.test(l)));
    t.diagnostic(`keepalived fifo: ${kaLines.join(' | ')}`);
    assert.match(kaNotify, /^\[quoted arg\]\[INSTANCE\]\[VI_1\]\[BACKUP\]\[100\]$/m);
    reader.kill();
  } finally {
    await lab.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
});
