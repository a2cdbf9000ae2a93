// `vipd demo` (and `vipd` with no configuration): the seed article's scenario on a throw-away network.
// Two nodes run nginx and vipd with the article's master/backup configs and port-check script; a
// client fetches the VIP. The demo fails the master the way the article does (stop nginx), then by
// crashing vipd (kill -9), and shows who holds the VIP and the measured takeover times. Everything
// lives in network namespaces created here and deleted at the end, using only 192.0.2.0/24.
import { mkdtempSync, writeFileSync, chmodSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { Lab, sleep, waitFor } from '../lab/netns.js';

const VIP = '192.0.2.100';
const NODES = [
  { host: 'node1', addr: '192.0.2.11', state: 'MASTER', prio: 100 },
  { host: 'node2', addr: '192.0.2.12', state: 'BACKUP', prio: 90 },
] as const;

// The article's check script (section 2.4), unchanged in substance: exit 1 when nothing listens on the port.
export const CHECK_PORT = `#!/bin/bash
CHK_PORT=$1
if [ -n "$CHK_PORT" ];then
        PORT_PROCESS=\`ss -lnt|grep $CHK_PORT|wc -l\`
        if [ $PORT_PROCESS -eq 0 ];then
                echo "Port $CHK_PORT Is Not Used,End."
                exit 1
        fi
else
        echo "Check Port Cant Be Empty!"
fi
`;

// The article's configs (section 2.5) with this network's interface and addresses; `nopreempt` as in
// its section on not taking the VIP back (which only works with state BACKUP, as keepalived).
export function seedKeepalivedConf(o: { routerId: string; state: 'MASTER' | 'BACKUP'; prio: number; checkScript: string; vip: string; nopreempt?: boolean }): string {
  return `! Configuration File for keepalived
global_defs {
   router_id ${o.routerId}
}
vrrp_script chk_nginx {
    script "${o.checkScript} 80"
    interval 2
    weight -20
}
vrrp_instance VI_1 {
    state ${o.state}
    interface eth0
    virtual_router_id 251
    priority ${o.prio}
    advert_int 1${o.nopreempt ? '\n    nopreempt' : ''}
    authentication {
        auth_type PASS
        auth_pass 11111111
    }
    track_script {
         chk_nginx
    }
    virtual_ipaddress {
        ${o.vip}
    }
}
`;
}

/** An nginx that answers every request with `page` (its pid, logs and temp files under dir). */
export function nginxConf(dir: string, page: string): string {
  return `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  server { listen 80; location / { default_type text/plain; return 200 "${page}\\n"; } }
}
`;
}

function have(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}

const say = (s: string) => process.stdout.write(s + '\n');

export async function runDemo(): Promise<number> {
  if (process.getuid?.() !== 0) { say('vipd demo: needs root (it creates network namespaces); run: sudo npx vipd demo'); return 1; }
  for (const c of ['ip', 'nginx', 'curl', 'ss']) {
    if (!have(c)) { say(`vipd demo: '${c}' is missing; run scripts/setup.sh first (it installs the Debian packages the demo uses)`); return 1; }
  }
  const vipdBin = fileURLToPath(new URL('../../../bin/vipd.js', import.meta.url));
  const lab = new Lab('vd');
  const base = mkdtempSync(join(tmpdir(), 'vipd-demo-'));
  const procs = new Map<string, { nginx?: ChildProcess; vipd?: ChildProcess; dir: string }>();
  const cleanup = async () => { await lab.teardown(); rmSync(base, { recursive: true, force: true }); };
  const onSignal = () => { void cleanup().then(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const holder = () => NODES.filter((n) => lab.exec(n.host, 'ip', ['-o', 'addr', 'show', 'dev', 'eth0']).includes(` ${VIP}/`)).map((n) => n.host);
  const fetchVip = () => lab.exec('client', 'curl', ['-s', '--max-time', '2', `http://${VIP}/`], { allowFail: true }).trim() || '(no answer)';
  const waitHolder = async (h: string, ms = 15_000) => {
    const t0 = Date.now();
    await waitFor(() => { const x = holder(); return x.length === 1 && x[0] === h; }, ms, 10);
    return Date.now() - t0;
  };
  const startNginx = (h: string) => { const p = procs.get(h)!; p.nginx = lab.spawn(h, 'nginx', ['-c', join(p.dir, 'nginx.conf')]); };
  const stopNginx = async (h: string) => { const p = procs.get(h)!; if (p.nginx) await lab.stop(p.nginx); p.nginx = undefined; };
  const startVipd = (h: string) => {
    const p = procs.get(h)!;
    p.vipd = lab.spawn(h, process.execPath, [vipdBin, '-n', '-l', '-f', join(p.dir, 'keepalived.conf'), '-p', join(p.dir, 'vipd.pid'),
      '-r', join(p.dir, 'vrrp.pid')], { env: { ...process.env, VIPD_API_LISTEN: 'off' }, stdio: 'ignore' });
  };

  try {
    say('vipd demo: the seed article\'s nginx failover, on a throw-away network (namespaces, 192.0.2.0/24)\n');
    for (const n of NODES) {
      lab.addHost(n.host, `${n.addr}/24`);
      const dir = join(base, n.host);
      execFileSync('mkdir', ['-p', join(dir, 'tmp')]);
      writeFileSync(join(dir, 'check_port.sh'), CHECK_PORT);
      chmodSync(join(dir, 'check_port.sh'), 0o755);
      writeFileSync(join(dir, 'keepalived.conf'), seedKeepalivedConf({ routerId: n.addr, state: n.state, prio: n.prio, checkScript: `${dir}/check_port.sh`, vip: VIP }));
      writeFileSync(join(dir, 'nginx.conf'), nginxConf(dir, `I am ${n.addr}`));
      procs.set(n.host, { dir });
      say(`  ${n.host}  ${n.addr}  state ${n.state} priority ${n.prio}, nginx answering "I am ${n.addr}"`);
    }
    lab.addHost('client', '192.0.2.50/24');
    say(`  client 192.0.2.50  fetches http://${VIP}/\n`);
    for (const n of NODES) startNginx(n.host);
    for (const n of NODES) startVipd(n.host);

    const t = await waitHolder('node1', 30_000);
    say(`1. election: node1 holds ${VIP} (after ${t} ms; a MASTER below priority 255 first waits one master-down interval)`);
    say(`   client gets: ${fetchVip()}`);

    say('2. stop nginx on node1 (article 2.8): chk_nginx fails, priority 100 - 20 = 80 < 90, node2 preempts');
    let t0 = Date.now();
    await stopNginx('node1');
    await waitHolder('node2');
    say(`   node2 holds the VIP ${Date.now() - t0} ms later (failure seen within the 2 s script interval; node2 then ignores\n   the lower-priority adverts and takes over when its master-down timer fires); client gets: ${fetchVip()}`);

    say('3. start nginx on node1 again: priority back to 100, node1 preempts');
    t0 = Date.now();
    startNginx('node1');
    await waitHolder('node1');
    say(`   node1 holds the VIP again after ${Date.now() - t0} ms; client gets: ${fetchVip()}`);

    say('4. crash vipd on node1 (kill -9, no priority-0 goodbye)');
    const pidFile = join(procs.get('node1')!.dir, 'vrrp.pid');
    const parent = procs.get('node1')!.vipd!;
    t0 = Date.now();
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    parent.kill('SIGKILL');
    await waitFor(() => holder().includes('node2'), 15_000, 10);
    const crashMs = Date.now() - t0;
    say(`   node2 took over after ${crashMs} ms (master-down interval for priority 90: 3 x 1 s + (256-90)/256 s = 3648 ms)`);
    lab.exec('node1', 'ip', ['addr', 'del', `${VIP}/32`, 'dev', 'eth0'], { allowFail: true }); // the crashed node cannot clean up
    lab.exec('client', 'ip', ['neigh', 'flush', 'all']);
    say(`   client gets: ${fetchVip()}`);

    say('5. restart vipd on node1: it removes stale VIPs, waits as BACKUP, then preempts (priority 100 > 90)');
    t0 = Date.now();
    startVipd('node1');
    await waitHolder('node1', 30_000);
    say(`   node1 holds the VIP after ${Date.now() - t0} ms; client gets: ${fetchVip()}`);
    say('\nremoving the demo network');
    await sleep(100);
    return 0;
  } catch (e) {
    say(`vipd demo failed: ${(e as Error).message}`);
    return 1;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
