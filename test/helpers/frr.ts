// FRR's VRRP daemon (vrrpd, with the zebra it needs) inside a lab namespace, for interop tests.
// FRR does not add or remove the virtual addresses itself: the operator creates one macvlan per
// VRID and family carrying the virtual MAC (bridge mode) and the VIPs, and vrrpd (through zebra) sets
// protodown on that macvlan while it is not Master. So the state is read from vrrpd (`show vrrp json`
// through vtysh), not from `ip addr`. Runtime files go into a private directory (the daemons drop to
// the frr user, so it must be world-accessible) instead of /var/run/frr, so parallel runs never meet.
import { existsSync, writeFileSync, chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { waitFor, type Lab } from './netns.js';
import { tempDir } from './vipd-node.js';

export const FRR_DIR = '/usr/lib/frr';

/** Skip reason when FRR's zebra/vrrpd/vtysh are not installed, else undefined. */
export function frrMissing(): string | undefined {
  for (const bin of [join(FRR_DIR, 'zebra'), join(FRR_DIR, 'vrrpd')]) if (!existsSync(bin)) return `${bin} not installed`;
  try { execFileSync('vtysh', ['--help'], { stdio: 'ignore' }); } catch { return 'vtysh not installed'; }
  return undefined;
}

export interface FrrVrrpOptions { ifname?: string; vrid: number; priority: number; advertMs: number; vips: string[]; prefix: number; preempt?: boolean }

export interface FrrNode {
  host: string;
  dir: string;
  zebra: ChildProcess;
  vrrpd?: ChildProcess;
  /** zebra's and vrrpd's log lines, in arrival order */
  log: string[];
  output(): string;
}

/** The macvlan FRR expects for an IPv4 VRID: virtual MAC 00:00:5e:00:01:VRID, bridge mode, VIPs on it. */
export function createVrrpMacvlan(lab: Lab, host: string, o: FrrVrrpOptions): string {
  const parent = o.ifname ?? 'eth0';
  const name = `vrrp4-${o.vrid}`;
  const mac = `00:00:5e:00:01:${o.vrid.toString(16).padStart(2, '0')}`;
  lab.exec(host, 'ip', ['link', 'add', name, 'link', parent, 'type', 'macvlan', 'mode', 'bridge']);
  lab.exec(host, 'ip', ['link', 'set', name, 'address', mac]);
  // No IPv6 link-local from the shared virtual MAC (two routers would get the same one).
  lab.exec(host, 'ip', ['link', 'set', name, 'addrgenmode', 'random']);
  for (const v of o.vips) lab.exec(host, 'ip', ['addr', 'add', `${v}/${o.prefix}`, 'dev', name]);
  lab.exec(host, 'ip', ['link', 'set', name, 'up']);
  // Without this the parent interface answers ARP for the VIP too (Linux answers for any local
  // address on any interface), so clients would learn the real MAC instead of the virtual one.
  lab.exec(host, 'sysctl', ['-qw', `net.ipv4.conf.${parent}.arp_ignore=1`, `net.ipv4.conf.${parent}.arp_announce=2`]);
  return name;
}

function vrrpdConf(o: FrrVrrpOptions): string {
  const v = o.vrid;
  return [
    'hostname frr',
    `interface ${o.ifname ?? 'eth0'}`,
    ` vrrp ${v} version 3`,
    ` vrrp ${v} priority ${o.priority}`,
    ` vrrp ${v} advertisement-interval ${o.advertMs}`,
    ...(o.preempt === false ? [` no vrrp ${v} preempt`] : []),
    ...o.vips.map((ip) => ` vrrp ${v} ip ${ip}`),
    '!', '',
  ].join('\n');
}

/** Start zebra in `host` and wait for its zserv socket. vrrpd is started separately (startVrrpd). */
export async function startZebra(lab: Lab, host: string): Promise<FrrNode> {
  const dir = tempDir(`vt-frr-${host}-`);
  chmodSync(dir, 0o777);
  writeFileSync(join(dir, 'zebra.conf'), 'hostname frr\n');
  const log: string[] = [];
  const zebra = lab.spawn(host, join(FRR_DIR, 'zebra'), ['-f', join(dir, 'zebra.conf'), '-i', join(dir, 'zebra.pid'),
    '-z', join(dir, 'zserv.api'), '--vty_socket', dir, '--log', 'stdout']);
  zebra.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
  zebra.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  const node: FrrNode = { host, dir, zebra, log, output: () => log.join('') };
  await waitFor(() => existsSync(join(dir, 'zserv.api')) || zebra.exitCode !== null, 15_000, 50);
  if (zebra.exitCode !== null) throw new Error(`zebra on ${host} exited (${zebra.exitCode}):\n${node.output()}`);
  return node;
}

/** Start (or restart) vrrpd with the given VRRP router; resolves once vtysh can talk to it. */
export async function startVrrpd(lab: Lab, node: FrrNode, o: FrrVrrpOptions): Promise<ChildProcess> {
  writeFileSync(join(node.dir, 'vrrpd.conf'), vrrpdConf(o));
  const p = lab.spawn(node.host, join(FRR_DIR, 'vrrpd'), ['-f', join(node.dir, 'vrrpd.conf'), '-i', join(node.dir, 'vrrpd.pid'),
    '-z', join(node.dir, 'zserv.api'), '--vty_socket', node.dir, '--log', 'stdout']);
  p.stdout?.on('data', (d: Buffer) => node.log.push(`[vrrpd] ${d.toString()}`));
  p.stderr?.on('data', (d: Buffer) => node.log.push(`[vrrpd] ${d.toString()}`));
  node.vrrpd = p;
  await waitFor(() => frrStatus(lab, node, o.vrid) !== undefined || p.exitCode !== null, 15_000, 100);
  if (p.exitCode !== null) throw new Error(`vrrpd on ${node.host} exited (${p.exitCode}):\n${node.output()}`);
  return p;
}

/** vrrpd's IPv4 state for the VRID ('Initialize' | 'Backup' | 'Master'), or undefined if it does not answer. */
export function frrStatus(lab: Lab, node: FrrNode, vrid: number): string | undefined {
  const out = lab.exec(node.host, 'vtysh', ['--vty_socket', node.dir, '-c', 'show vrrp json'], { allowFail: true });
  try {
    const j = JSON.parse(out) as Array<{ vrid: number; v4?: { status?: string } }>;
    return j.find((r) => r.vrid === vrid)?.v4?.status;
  } catch { return undefined; }
}

/** pid of a daemon from its pid file (FRR writes them as the frr user). */
export function frrPid(node: FrrNode, daemon: 'zebra' | 'vrrpd'): number | undefined {
  try { return Number(readFileSync(join(node.dir, `${daemon}.pid`), 'utf8').trim()) || undefined; } catch { return undefined; }
}
