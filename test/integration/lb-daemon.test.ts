// The whole daemon in checker mode (`vipd -C -n -l -f keepalived.conf`): the parent forks the
// checker child, which reads the same keepalived.conf, health-checks nginx real servers and
// programs nftables; SIGHUP reloads; SIGTERM removes the table. keepalived's own checker cannot
// run on this kernel (no IPVS), so this is the only way these configs run here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab, labUnavailable, waitFor } from '../helpers/netns.js';
import { ROOT, nginxSite, startNginx, tempDir, waitListening, type NginxSite, removeTempDirs } from './lb-fixtures.js';

const skip = labUnavailable();
const lab = new Lab('vld');
const VIP = '203.0.113.10';
const RS = { rs1: '198.51.100.11', rs2: '198.51.100.12' } as const;
let dir = '';
let conf = '';
let vipd: ChildProcess;
let logText = '';
const sites = new Map<string, NginxSite>();
const nginx = new Map<string, ChildProcess>();

function config(algo: string, weights: [number, number]): string {
  return `global_defs {
  router_id director
  lvs_notify_fifo ${join(dir, 'fifo.txt')}
}
virtual_server ${VIP} 80 {
  delay_loop 1
  lb_algo ${algo}
  lb_kind NAT
  protocol TCP
  real_server ${RS.rs1} 80 {
    weight ${weights[0]}
    HTTP_GET {
      url {
        path /
        status_code 200
      }
      connect_timeout 1
      retry 0
    }
  }
  real_server ${RS.rs2} 80 {
    weight ${weights[1]}
    TCP_CHECK {
      connect_timeout 1
      retry 0
    }
  }
}
`;
}

const table = (): string => lab.exec('dir', 'nft', ['list', 'table', 'inet', 'vipd'], { allowFail: true });

before(async () => {
  if (skip) return;
  dir = tempDir('daemon');
  lab.addHost('dir', '198.51.100.1/24');
  lab.exec('dir', 'ip', ['addr', 'add', '203.0.113.1/24', 'dev', 'eth0']);
  lab.exec('dir', 'ip', ['addr', 'add', `${VIP}/32`, 'dev', 'eth0']);
  lab.exec('dir', 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.eth0.send_redirects=0']);
  lab.addHost('client', '203.0.113.100/24');
  for (const [name, ip] of Object.entries(RS)) {
    lab.addHost(name, `${ip}/24`);
    lab.exec(name, 'ip', ['route', 'add', 'default', 'via', '198.51.100.1']);
    const site = nginxSite(dir, name, `${name}\n`, 80);
    sites.set(name, site);
    nginx.set(name, startNginx(lab, name, site));
    await waitListening(lab, name, ip, 80);
  }
  conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, config('rr', [1, 1]));
  vipd = lab.spawn('dir', process.execPath, [join(ROOT, 'bin', 'vipd.js'), '-C', '-n', '-l', '-G', '-f', conf,
    '-p', join(dir, 'vipd.pid'), '-c', join(dir, 'checkers.pid'), '-r', join(dir, 'vrrp.pid')],
    { env: { ...process.env, VIPD_API_LISTEN: 'off', VIPD_DUMP_DIR: dir } });
  vipd.stdout?.on('data', (d: Buffer) => { logText += String(d); });
  vipd.stderr?.on('data', (d: Buffer) => { logText += String(d); });
  await waitFor(() => table().includes(RS.rs1) && table().includes(RS.rs2), 20_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${logText}`);
  });
});

after(async () => { await lab.teardown(); removeTempDirs(); });

function answers(n: number): Record<string, number> {
  const body = lab.exec('client', 'curl', ['-s', '--max-time', '5', '-H', 'Connection: close', ...Array.from({ length: n }, () => `http://${VIP}/`)], { allowFail: true });
  const c: Record<string, number> = {};
  for (const l of body.split('\n').filter(Boolean)) c[l] = (c[l] ?? 0) + 1;
  return c;
}

test('vipd -C runs the keepalived.conf virtual_server on nftables', { skip, timeout: 30_000 }, () => {
  assert.deepEqual(answers(10), { rs1: 5, rs2: 5 });
});

test('a failing real server is removed and logged in keepalived words', { skip, timeout: 30_000 }, async () => {
  await lab.stop(nginx.get('rs1')!);
  await waitFor(() => !table().includes(RS.rs1), 10_000);
  assert.deepEqual(answers(4), { rs2: 4 });
  assert.match(logText, /Removing service \[198\.51\.100\.11\]:80 from VS \[203\.0\.113\.10\]:tcp:80/);
  assert.match(readFileSync(join(dir, 'fifo.txt'), 'utf8'), /RS \[198\.51\.100\.11\]:tcp:80 \[203\.0\.113\.10\]:tcp:80 DOWN/);
  nginx.set('rs1', startNginx(lab, 'rs1', sites.get('rs1')!));
  await waitFor(() => table().includes(RS.rs1), 10_000);
});

test('SIGHUP reloads the new weights; SIGUSR1 writes keepalived_check.data; SIGTERM removes the table', { skip, timeout: 30_000 }, async () => {
  writeFileSync(conf, config('wrr', [1, 3]));
  vipd.kill('SIGHUP');
  await waitFor(() => /numgen inc mod 4/.test(table()), 10_000);
  assert.deepEqual(answers(8), { rs1: 2, rs2: 6 });
  vipd.kill('SIGUSR1');
  await waitFor(() => { try { return /RS 198\.51\.100\.12:80 weight 3 UP/.test(readFileSync(join(dir, 'keepalived_check.data'), 'utf8')); } catch { return false; } }, 10_000);
  await lab.stop(vipd);
  assert.equal(table(), '', 'table removed at stop');
});
