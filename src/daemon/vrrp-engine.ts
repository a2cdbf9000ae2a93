// The VRRP process's engine: builds instance runtimes from the configuration, shares one receive/send
// socket per (interface, family, group, transport), one GARP and one NA sender per interface, feeds
// trackers and link events into the state machines, moves sync groups together, and reloads in place.
import { openVrrpSocket, VridDemux, type VrrpSocket } from '../net/vrrp-socket.js';
import { GarpSender } from '../net/garp.js';
import { NaSender } from '../net/ndisc.js';
import { LinkMonitor, linkUsable, type LinkEvent } from '../net/link-monitor.js';
import { Vmac } from '../net/vmac.js';
import { NoAcceptFilter } from '../net/noaccept.js';
import { rtnl } from '../net/rtnl.js';
import type { KeepalivedConfig, TrackRef, VrrpInstanceConfig } from '../config/model.js';
import type { TrackerStatus } from '../vrrp/priority.js';
import { createSyncGroup, observe, type SyncGroupState } from '../vrrp/sync.js';
import { VrrpScriptTracker } from '../track/script.js';
import { TrackFile } from '../track/file.js';
import { ProcessTracker } from '../track/process.js';
import { Notifier } from '../notify/notifier.js';
import { NotifyFifo } from '../notify/fifo.js';
import { Mailer, smtpAlertEnabled } from '../notify/mail.js';
import { InstanceRuntime } from './instance.js';
import { addressSpec, fsmConfig, receiveView, routeSpec, ruleSpec, runSpec, sameConfig, vipText } from './vrrp-setup.js';
import type { Logger } from './log.js';
import { emptyStats, type InstanceStatus, type SocketStatus } from '../api/status.js';
import type { DumpInstance } from './dumps.js';
import { hostname } from 'node:os';

interface SocketEntry { sock: VrrpSocket; demux: VridDemux }

interface Managed {
  cfg: VrrpInstanceConfig;
  ifname: string;
  rt?: InstanceRuntime; // absent when the instance could not start (missing interface…)
  error?: string;
  socketKey?: string;
  vmac?: Vmac; // use_vmac: the macvlan carrying this instance's VIPs and adverts
}

interface Tracker { kind: 'script' | 'file' | 'process'; cfgJson: unknown; obj: VrrpScriptTracker | TrackFile | ProcessTracker }

export interface EngineOptions { keepVipsOnStop: boolean }

export class VrrpEngine {
  private readonly sockets = new Map<string, SocketEntry>();
  private readonly garps = new Map<string, GarpSender>();
  private readonly nas = new Map<string, NaSender>();
  private readonly instances = new Map<string, Managed>();
  private readonly trackers = new Map<string, Tracker>(); // key: kind/name
  private syncGroups = new Map<string, SyncGroupState>();
  /** Per sync group: its notifier and the last state it announced (MASTER/BACKUP/FAULT/STOP). */
  private groupNotify = new Map<string, { notifier: Notifier; state?: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' }>();
  private readonly links = new LinkMonitor();
  private fifos: NotifyFifo[] = [];
  private readonly noAccept = new NoAcceptFilter();
  private mailer?: Mailer;
  /** Called whenever something visible changed (status publishing is debounced by the caller). */
  onChange?: () => void;

  constructor(private model: KeepalivedConfig, private readonly log: Logger, private readonly opts: EngineOptions) {}

  async start(): Promise<void> {
    this.links.on('error', (e: Error) => this.log.warn(`link monitor: ${e.message}`));
    this.links.on('link', (ev: LinkEvent) => this.onLink(ev));
    await this.links.start({ ref: false });
    this.setupNotify();
    this.syncTrackers();
    for (const cfg of this.model.vrrpInstances) await this.addInstance(cfg);
    this.setupSyncGroups();
    await this.applyStatic(true);
    for (const m of this.instances.values()) await m.rt?.cleanupStale();
    for (const m of this.instances.values()) {
      if (!m.rt) continue;
      if (!this.linkUp(m.ifname)) m.rt.dispatch({ type: 'interface', up: false });
      m.rt.dispatch({ type: 'start' });
    }
  }

  /**
   * static_ipaddress / static_routes / static_rules: present for the daemon's whole life, whatever the
   * VRRP state; added at start, removed at stop (unless -V), replaced on reload when they changed.
   */
  private async applyStatic(add: boolean, model = this.model): Promise<void> {
    const dev = model.global.defaultInterface ?? 'eth0';
    const nl = rtnl();
    const run = async (what: string, op: () => Promise<unknown>) => {
      try { await op(); } catch (e) { this.log.error(`static ${what}: ${(e as Error).message}`); }
    };
    const addrs = model.staticIpaddresses.map((v) => addressSpec(v, dev));
    const routes = model.staticRoutes.map((r) => routeSpec(r, dev));
    const rules = model.staticRules.map(ruleSpec);
    if (add) {
      for (const a of addrs) await run(`address ${a.addr}`, () => nl.addAddress({ ...a, preferredLft: undefined }));
      for (const r of routes) await run(`route ${r.dst}`, () => nl.addRoute(r));
      for (const r of rules) await run('rule', () => nl.addRule(r));
    } else {
      for (const r of rules) await run('rule', () => nl.delRule(r));
      for (const r of [...routes].reverse()) await run(`route ${r.dst}`, () => nl.delRoute(r));
      for (const a of addrs) await run(`address ${a.addr}`, () => nl.delAddress(a));
    }
  }

  private setupNotify(): void {
    const g = this.model.global;
    for (const f of this.fifos) f.close?.();
    this.fifos = [];
    for (const spec of [g.notifyFifo, g.vrrpNotifyFifo]) {
      if (!spec) continue;
      const reader = spec.script ? this.prepared(spec.script, `${spec === g.notifyFifo ? '' : 'vrrp_'}notify_fifo_script`) : undefined;
      const fifo = new NotifyFifo({ path: spec.path, script: reader, type: spec === g.notifyFifo ? '' : 'vrrp ' }, this.log);
      void fifo.open?.();
      this.fifos.push(fifo);
    }
    this.mailer = g.smtpServer && g.notificationEmail.length > 0
      ? new Mailer({ routerId: g.routerId ?? hostname().split('.')[0]!, to: g.notificationEmail, from: g.notificationEmailFrom, server: g.smtpServer,
        heloName: g.smtpHeloName, connectTimeoutSec: g.smtpConnectTimeout })
      : undefined;
  }

  /** A runnable script, or undefined (with the reason logged) when keepalived would drop it. */
  private prepared(s: NonNullable<VrrpInstanceConfig['notify']['master']>, what: string) {
    const r = runSpec(s, this.model.global, what);
    for (const w of r.warnings) this.log.warn(w);
    return r.spec;
  }

  private linkUp(ifname: string): boolean {
    const l = this.links.link(ifname);
    return l ? linkUsable(l) : false;
  }

  // ------------------------------------------------------------------ trackers

  private trackerKey(kind: string, name: string): string { return `${kind}/${name}`; }

  /** Create trackers for every vrrp_script / track_file / track_process the config defines; keep unchanged ones. */
  private syncTrackers(): void {
    const want = new Map<string, { kind: Tracker['kind']; cfgJson: unknown; make: () => Tracker['obj'] }>();
    const g = this.model.global;
    for (const [name, s] of this.model.vrrpScripts) {
      const spec = s.script ? this.prepared(s.script, `vrrp_script ${name}`) : undefined;
      if (!spec) continue; // dropped like keepalived: tracking it has no effect
      want.set(this.trackerKey('script', name), { kind: 'script', cfgJson: s, make: () => new VrrpScriptTracker({
        name, script: spec, intervalMs: s.interval * 1000, timeoutMs: (s.timeout ?? s.interval) * 1000,
        rise: s.rise, fall: s.fall, initFail: s.initFail, weight: s.weight, reverse: s.weightReverse, log: this.log,
      }) });
    }
    for (const [name, f] of this.model.trackFiles) {
      if (!f.path) continue; // (f.file is where it was written; f.path is the watched file)
      want.set(this.trackerKey('file', name), { kind: 'file', cfgJson: f, make: () => new TrackFile({
        name, path: f.path!, weight: f.weight, reverse: f.weightReverse, initFile: f.initFile, log: this.log,
      }) });
    }
    for (const [name, p] of this.model.trackProcesses) {
      if (!p.process) continue;
      want.set(this.trackerKey('process', name), { kind: 'process', cfgJson: p, make: () => new ProcessTracker({
        name, process: p.process!, params: p.args, paramMatch: p.paramMatch, fullCommand: p.fullCommand, quorum: p.quorum,
        quorumMax: p.quorumMax, forkDelayMs: p.forkDelay !== undefined ? p.forkDelay * 1000 : undefined,
        terminateDelayMs: p.terminateDelay !== undefined ? p.terminateDelay * 1000 : undefined, weight: p.weight, reverse: p.weightReverse, log: this.log,
      }) });
    }
    for (const [key, t] of this.trackers) {
      const w = want.get(key);
      if (!w || !sameConfig(w.cfgJson, t.cfgJson)) { void t.obj.stop(); this.trackers.delete(key); }
    }
    for (const [key, w] of want) {
      if (this.trackers.has(key)) continue;
      const obj = w.make();
      (obj as NodeJS.EventEmitter).on('change', () => this.trackersChanged());
      this.trackers.set(key, { kind: w.kind, cfgJson: w.cfgJson, obj });
      void obj.start();
    }
  }

  private trackerStatus(m: Managed): TrackerStatus[] {
    const out: TrackerStatus[] = [];
    const c = m.cfg;
    const group = c.syncGroup ? this.model.vrrpSyncGroups.find((s) => s.name === c.syncGroup) : undefined;
    const refs = (own: TrackRef[], grp: TrackRef[] | undefined) => [...own, ...(grp ?? [])];
    for (const r of refs(c.trackScripts, group?.trackScripts)) {
      const s = this.model.vrrpScripts.get(r.name);
      const t = this.trackers.get(this.trackerKey('script', r.name))?.obj as VrrpScriptTracker | undefined;
      // A script with no result yet has no effect at all (keepalived); init_fail starts it failed.
      if (!s || !t || t.up === undefined) continue;
      out.push({ kind: 'updown', name: r.name, weight: r.weight ?? s.weight, reverse: r.reverse ?? s.weightReverse, up: t.up });
    }
    if (!c.dontTrackPrimary && m.ifname) {
      // Own interface: handled through the fsm's interface event, not as a weighted tracker.
    }
    for (const r of refs(c.trackInterfaces, group?.trackInterfaces)) {
      out.push({ kind: 'updown', name: `if:${r.name}`, weight: r.weight ?? 0, reverse: r.reverse ?? false, up: this.linkUp(r.name) });
    }
    for (const r of refs(c.trackFiles, group?.trackFiles)) {
      const f = this.model.trackFiles.get(r.name);
      const t = this.trackers.get(this.trackerKey('file', r.name))?.obj as TrackFile | undefined;
      if (!f || !t) continue;
      out.push({ kind: 'value', name: `file:${r.name}`, weight: r.weight ?? f.weight, reverse: r.reverse ?? f.weightReverse, value: t.value });
    }
    for (const r of refs(c.trackProcesses, group?.trackProcesses)) {
      const p = this.model.trackProcesses.get(r.name);
      const t = this.trackers.get(this.trackerKey('process', r.name))?.obj as ProcessTracker | undefined;
      if (!p || !t || t.up === undefined) continue;
      out.push({ kind: 'updown', name: `proc:${r.name}`, weight: r.weight ?? p.weight, reverse: r.reverse ?? p.weightReverse, up: t.up });
    }
    return out;
  }

  private trackersChanged(): void {
    for (const m of this.instances.values()) {
      if (!m.rt) continue;
      const ts = this.trackerStatus(m);
      if (!sameConfig(ts, m.rt.state.trackers)) m.rt.dispatch({ type: 'tracker-changed', trackers: ts });
    }
    this.onChange?.();
  }

  private onLink(ev: LinkEvent): void {
    for (const m of this.instances.values()) {
      if (!m.rt || m.ifname !== ev.link.ifname || m.cfg.dontTrackPrimary) continue;
      const up = linkUsable(ev.link);
      if (up !== m.rt.state.ifUp) m.rt.dispatch({ type: 'interface', up });
    }
    this.trackersChanged();
  }

  // ------------------------------------------------------------------ instances

  private ifnameOf(c: VrrpInstanceConfig): string {
    return c.interface ?? this.model.global.defaultInterface ?? 'eth0';
  }

  private async socketFor(c: VrrpInstanceConfig, ifname: string, srcOverride?: string): Promise<{ key: string; entry: SocketEntry }> {
    const g = this.model.global;
    const group = c.mcastDstIp ?? (c.family === 6 ? g.vrrpMcastGroup6 : g.vrrpMcastGroup4);
    const peers = c.unicastPeers.map((p) => p.addr);
    const src = c.unicastSrcIp ?? c.mcastSrcIp ?? srcOverride;
    const key = `${ifname}|${c.family}|${peers.length ? `u:${src ?? ''}:${peers.join(',')}` : `m:${group}:${src ?? ''}`}`;
    let entry = this.sockets.get(key);
    if (!entry) {
      const sock = await openVrrpSocket({ family: c.family, ifname, mcastGroup: group, unicastSrc: src, unicastPeers: peers, ttl: c.unicastTtl });
      const demux = new VridDemux();
      // Adverts for VRIDs nobody here runs are normal on a shared segment: the demux only counts
      // them, unless the operator asked to see them (keepalived's log_unknown_vrids, same message).
      demux.onUnknown = (vrid) => {
        if (vrid !== undefined && this.model.global.logUnknownVrids) this.log.info(`Unknown VRID(${vrid}) received on interface(${ifname}). ignoring...`);
      };
      sock.onPacket(demux.dispatch);
      sock.onError((e) => this.log.warn(`VRRP socket ${key}: ${(e as Error).message ?? e}`));
      entry = { sock, demux };
      this.sockets.set(key, entry);
    }
    return { key, entry };
  }

  private async sendersFor(ifname: string, family: 4 | 6): Promise<{ garp?: GarpSender; na?: NaSender }> {
    const g = this.model.global;
    try {
      if (family === 4) {
        let s = this.garps.get(ifname);
        if (!s) { s = await GarpSender.open({ ifname, intervalMs: g.vrrpGarpInterval * 1000 }); this.garps.set(ifname, s); }
        return { garp: s };
      }
      let s = this.nas.get(ifname);
      if (!s) { s = await NaSender.open({ ifname, intervalMs: g.vrrpGnaInterval * 1000 }); this.nas.set(ifname, s); }
      return { na: s };
    } catch (e) {
      this.log.warn(`no gratuitous ARP/NA on ${ifname}: ${(e as Error).message}`);
      return {};
    }
  }

  private notifierFor(c: VrrpInstanceConfig): Notifier {
    const g = this.model.global;
    const scripts: Record<string, NonNullable<ReturnType<typeof runSpec>['spec']>> = {};
    for (const [k, v] of Object.entries(c.notify)) {
      const spec = v && v !== true ? this.prepared(v, `(${c.name}) notify ${k} script`) : undefined;
      if (spec) scripts[k] = spec;
    }
    return new Notifier({
      kind: 'INSTANCE', name: c.name, scripts, notifyPriorityChanges: c.notifyPriorityChanges ?? g.vrrpNotifyPriorityChanges,
      fifos: this.fifos, mailer: this.mailer, smtpAlert: smtpAlertEnabled(c.smtpAlert, g.smtpAlertVrrp, g.smtpAlert), log: this.log,
    });
  }

  private async addInstance(c: VrrpInstanceConfig): Promise<void> {
    const ifname = this.ifnameOf(c);
    const m: Managed = { cfg: c, ifname };
    this.instances.set(c.name, m);
    try {
      // use_vmac: VIPs, GARPs and (unless vmac_xmit_base) adverts live on a macvlan with the virtual
      // MAC; the parent stays the tracked interface. Adverts from an IPv4 VMAC carry the parent's
      // primary address, as keepalived's do (the VMAC itself holds only VIPs).
      let vipIf = ifname;
      let srcOverride: string | undefined;
      if (c.useVmac) {
        m.vmac = await Vmac.create({ parent: ifname, vrid: c.vrid, family: c.family, name: c.useVmac.name, mac: c.useVmac.mac });
        vipIf = m.vmac.ifname;
        if (c.family === 4) srcOverride = await rtnl().primaryIPv4(ifname);
      }
      const sendIf = m.vmac && !c.vmacXmitBase ? m.vmac.ifname : ifname;
      const { key, entry } = await this.socketFor(c, sendIf, srcOverride);
      const g = this.model.global;
      const io = {
        socket: entry.sock, ...(await this.sendersFor(vipIf, c.family)), notifier: this.notifierFor(c),
        addresses: [...c.vips, ...c.excludedVips].map((v) => addressSpec(v, vipIf)),
        routes: c.routes.map((r) => routeSpec(r, vipIf)), rules: c.rules.map(ruleSpec),
        unicastPeers: c.unicastPeers.map((p) => p.addr), authPass: c.authentication?.pass,
        v3ChecksumAsV2: c.v3ChecksumAsV2 ?? false, mcastGroup4: g.vrrpMcastGroup4, keepVipsOnStop: this.opts.keepVipsOnStop,
        noAccept: this.noAccept,
      };
      const rt = new InstanceRuntime(fsmConfig(c, g, entry.sock.src, this.ignoresWeights(c)), receiveView(c, g), io, this.log, this.trackerStatus(m));
      rt.onTransition = () => { this.syncObserve(m); this.onChange?.(); };
      entry.demux.register(c.vrid, (p, meta) => rt.receive(p, meta));
      m.rt = rt;
      m.socketKey = key;
    } catch (e) {
      m.error = (e as Error).message;
      this.log.error(`(${c.name}) cannot start: ${m.error}`);
    }
  }

  private ignoresWeights(c: VrrpInstanceConfig): boolean {
    const g = c.syncGroup ? this.model.vrrpSyncGroups.find((s) => s.name === c.syncGroup) : undefined;
    return !!g && !g.syncGroupTrackingWeight;
  }

  private setupSyncGroups(): void {
    this.syncGroups = new Map(this.model.vrrpSyncGroups.map((g) => [g.name, createSyncGroup(g.name, g.members)]));
    const gd = this.model.global;
    const next = new Map<string, { notifier: Notifier; state?: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' }>();
    for (const sg of this.model.vrrpSyncGroups) {
      const old = this.groupNotify.get(sg.name);
      const scripts: Record<string, NonNullable<ReturnType<typeof runSpec>['spec']>> = {};
      for (const [k, v] of Object.entries(sg.notify)) {
        const spec = v && v !== true ? this.prepared(v, `(${sg.name}) notify ${k} script`) : undefined;
        if (spec) scripts[k] = spec;
      }
      next.set(sg.name, { state: old?.state, notifier: new Notifier({
        kind: 'GROUP', name: sg.name, scripts, notifyPriorityChanges: sg.notifyPriorityChanges ?? gd.vrrpNotifyPriorityChanges,
        fifos: this.fifos, mailer: this.mailer, smtpAlert: smtpAlertEnabled(sg.smtpAlert, gd.smtpAlertVrrp, gd.smtpAlert), log: this.log,
      }) });
    }
    this.groupNotify = next;
  }

  /**
   * The group's own state, as its notify scripts and FIFO see it: FAULT if any member is in FAULT,
   * MASTER / BACKUP / STOP once every member is there (keepalived reports groups with priority 0).
   */
  private groupTransition(name: string): void {
    const gn = this.groupNotify.get(name);
    const g = this.syncGroups.get(name);
    if (!gn || !g) return;
    const states = g.members.map((m) => this.instances.get(m)?.rt?.state.state);
    let to: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | undefined;
    if (states.includes('FAULT')) to = 'FAULT';
    else for (const s of ['MASTER', 'BACKUP', 'STOP'] as const) if (states.every((x) => x === s)) to = s;
    if (to && to !== gn.state) {
      gn.state = to;
      this.log.info(`VRRP_Group(${name}) Syncing instances to ${to} state`);
      gn.notifier.stateChanged(to, 0);
    }
  }

  private syncObserve(m: Managed): void {
    const gname = m.cfg.syncGroup;
    const g = gname ? this.syncGroups.get(gname) : undefined;
    if (!g || !m.rt) return;
    const r = observe(g, m.cfg.name, m.rt.state);
    this.syncGroups.set(gname!, r.group);
    for (const d of r.directives) this.instances.get(d.member)?.rt?.dispatch({ type: 'sync', directive: d.directive });
    this.groupTransition(gname!);
  }

  // ------------------------------------------------------------------ reload / stop / status

  /**
   * Apply a new, already validated configuration. Unchanged instances are not touched at all (no
   * transition, no VIP flap); changed ones are stopped and started again (or given the new settings
   * through the fsm's reload event when only timers/priorities changed); removed ones resign.
   */
  async reload(next: KeepalivedConfig): Promise<void> {
    const prev = this.model;
    this.model = next;
    const staticOf = (m: KeepalivedConfig) => [m.staticIpaddresses, m.staticRoutes, m.staticRules, m.global.defaultInterface];
    if (!sameConfig(staticOf(prev), staticOf(next))) { await this.applyStatic(false, prev); await this.applyStatic(true, next); }
    if (!sameConfig(prev.global, next.global)) this.setupNotify();
    this.syncTrackers();
    const nextByName = new Map(next.vrrpInstances.map((c) => [c.name, c]));
    for (const [name, m] of this.instances) {
      const c = nextByName.get(name);
      if (c && sameConfig(c, m.cfg)) continue;
      if (c && m.rt && this.sameIdentity(c, m.cfg)) {
        // Same VRID, interface and transport: hand the fsm its new settings, no resignation.
        m.cfg = c;
        m.rt.view = receiveView(c, next.global);
        m.rt.dispatch({ type: 'reload', config: fsmConfig(c, next.global, m.rt.io.socket.src, this.ignoresWeights(c)) });
        continue;
      }
      await this.removeInstance(name);
    }
    for (const c of next.vrrpInstances) {
      if (this.instances.has(c.name)) continue;
      await this.addInstance(c);
      const m = this.instances.get(c.name)!;
      await m.rt?.cleanupStale();
      m.rt?.dispatch({ type: 'start' });
    }
    this.setupSyncGroups();
    for (const m of this.instances.values()) this.syncObserve(m);
    this.trackersChanged();
    this.closeUnusedSockets();
  }

  private sameIdentity(a: VrrpInstanceConfig, b: VrrpInstanceConfig): boolean {
    return a.vrid === b.vrid && a.family === b.family && this.ifnameOf(a) === this.ifnameOf(b) && a.version === b.version
      && sameConfig(a.unicastPeers, b.unicastPeers) && a.unicastSrcIp === b.unicastSrcIp && a.mcastDstIp === b.mcastDstIp
      && sameConfig(a.vips, b.vips) && sameConfig(a.excludedVips, b.excludedVips) && sameConfig(a.routes, b.routes)
      && sameConfig(a.rules, b.rules) && sameConfig(a.useVmac, b.useVmac) && sameConfig(a.notify, b.notify);
  }

  private async removeInstance(name: string): Promise<void> {
    const m = this.instances.get(name);
    if (!m) return;
    this.instances.delete(name);
    if (m.socketKey) this.sockets.get(m.socketKey)?.demux.unregister(m.cfg.vrid);
    if (m.rt) await m.rt.shutdown();
    await m.vmac?.destroy();
  }

  private closeUnusedSockets(): void {
    for (const [key, e] of this.sockets) {
      if (e.demux.size === 0) { e.sock.close(); this.sockets.delete(key); }
    }
  }

  async stop(): Promise<void> {
    for (const t of this.trackers.values()) void t.obj.stop();
    // keepalived's order: the FIFO reader script is told to stop first, the STOP lines are still written.
    for (const f of this.fifos) f.stopReader?.();
    await Promise.all([...this.instances.values()].map((m) => m.rt?.shutdown()));
    if (!this.opts.keepVipsOnStop) {
      for (const m of this.instances.values()) await m.vmac?.destroy().catch(() => undefined);
      await this.applyStatic(false);
      await this.noAccept.close();
    }
    const notifiers = [...[...this.instances.values()].map((m) => m.rt?.io.notifier?.idle()), ...[...this.groupNotify.values()].map((g) => g.notifier.idle())];
    // notify_stop scripts get a bounded time to finish (keepalived's child_wait_time is 5 s).
    await Promise.race([Promise.all(notifiers), new Promise((r) => setTimeout(r, 4000).unref())]);
    for (const e of this.sockets.values()) e.sock.close();
    for (const s of this.garps.values()) s.close();
    for (const s of this.nas.values()) s.close();
    for (const f of this.fifos) f.close?.();
    this.links.stop();
  }

  /** Counters of the shared sockets: drops that belong to no instance. */
  socketStatus(): SocketStatus[] {
    return [...this.sockets.values()].map(({ sock, demux }) => ({
      interface: sock.ifname, family: sock.family, group: sock.group, src: sock.src, ...sock.stats, unknownVrid: demux.unknownVrid,
    }));
  }

  status(): InstanceStatus[] {
    const out: InstanceStatus[] = [];
    for (const m of this.instances.values()) {
      if (m.rt) out.push(m.rt.status(m.ifname));
      else out.push({ name: m.cfg.name, vrid: m.cfg.vrid, family: m.cfg.family, version: m.cfg.version, interface: m.ifname, state: 'FAULT',
        basePriority: m.cfg.priority, effectivePriority: m.cfg.priority, advertIntMs: m.cfg.advertInt * 1000, vips: m.cfg.vips.map((v) => v.addr),
        trackers: [], stats: emptyStats() });
    }
    return out;
  }

  dumpInstances(): DumpInstance[] {
    const out: DumpInstance[] = [];
    for (const m of this.instances.values()) {
      const rt = m.rt;
      if (!rt) continue;
      rt.reconcile(); // adverts the offload thread sent or absorbed count too
      const s = rt.state, c = m.cfg;
      out.push({
        iname: c.name, ifname: m.ifname, vmacIfname: m.vmac?.ifname ?? '', vrid: c.vrid, version: c.version, state: s.state, wantState: s.state,
        basePriority: c.priority, effectivePriority: s.priority, masterPriority: 0, advertIntSec: c.advertInt,
        masterAdvertIntSec: s.masterAdverIntCs / 100, lastTransitionSec: rt.lastTransitionMs / 1000, accept: s.cfg.accept,
        nopreempt: c.nopreempt, preemptDelaySec: c.preemptDelay, strict: c.strictMode ?? this.model.global.vrrpStrict,
        dontTrackPrimary: c.dontTrackPrimary, skipCheckAdvAddr: c.skipCheckAdvAddr ?? this.model.global.vrrpSkipCheckAdvAddr,
        garp: { delay: c.garpMasterDelay, refresh: c.garpMasterRefresh, rep: c.garpMasterRepeat, refreshRep: c.garpMasterRefreshRepeat,
          lowerPrioDelay: c.garpLowerPrioDelay ?? c.garpMasterDelay, lowerPrioRep: c.garpLowerPrioRepeat ?? c.garpMasterRepeat },
        lowerPrioNoAdvert: s.cfg.lowerPrioNoAdvert, higherPrioSendAdvert: s.cfg.higherPrioSendAdvert, promoteSecondaries: c.promoteSecondaries,
        smtpAlert: c.smtpAlert ?? false, notifyDeleted: c.notify.deleted !== undefined, vips: c.vips.map((v) => vipText(v, m.ifname)),
        vipSet: rt.vipsHeld, authType: c.authentication ? (c.authentication.type === 'PASS' ? 1 : 2) : 0, authData: c.authentication?.pass ?? '',
        srcIp: rt.io.socket.src, mcastGroup: rt.io.socket.group, unicastPeers: c.unicastPeers.map((p) => p.addr), stats: rt.stats,
      });
    }
    return out;
  }

  clearStats(): void {
    for (const m of this.instances.values()) if (m.rt) { m.rt.reconcile(); m.rt.stats = { ...m.rt.stats, ...Object.fromEntries(Object.keys(m.rt.stats).map((k) => [k, 0])) } as typeof m.rt.stats; m.rt.drops.reset(); }
  }
}
