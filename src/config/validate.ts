// Whole-configuration rules, applied after the keyword tables built the model. Each rule mirrors a
// check keepalived 2.2.7 makes under `-t` (probed on Debian's build; see the unit tests, one per
// rule). keepalived "fixes up" what it complains about (drops the VIP, resets the option …); we do
// the same to the model so consumers see what keepalived would run, and report a config error
// (exit 5). Script-security problems set securityViolation (exit 6).
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import type { SourcePos } from './tree.js';
import type { KeepalivedConfig, ScriptSpec, TrackRef, VrrpInstanceConfig, VrrpScriptConfig } from './model.js';
import type { BuildResult } from './build.js';
import { lookupUser } from '../notify/users.js';
import { finishVirtualServer, miscUserPos } from './keywords/lvs.js';
import { blockEnds } from './keywords/table.js';

/** Account and filesystem facts the rules depend on (injectable for tests). */
export interface HostFacts {
  interfaces: ReadonlySet<string>;
  userExists(name: string): boolean;
  uidOf(name: string): number | undefined;
}

export function hostInterfaces(): Set<string> {
  try {
    return new Set(readdirSync('/sys/class/net'));
  } catch {
    return new Set();
  }
}

export function defaultHostFacts(): HostFacts {
  return {
    interfaces: hostInterfaces(),
    userExists: (n) => lookupUser(n) !== undefined,
    uidOf: (n) => lookupUser(n)?.uid,
  };
}

export function validate(build: BuildResult, host: HostFacts = defaultHostFacts()): void {
  const { model, ctx } = build;
  // keepalived's checker process validates virtual servers on its own, whatever VRRP thinks.
  checkCheckerRefs(model, ctx.error.bind(ctx));
  model.virtualServers = model.virtualServers.filter((v) => finishVirtualServer(v, model, ctx));
  // VRRP: rules keepalived applies while reading (they name a line) come first …
  const interfacesMissing = checkInterfaces(build, host);
  for (const u of ctx.upDownWithoutDelay) {
    if (host.interfaces.has(u.name) || model.global.dynamicInterfaces) ctx.error(u.pos, `Missing delay for interface ${u.name}`);
  }
  for (const inst of model.vrrpInstances) checkInstanceWhileReading(inst, build);
  // … then its VRRP process gives up on a missing interface before the whole-config checks.
  if (interfacesMissing || ctx.linkbeatMissing) {
    checkTrackerRefs(model, ctx.error.bind(ctx));
    return;
  }
  for (const inst of model.vrrpInstances) checkInstance(inst, build);
  checkDuplicateVrids(model, ctx.error.bind(ctx));
  checkSyncGroups(model, ctx.error.bind(ctx));
  // Scripts before references: a track script dropped for security is then "not found" (as keepalived).
  checkScripts(build, host);
  checkTrackerRefs(model, ctx.error.bind(ctx));
  checkOwnerTrackers(model, ctx.error.bind(ctx));
}

type Report = (pos: SourcePos, message: string) => void;

// ---------------------------------------------------------------- interfaces

/** Returns true when an interface is missing (keepalived then stops before the script checks). */
function checkInterfaces(build: BuildResult, host: HostFacts): boolean {
  const { model, ctx } = build;
  // keepalived -t resolves interface names on the host it runs on; dynamic_interfaces defers that.
  if (model.global.dynamicInterfaces) return false;
  let missing = false;
  for (const ref of build.interfaceRefs) {
    if (host.interfaces.has(ref.name)) continue;
    if (ref.what === 'linkbeat interface' || ref.what === 'up/down delay') {
      // keepalived's VRRP process stops at this point with exit code 4 (no script checks follow).
      ctx.report(ref, `unknown interface ${ref.name} specified for ${ref.what}`, 'warning');
      ctx.linkbeatMissing = true;
      continue;
    }
    missing = true;
    ctx.error(ref, `WARNING - interface ${ref.name} for ${ref.what} doesn't exist`);
  }
  if (missing) ctx.warn({ file: model.files[0] ?? '', line: 0 }, 'Non-existent interface specified in configuration');
  return missing;
}

// ---------------------------------------------------------------- one instance

/** Instance rules keepalived applies at the end of the instance block (they name a line). */
function checkInstanceWhileReading(c: VrrpInstanceConfig, build: BuildResult): void {
  const err: Report = build.ctx.error.bind(build.ctx);
  const info = build.instanceInfo.get(c);
  const positions = info?.positions ?? new Map<string, SourcePos>();
  if (c.interface === undefined) err(c, `(${c.name}) Unknown interface!`);
  // Unicast peers must be of the instance's family (the first VIP's).
  c.unicastPeers = c.unicastPeers.filter((p) => {
    if (c.vips.length === 0 || p.family === c.family) return true;
    err(p, `Configuration error: VRRP instance[${c.name}] and unicast peer address[${p.addr}] MUST be of the same family !!! Skipping...`);
    return false;
  });
  const ttlPos = positions.get('unicast_ttl');
  if (ttlPos && c.unicastPeers.length === 0) {
    err(ttlPos, `(${c.name}): Cannot use unicast_ttl without unicast peers - resetting`);
    c.unicastTtl = 255;
  }
  if (c.useVmac && c.unicastPeers.length > 0 && !c.vmacXmitBase) {
    err(info?.end ?? c, `(${c.name}) unicast with use_vmac requires vmac_xmit_base - setting`);
    c.vmacXmitBase = true;
  }
}

function checkInstance(c: VrrpInstanceConfig, build: BuildResult): void {
  const { model, ctx } = build;
  const err: Report = ctx.error.bind(ctx);
  const info = build.instanceInfo.get(c);
  const explicit = info?.explicit ?? new Set<string>();
  const positions = info?.positions ?? new Map<string, SourcePos>();
  const strict = c.strictMode === true;

  if (c.vrid === 0) err(c, `(${c.name}) the virtual router id must be set`);
  if (c.vips.length === 0 && !c.noVirtualIpaddress) err(c, `(${c.name}) No VIP specified; at least one is sensible`);

  if (c.version === 2 && !Number.isInteger(c.advertInt)) {
    err(c, `(${c.name}) VRRPv2 advertisement interval ${c.advertInt.toFixed(6)}s must be an integer. rounding`);
    c.advertInt = Math.max(1, Math.round(c.advertInt));
  } else if (c.version === 3) {
    const cs = c.advertInt * 100;
    if (Math.abs(cs - Math.round(cs)) > 1e-6) {
      err(c, `(${c.name}) VRRPv3 advertisement interval ${c.advertInt.toFixed(6)}s must be in units of 10ms - rounding`);
      c.advertInt = Math.round(cs) / 100;
    }
    if (c.advertInt > 40.95) {
      err(c, `(${c.name}) VRRPv3 advertisement interval ${c.advertInt.toFixed(2)}s is out of range. Must be less than 40.96s. Setting to 40.95s`);
      c.advertInt = 40.95;
    }
  }

  if (c.authentication && c.version === 3) {
    err(c.authentication, `(${c.name}) VRRP version 3 does not support authentication. Ignoring.`);
    delete c.authentication;
  }

  if (c.authentication && c.authentication.pass === undefined) {
    err(c, `(${c.name}) Authentication specified but no password given. Ignoring`);
    delete c.authentication;
  }
  if (c.authentication?.type === 'AH' && c.state === 'MASTER' && c.priority !== 255) {
    err(c, `(${c.name}) Initial state master is incompatible with AH authentication - clearing`);
    c.state = 'BACKUP';
  }
  if (c.nopreempt && c.state === 'MASTER') {
    err(c, `(${c.name}) Warning - nopreempt will not work with initial state MASTER - clearing`);
    c.nopreempt = false;
  }
  if (c.nopreempt && c.priority === 255) {
    err(c, `(${c.name}) nopreempt is incompatible with priority 255. resetting nopreempt`);
    c.nopreempt = false;
  }
  if (c.nopreempt && c.preemptDelay > 0) {
    err(c, `(${c.name}) preempt_delay is incompatible with nopreempt mode - resetting`);
    c.preemptDelay = 0;
  }

  if (explicit.has('unicast_keyword') && c.unicastPeers.length === 0) {
    err(c, `(${c.name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.`);
  }
  if (c.useIpvlan && c.family === 4 && !explicit.has('ipvlan_addr')) {
    err(c, `(${c.name}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state`);
  }
  // Tracking the instance's own interface is redundant: keepalived drops it.
  c.trackInterfaces = c.trackInterfaces.filter((t) => {
    if (t.name !== c.interface) return true;
    err(c, `(${c.name}) Ignoring track_interface ${t.name} since own interface`);
    return false;
  });

  if (strict) {
    if (c.authentication) {
      err(c.authentication, `(${c.name}) Strict mode does not support authentication. Ignoring.`);
      delete c.authentication;
    }
    if (c.state === 'MASTER' && c.priority !== 255) {
      err(c, `(${c.name}) State MASTER must match being address owner`);
      c.state = 'BACKUP';
    }
    if (c.accept === true && c.version === 2) {
      err(c, `(${c.name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting`);
      c.accept = false;
    }
    if (c.preemptDelay > 0) {
      err(c, `(${c.name}) preempt_delay is incompatible with strict mode - resetting`);
      c.preemptDelay = 0;
    }
    const first = c.vips[0];
    if (first && first.family === 6 && !/^fe[89ab]/i.test(first.addr)) {
      err(first, `(${c.name}) the first IPv6 VIP address must be link local`);
    }
    // Strict defaults: only the owner accepts packets for the VIPs; no adverts to lower priorities.
    if (c.accept === undefined) c.accept = c.priority === 255;
    if (!explicit.has('lower_prio_no_advert') && model.global.vrrpLowerPrioNoAdvert === undefined) c.lowerPrioNoAdvert = true;
  } else if (c.accept === undefined) {
    c.accept = true;
  }
}

function checkDuplicateVrids(model: KeepalivedConfig, err: Report): void {
  const seen = new Map<string, VrrpInstanceConfig>();
  const unicast: VrrpInstanceConfig[] = [];
  for (const c of model.vrrpInstances) {
    if (c.vrid === 0 || c.interface === undefined) continue;
    if (c.unicastPeers.length > 0) {
      // Unicast instances only clash when they talk from the same source to a common peer.
      for (const o of unicast) {
        if (o.vrid !== c.vrid || o.family !== c.family || o.interface !== c.interface || o.unicastSrcIp !== c.unicastSrcIp) continue;
        if (!o.unicastPeers.some((p) => c.unicastPeers.some((q) => q.addr === p.addr))) continue;
        err(o, `(${o.name}) duplicate VRID conflict with ${c.name} VRID ${c.vrid}`);
      }
      unicast.push(c);
      continue;
    }
    const key = `${c.interface}/${c.family}/${c.vrid}`;
    const prev = seen.get(key);
    if (prev) err(c, `${prev.name} and ${c.name} both use VRID ${c.vrid} with IPv${c.family} on interface ${c.interface}`);
    else seen.set(key, c);
  }
}

function checkSyncGroups(model: KeepalivedConfig, err: Report): void {
  const byName = new Map(model.vrrpInstances.map((i) => [i.name, i]));
  const kept = [];
  for (const g of model.vrrpSyncGroups) {
    const pos = g.membersPos ?? g;
    const members: string[] = [];
    for (const m of g.members) {
      const inst = byName.get(m);
      if (!inst) {
        err(pos, `Virtual router ${m} specified in sync group ${g.name} doesn't exist - ignoring`);
        continue;
      }
      if (inst.syncGroup !== undefined && inst.syncGroup !== g.name) {
        err(pos, `Virtual router ${m} cannot exist in more than one sync group; ignoring ${g.name}`);
        continue;
      }
      members.push(m);
    }
    if (members.length === 0) {
      if (g.members.length > 0) err(g, `Sync group ${g.name}, no matching virtual router found in group declaration - removing`);
      else err(g, `Sync group ${g.name} has no virtual router(s). removing`);
      continue;
    }
    if (members.length === 1) err(g, `Sync group ${g.name} has only 1 virtual router(s) - this probably isn't what you want`);
    g.members = members;
    for (const m of members) byName.get(m)!.syncGroup = g.name;
    kept.push(g);
  }
  model.vrrpSyncGroups = kept;
}

/** Drops references to undefined vrrp_script / track_file / vrrp_track_process / bfd_instance. */
function checkTrackerRefs(model: KeepalivedConfig, err: Report): void {
  const filter = (owner: string, refs: TrackRef[], kind: string, known: (n: string) => boolean): TrackRef[] =>
    refs.filter((r) => {
      if (known(r.name)) return true;
      err(r, `(${owner}) track ${kind} ${r.name} not found, ignoring...`);
      return false;
    });
  const scripts = (n: string): boolean => model.vrrpScripts.has(n);
  const files = (n: string): boolean => model.trackFiles.has(n);
  const procs = (n: string): boolean => model.trackProcesses.has(n);
  const bfds = (n: string): boolean => model.bfdInstances.has(n);
  for (const o of [...model.vrrpInstances, ...model.vrrpSyncGroups]) {
    o.trackScripts = filter(o.name, o.trackScripts, 'script', scripts);
    o.trackFiles = filter(o.name, o.trackFiles, 'file', files);
    o.trackProcesses = filter(o.name, o.trackProcesses, 'process', procs);
    o.trackBfds = filter(o.name, o.trackBfds, 'bfd', bfds);
  }
}

/**
 * The address owner (priority 255) cannot change priority, so weighted trackers make no sense:
 * keepalived drops them (a weight-0 tracker, which means FAULT, stays).
 */
function checkOwnerTrackers(model: KeepalivedConfig, err: Report): void {
  for (const c of model.vrrpInstances) {
    if (c.priority !== 255) continue;
    c.trackInterfaces = c.trackInterfaces.filter((t) => {
      if ((t.weight ?? 0) === 0) return true;
      err(c, `(${c.name}) ignoring ${t.name} tracked interface due to address owner`);
      return false;
    });
    c.trackScripts = c.trackScripts.filter((t) => {
      if ((t.weight ?? model.vrrpScripts.get(t.name)?.weight ?? 0) === 0) return true;
      err(c, `(${c.name}) ignoring tracked script ${t.name} with weights due to address_owner`);
      return false;
    });
    c.trackFiles = c.trackFiles.filter((t) => {
      if ((t.weight ?? model.trackFiles.get(t.name)?.weight ?? 1) === 0) return true;
      err(c, `(${c.name}) ignoring weight from tracked file ${t.name} due to address_owner. specify weight 0`);
      return false;
    });
    c.trackProcesses = c.trackProcesses.filter((t) => {
      if ((t.weight ?? model.trackProcesses.get(t.name)?.weight ?? 0) === 0) return true;
      err(c, `(${c.name}) ignoring weight from tracked process ${t.name} due to address_owner. specify weight 0`);
      return false;
    });
    c.trackBfds = c.trackBfds.filter((t) => {
      if ((t.weight ?? model.bfdInstances.get(t.name)?.weight ?? 0) === 0) return true;
      err(c, `(${c.name}) ignoring weight from tracked bfd ${t.name} due to address_owner. specify weight 0`);
      return false;
    });
  }
}

function checkCheckerRefs(model: KeepalivedConfig, err: Report): void {
  for (const vs of model.virtualServers) {
    for (const rs of vs.realServers) {
      rs.checkers = rs.checkers.filter((c) => {
        if (c.kind === 'FILE_CHECK' && c.trackFile !== undefined && !model.trackFiles.has(c.trackFile)) {
          err(c, `track_file ${c.trackFile} not found`);
          return false;
        }
        if (c.kind === 'BFD_CHECK' && c.name !== undefined && !model.bfdInstances.has(c.name)) {
          err(c, `([${rs.addr}]:${rs.port}) BFD_CHECK - BFD ${c.name} not configured`);
          return false;
        }
        return true;
      });
    }
  }
}

// ---------------------------------------------------------------- scripts and their security

/** Every script keepalived would run, with what it belongs to. */
export function allScripts(
  model: KeepalivedConfig,
  shadowed: VrrpScriptConfig[] = [],
): Array<{ spec: ScriptSpec; owner: string; checker: boolean }> {
  const out: Array<{ spec: ScriptSpec; owner: string; checker: boolean }> = [];
  const add = (spec: ScriptSpec | true | undefined, owner: string, checker = false): void => {
    if (spec && spec !== true) out.push({ spec, owner, checker });
  };
  const g = model.global;
  add(g.startupScript, 'startup_script');
  add(g.shutdownScript, 'shutdown_script');
  add(g.notifyFifo?.script, 'notify_fifo_script');
  add(g.vrrpNotifyFifo?.script, 'vrrp_notify_fifo_script');
  add(g.lvsNotifyFifo?.script, 'lvs_notify_fifo_script', true);
  for (const s of model.vrrpScripts.values()) add(s.script, `vrrp_script ${s.name}`);
  for (const s of shadowed) add(s.script, `vrrp_script ${s.name}`);
  for (const o of [...model.vrrpInstances, ...model.vrrpSyncGroups]) {
    for (const [k, v] of Object.entries(o.notify)) add(v as ScriptSpec | true | undefined, `${o.name} notify ${k}`);
  }
  for (const vs of model.virtualServers) {
    add(vs.quorumUp, 'quorum_up', true);
    add(vs.quorumDown, 'quorum_down', true);
    for (const rs of vs.realServers) {
      add(rs.notifyUp, 'notify_up', true);
      add(rs.notifyDown, 'notify_down', true);
      for (const c of rs.checkers) {
        if (c.kind === 'MISC_CHECK' && c.miscPath) {
          const spec: ScriptSpec = { ...c.miscPath, ...(c.user ? { user: c.user } : {}), ...(c.group ? { group: c.group } : {}) };
          const userPos = miscUserPos.get(c);
          if (userPos) spec.userPos = userPos;
          add(spec, 'MISC_CHECK', true);
        }
      }
    }
  }
  return out;
}

/** Resolves a command word the way execvp would; undefined when not found/executable. */
function resolveCommand(word: string, baseDir: string): string | undefined {
  if (word.includes('/')) {
    const p = isAbsolute(word) ? word : resolve(baseDir, word);
    try {
      accessSync(p, constants.F_OK);
      return p;
    } catch {
      return undefined;
    }
  }
  for (const dir of (process.env['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
    const p = join(dir, word);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

/**
 * A root-run script is insecure if it or any directory above it could be changed by a non-root
 * user: owned by non-root, world-writable, or group-writable with a non-root group. A sticky
 * directory (like /tmp) is fine: others cannot replace entries they do not own (keepalived agrees).
 */
function insecurePath(path: string): boolean {
  let p = path;
  for (;;) {
    let st;
    try {
      st = statSync(p);
    } catch {
      return false;
    }
    const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0;
    if (st.uid !== 0) return true;
    if (!sticky && ((st.mode & 0o002) !== 0 || ((st.mode & 0o020) !== 0 && st.gid !== 0))) return true;
    const up = dirname(p);
    if (up === p) return false;
    p = up;
  }
}

function checkScripts(build: BuildResult, host: HostFacts): void {
  const { model, ctx } = build;
  const g = model.global;
  const scripts = allScripts(model, ctx.shadowedScripts);


  // The default user: script_user, else keepalived_script if that account exists, else root.
  let defaultUser: string | undefined = g.scriptUser?.user;
  if (defaultUser === undefined && host.userExists('keepalived_script')) defaultUser = 'keepalived_script';
  const noDefaultUser = defaultUser === undefined && g.enableScriptSecurity;

  let rootScripts = false;
  let rootCheckerScripts = false;
  for (const entry of scripts) {
    const { owner, checker } = entry;
    let spec = entry.spec;
    if (spec.user !== undefined && !/^\d+$/.test(spec.user) && !host.userExists(spec.user)) {
      // Only track and MISC_CHECK scripts are refused; notify scripts keep the default user.
      if (owner.startsWith('vrrp_script ')) {
        ctx.error(spec, `Unable to set uid/gid for script '${spec.cmd}'`);
        dropScript(model, owner, spec);
        continue;
      }
      if (owner === 'MISC_CHECK') {
        ctx.error(spec.userPos ?? spec, `Failed to set uid/gid for misc checker script '${spec.cmd}' - removing`);
        for (const vs of model.virtualServers) {
          for (const rs of vs.realServers) rs.checkers = rs.checkers.filter((c) => !(c.kind === 'MISC_CHECK' && c.miscPath?.line === spec.line && c.miscPath.file === spec.file));
        }
        continue;
      }
      spec = { ...spec };
      delete spec.user;
    }
    const user = spec.user ?? defaultUser;
    if (user === undefined) {
      if (noDefaultUser) {
        const at = owner.startsWith('vrrp_script ') ? (blockEnds.get(model.vrrpScripts.get(owner.slice(12))!) ?? spec) : spec;
        ctx.error(at, 'Unable to set default user keepalived_script for script');
        if (owner.startsWith('vrrp_script ')) ctx.error(at, `Unable to set default user for vrrp script ${owner.slice(12)} - removing`);
        dropScript(model, owner, spec);
        continue;
      }
    }
    const uid = user === undefined ? 0 : /^\d+$/.test(user) ? Number(user) : host.uidOf(user);
    const path = resolveCommand(spec.argv[0] ?? spec.cmd, dirname(spec.file));
    // A notify/check script that does not exist is silently never run: it neither counts as a
    // root script nor is an error. Only track scripts are reported (and checked for safety).
    if (!path && !owner.startsWith('vrrp_script ')) continue;
    if (owner.startsWith('vrrp_script ')) {
      if (!path) {
        ctx.error(spec, `Disabling track script ${owner.slice(12)} since not found/accessible`);
        dropScript(model, owner, spec);
        continue;
      }
      if (g.enableScriptSecurity && uid === 0 && insecurePath(path)) {
        ctx.error(spec, `Disabling track script ${owner.slice(12)} due to insecure`);
        dropScript(model, owner, spec);
        continue;
      }
    }
    if (uid === 0) {
      if (checker) rootCheckerScripts = true;
      else rootScripts = true;
    }
  }
  if (!g.enableScriptSecurity && (rootScripts || rootCheckerScripts) && !ctx.linkbeatMissing) {
    const first = scripts[0]!.spec;
    const what = g.startupScript || g.shutdownScript ? 'start/shutdown scripts' : rootScripts ? 'scripts' : 'check scripts';
    ctx.report(first, `SECURITY VIOLATION - ${what} are being executed but script_security not enabled.`, 'error');
    ctx.securityViolation = true;
  }
}

/** Removes a track script that cannot run (not a shadowed duplicate definition of the same name). */
function dropScript(model: KeepalivedConfig, owner: string, spec: ScriptSpec): void {
  if (!owner.startsWith('vrrp_script ')) return;
  const name = owner.slice(12);
  if (model.vrrpScripts.get(name)?.script === spec) model.vrrpScripts.delete(name);
}
