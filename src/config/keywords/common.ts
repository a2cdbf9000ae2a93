// Small spec builders used by the block tables: most keywords are "one value into one field".
import type { ConfigNode } from '../tree.js';
import { kw, type BuildCtx, type KeywordSpec } from './table.js';
import { arg, readBool, readFloat, readInt, readScript } from './values.js';
import type { ScriptSpec } from '../model.js';

/** Presence flag: `keyword` (extra words ignored, as keepalived does for plain flags). */
export function flag<T>(set: (t: T, v: boolean) => void): KeywordSpec<T> {
  return kw((_n, t) => set(t, true));
}

/** `keyword [on|off|true|false|yes|no]`. */
export function bool<T>(set: (t: T, v: boolean) => void): KeywordSpec<T> {
  return kw((n, t, ctx) => set(t, readBool(ctx, n)));
}

/** `keyword N` with N an integer in [min, max]; an invalid value keeps the default. */
export function int<T>(min: number, max: number, set: (t: T, v: number) => void): KeywordSpec<T> {
  return kw((n, t, ctx) => {
    const v = readInt(ctx, n, arg(n, 1), min, max, n.keyword);
    if (v !== undefined) set(t, v);
  });
}

/** `keyword SECONDS` (decimal) in [min, max]. */
export function float<T>(min: number, max: number, set: (t: T, v: number) => void): KeywordSpec<T> {
  return kw((n, t, ctx) => {
    const v = readFloat(ctx, n, arg(n, 1), min, max, n.keyword);
    if (v !== undefined) set(t, v);
  });
}

/** `keyword WORD` (required). */
export function str<T>(set: (t: T, v: string, n: ConfigNode, ctx: BuildCtx) => void): KeywordSpec<T> {
  return kw((n, t, ctx) => set(t, arg(n, 1), n, ctx));
}

/** `keyword [WORD]`: missing word is a config error (keepalived: "… missing - ignoring"), not fatal. */
export function optStr<T>(set: (t: T, v: string) => void, what?: string): KeywordSpec<T> {
  return kw((n, t, ctx) => {
    const v = n.args[0];
    if (v === undefined) ctx.error(n, `${what ?? n.keyword} missing - ignoring`);
    else set(t, v);
  });
}

/** `keyword WORD…` all words. */
export function words<T>(set: (t: T, v: string[], n: ConfigNode) => void): KeywordSpec<T> {
  return kw((n, t) => set(t, n.args, n));
}

/** `keyword CMD [user [group]]`. */
export function script<T>(set: (t: T, v: ScriptSpec) => void, withUser = true): KeywordSpec<T> {
  return kw((n, t) => set(t, readScript(n, 1, withUser)));
}

/** `keyword` with an enumerated word (case-insensitive match, stored as the canonical spelling). */
export function oneOf<T, V extends string>(values: readonly V[], set: (t: T, v: V) => void): KeywordSpec<T> {
  return kw((n, t, ctx) => {
    const w = arg(n, 1);
    const v = values.find((x) => x.toLowerCase() === w.toLowerCase());
    if (v === undefined) ctx.error(n, `${n.keyword}: invalid value '${w}' (expected ${values.join('|')})`);
    else set(t, v);
  });
}

/** An accepted keyword whose value has no effect in vipd (documented as a no-op in keepalived too). */
export function ignored<T>(): KeywordSpec<T> {
  return kw(() => undefined);
}
