// Tables for the tracker definitions that VRRP instances and sync groups refer to by name:
// vrrp_script, vrrp_track_process, track_file (alias vrrp_track_file), plus the tracker *reference*
// lists (`track_script { NAME [weight W [reverse]] }` …) used inside instances and sync groups.
import type { ConfigNode } from '../tree.js';
import type { TrackFileConfig, TrackProcessConfig, TrackRef, VrrpScriptConfig } from '../model.js';
import { blockEnds, endPos, kw, runBlock, type BuildCtx, type KeywordTable } from './table.js';
import { flag } from './common.js';
import { arg, readFloat, readInt, readScript, readWeight } from './values.js';

const I32 = 2147483647;

export const vrrpScriptTable: KeywordTable<VrrpScriptConfig> = {
  script: kw((n, s) => (s.script = readScript(n, 1, false))),
  interval: kw((n, s, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), 0, 4294967, 'interval');
    if (v === undefined) return;
    if (v <= 0) {
      ctx.error(n, `(${s.name}): vrrp script interval must be greater than 0, setting to 1`);
      s.interval = 1;
    } else s.interval = v;
  }),
  timeout: kw((n, s, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), 0, 4294967, 'timeout');
    if (v === undefined) return;
    if (v <= 0) ctx.error(n, `(${s.name}): vrrp script timeout must be greater than 0`);
    else s.timeout = v;
  }),
  weight: kw((n, s, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), -253, 253, 'weight');
    if (v === undefined) {
      ctx.error(n, `vrrp_script ${s.name} weight ${n.args[0]} must be in [-253, 253]`);
      return;
    }
    s.weight = v;
    if (n.args[1] === 'reverse') s.weightReverse = true;
    else if (n.args[1] !== undefined) ctx.error(n, `(${s.name}) unknown weight option '${n.args[1]}'`);
  }),
  rise: kw((n, s, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, I32, 'rise');
    if (v === undefined) ctx.error(n, `(${s.name}): vrrp script rise value '${n.args[0]}' invalid, defaulting to 1`);
    else s.rise = v;
  }),
  fall: kw((n, s, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, I32, 'fall');
    if (v === undefined) ctx.error(n, `(${s.name}): vrrp script fall value '${n.args[0]}' invalid, defaulting to 1`);
    else s.fall = v;
  }),
  user: kw((n, s) => {
    if (!s.script) return;
    s.script.user = arg(n, 1);
    if (n.args[1] !== undefined) s.script.group = n.args[1];
  }),
  init_fail: flag((s) => (s.initFail = true)),
};

export function newVrrpScript(node: ConfigNode, name: string): VrrpScriptConfig {
  return { file: node.file, line: node.line, name, interval: 1, weight: 0, weightReverse: false, rise: 1, fall: 1, initFail: false };
}

export const trackProcessTable: KeywordTable<TrackProcessConfig> = {
  process: kw((n, p) => {
    p.process = arg(n, 1);
    if (n.args.length > 1) p.args = n.args.slice(1);
  }),
  param_match: kw((n, p, ctx) => {
    const v = arg(n, 1);
    if (v === 'initial' || v === 'partial') p.paramMatch = v;
    else ctx.error(n, `Invalid param_match '${v}' for track_process ${p.name}`);
  }),
  weight: kw((n, p, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), -254, 254, 'weight');
    if (v === undefined) return;
    p.weight = v;
    if (n.args[1] === 'reverse') p.weightReverse = true;
  }),
  quorum: kw((n, p, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 1, 65535, 'quorum');
    if (v !== undefined) p.quorum = v;
  }),
  quorum_max: kw((n, p, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), 0, 65535, 'quorum_max');
    if (v !== undefined) p.quorumMax = v;
  }),
  fork_delay: kw((n, p, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), 0, 4294967, 'fork_delay');
    if (v !== undefined) p.forkDelay = v;
  }),
  terminate_delay: kw((n, p, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), 0, 4294967, 'terminate_delay');
    if (v !== undefined) p.terminateDelay = v;
  }),
  delay: kw((n, p, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), 0, 4294967, 'delay');
    if (v !== undefined) p.forkDelay = p.terminateDelay = v;
  }),
  full_command: flag((p) => (p.fullCommand = true)),
};

export function newTrackProcess(node: ConfigNode, name: string): TrackProcessConfig {
  return { file: node.file, line: node.line, name, weight: 0, weightReverse: false, quorum: 1, fullCommand: false };
}

export const trackFileTable: KeywordTable<TrackFileConfig> = {
  file: kw((n, f) => (f.path = arg(n, 1))),
  weight: kw((n, f, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), -254, 254, 'weight');
    if (v === undefined) return;
    f.weight = v;
    if (n.args[1] === 'reverse') f.weightReverse = true;
    else if (n.args[1] !== undefined) ctx.error(n, `unknown track file weight option ${n.args[1]} - ignoring`);
  }),
  init_file: kw((n, f, ctx) => {
    let value = 0;
    let overwrite = false;
    for (const w of n.args) {
      if (w === 'overwrite') overwrite = true;
      else {
        const v = readInt(ctx, n, w, -2147483648, I32, 'init_file value');
        if (v !== undefined) value = v;
      }
    }
    f.initFile = { value, overwrite };
  }),
};

export function newTrackFile(node: ConfigNode, name: string): TrackFileConfig {
  return { file: node.file, line: node.line, name, weight: 1, weightReverse: false };
}

export function buildNamed<T extends { name: string }>(
  node: ConfigNode,
  ctx: BuildCtx,
  what: string,
  make: (n: ConfigNode, name: string) => T,
  table: KeywordTable<T>,
  into: Map<string, T>,
  duplicateIsError = true,
): T | undefined {
  const name = arg(node, 1);
  if (into.has(name)) {
    if (duplicateIsError) ctx.error(node, `${what} ${name} already defined - ignoring`);
    return undefined;
  }
  const obj = make(node, name);
  blockEnds.set(obj, endPos(node));
  runBlock(node.children, table, obj, ctx);
  into.set(name, obj);
  return obj;
}

/**
 * `track_xxx { NAME [weight W [reverse|noreverse]] … }` inside an instance or sync group.
 * `min`/`max` is the weight range keepalived accepts for that tracker kind.
 */
export function readTrackRefs(node: ConfigNode, ctx: BuildCtx, min: number, max: number, owner: string, lenient = false): TrackRef[] {
  const refs: TrackRef[] = [];
  for (const c of node.children ?? []) {
    const ref: TrackRef = { file: c.file, line: c.line, name: c.keyword };
    // track_script reads `NAME [weight N [reverse|noreverse]]` positionally and ignores the rest.
    let known = c.args;
    if (lenient) {
      if (c.args.length && c.args[0] !== 'weight') {
        ctx.error(c, `(${owner}) unknown track script option ${c.args[0]} - ignoring`);
        known = [];
      } else {
        const third = c.args[2];
        if (third !== undefined && third !== 'reverse' && third !== 'noreverse') {
          ctx.error(c, `(${owner}) unknown track_script ${c.keyword} weight option ${third} - ignoring`);
        }
        known = c.args.slice(0, 3).filter((w, i) => i < 2 || w === 'reverse' || w === 'noreverse');
      }
    }
    const w = readWeight(ctx, c, known, min, max);
    if (w.weight === undefined && c.args.includes('weight')) ctx.error(c, `(${owner}) weight for ${c.keyword} must be between [${min}..${max}] inclusive. Ignoring...`);
    if (w.weight !== undefined) ref.weight = w.weight;
    if (w.reverse !== undefined) ref.reverse = w.reverse;
    refs.push(ref);
  }
  return refs;
}
