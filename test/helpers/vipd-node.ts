// Start vipd (or Debian's keepalived, for interop) inside a lab namespace with a given config, and
// observe it the way an operator would: `ip addr` for the VIPs, keepalived's JSON dump for the state.
import { mkdtempSync, writeFileSync, readFileSync, existsSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Lab, waitFor } from './netns.js';

export const VIPD_BIN = resolve('bin/vipd.js');

export interface NodeProc {
  host: string;
  kind: 'vipd' | 'keepalived';
  dir: string;
  conf: string;
  proc: ChildProcess;
  output(): string;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Write an executable script into dir. */
export function script(dir: string, name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, body.startsWith('#!') ? body : `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

export function startNode(lab: Lab, host: string, kind: 'vipd' | 'keepalived', config: string, dir = tempDir(`vt-${host}-`), extraArgs: string[] = []): NodeProc {
  const conf = join(dir, 'keepalived.conf');
  writeFileSync(conf, config);
  const common = ['-n', '-l', '-D', '-f', conf, '-p', join(dir, 'parent.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'check.pid')];
  const proc = kind === 'vipd'
    ? lab.spawn(host, process.execPath, [VIPD_BIN, ...common, ...extraArgs], { env: { ...process.env, VIPD_DUMP_DIR: dir, VIPD_API_LISTEN: 'off' } })
    : lab.spawn(host, 'keepalived', [...common, '-G']);
  let out = '';
  proc.stdout?.on('data', (d) => { out += d; });
  proc.stderr?.on('data', (d) => { out += d; });
  return { host, kind, dir, conf, proc, output: () => out };
}

/** Resolves once the node's VRRP process has finished starting (both daemons log 'Startup complete'). */
export async function ready(n: NodeProc, timeoutMs = 20_000): Promise<NodeProc> {
  await waitFor(() => n.output().includes('Startup complete') || n.proc.exitCode !== null, timeoutMs, 20);
  if (n.proc.exitCode !== null) throw new Error(`${n.kind} on ${n.host} exited (${n.proc.exitCode}):\n${n.output()}`);
  return n;
}

export function hasAddress(lab: Lab, host: string, addr: string): boolean {
  const out = lab.exec(host, 'ip', ['-o', 'addr', 'show'], { allowFail: true });
  return out.split('\n').some((l) => l.includes(` ${addr}/`));
}

/** Wait until exactly `holder` has the VIP among `hosts`; returns ms waited. */
export async function waitForHolder(lab: Lab, hosts: string[], holder: string, vip: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(() => hosts.every((h) => hasAddress(lab, h, vip) === (h === holder)), timeoutMs, 20);
  return Date.now() - t0;
}

export function pidOf(n: NodeProc, which: 'parent' | 'vrrp'): number | undefined {
  const f = join(n.dir, which === 'parent' ? 'parent.pid' : 'vrrp.pid');
  if (!existsSync(f)) return undefined;
  const p = Number(readFileSync(f, 'utf8').trim());
  return p > 0 ? p : undefined;
}

/** Ask vipd for keepalived's JSON dump (signal 36 to the parent) and return the parsed array. */
export async function jsonDump(n: NodeProc): Promise<Array<{ data: Record<string, unknown>; stats: Record<string, number> }>> {
  const pid = pidOf(n, 'parent');
  if (!pid) throw new Error(`${n.host}: no parent pid yet`);
  const file = join(n.dir, 'keepalived.json');
  rmSync(file, { force: true });
  process.kill(pid, 36);
  await waitFor(() => existsSync(file), 5000, 20);
  return JSON.parse(readFileSync(file, 'utf8')) as Array<{ data: Record<string, unknown>; stats: Record<string, number> }>;
}

/** SIGKILL every process of a node (parent and children): a crash, nothing gets to clean up. */
export function crash(n: NodeProc): void {
  for (const which of ['vrrp', 'parent'] as const) {
    const pid = pidOf(n, which);
    if (pid) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
  }
  try { n.proc.kill('SIGKILL'); } catch { /* gone */ }
}

export function vrrpConf(o: {
  state?: 'MASTER' | 'BACKUP'; prio: number; vrid?: number; vip?: string; advert?: number; version?: 2 | 3; auth?: string;
  iface?: string; extra?: string; global?: string; top?: string; unicastSrc?: string; peers?: string[]; name?: string;
}): string {
  const uc = o.peers?.length ? `  unicast_src_ip ${o.unicastSrc}\n  unicast_peer {\n${o.peers.map((p) => `    ${p}\n`).join('')}  }\n` : '';
  return `global_defs {
  router_id ${o.name ?? 'node'}
  ${o.global ?? ''}
}
${o.top ?? ''}
vrrp_instance ${o.name ?? 'VI_1'} {
  state ${o.state ?? 'BACKUP'}
  interface ${o.iface ?? 'eth0'}
  virtual_router_id ${o.vrid ?? 51}
  priority ${o.prio}
  advert_int ${o.advert ?? 1}
  ${o.version ? `version ${o.version}` : ''}
${o.auth ? `  authentication {\n    auth_type PASS\n    auth_pass ${o.auth}\n  }\n` : ''}${uc}  virtual_ipaddress {
    ${o.vip ?? '192.0.2.100/24'}
  }
${o.extra ?? ''}
}
`;
}
