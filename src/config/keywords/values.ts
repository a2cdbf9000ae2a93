// Argument readers shared by every keyword table. Their messages and their leniency follow what
// keepalived 2.2.7 prints under `-t` (probed on Debian's build): integers reject fractions,
// ranges are inclusive, a missing required argument is fatal (keepalived exits 2 at once).
import { isIP } from 'node:net';
import type { ConfigNode, SourcePos } from '../tree.js';
import type { Family, ScriptSpec } from '../model.js';
import type { BuildCtx } from './table.js';

/** Thrown when keepalived would stop reading the configuration (exit code 2). */
export class FatalConfigError extends Error {
  constructor(readonly pos: SourcePos, message: string) {
    super(message);
  }
}

/** Word `index` (0 = keyword) of the line; missing → fatal, as keepalived's strvec_slot(). */
export function arg(node: ConfigNode, index: number): string {
  const v = index === 0 ? node.keyword : node.args[index - 1];
  if (v === undefined) {
    throw new FatalConfigError(
      node,
      `Configuration line starting \`${node.keyword}\` is missing a parameter after keyword \`${node.keyword}\` at word position ${index + 1}`,
    );
  }
  return v;
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/**
 * An integer in [min, max]. Returns undefined (and reports) when invalid, so the caller keeps its
 * default — keepalived's "invalid number"/"outside range" config errors.
 */
export function readInt(ctx: BuildCtx, pos: SourcePos, text: string, min: number, max: number, what?: string): number | undefined {
  if (!INT_RE.test(text)) {
    ctx.error(pos, `invalid number '${text}'${what ? ` for ${what}` : ''}`);
    return undefined;
  }
  const n = Number(text);
  if (n < min || n > max) {
    ctx.error(pos, `number '${text}' outside range [${min}, ${max}]${what ? ` for ${what}` : ''}`);
    return undefined;
  }
  return n;
}

/** A decimal number (keepalived TIMER / double) in [min, max]. */
export function readFloat(ctx: BuildCtx, pos: SourcePos, text: string, min: number, max: number, what?: string): number | undefined {
  if (!FLOAT_RE.test(text)) {
    ctx.error(pos, `invalid number '${text}'${what ? ` for ${what}` : ''}`);
    return undefined;
  }
  const n = Number(text);
  if (n < min || n > max) {
    ctx.error(pos, `number '${text}' outside range [${min.toFixed(6)}, ${max.toFixed(6)}]${what ? ` for ${what}` : ''}`);
    return undefined;
  }
  return n;
}

const TRUE_WORDS = new Set(['on', 'true', 'yes']);
const FALSE_WORDS = new Set(['off', 'false', 'no']);

/**
 * `keyword [BOOL]`: bare keyword = true. An unrecognised word is a config error and the
 * keyword counts as true (keepalived's get_value_bool-style behaviour).
 */
export function readBool(ctx: BuildCtx, node: ConfigNode): boolean {
  const w = node.args[0];
  if (w === undefined) return true;
  const l = w.toLowerCase();
  if (TRUE_WORDS.has(l)) return true;
  if (FALSE_WORDS.has(l)) return false;
  ctx.error(node, `${node.keyword}: invalid boolean '${w}' (expected on|off|true|false|yes|no)`);
  return true;
}

export function familyOf(addr: string): Family | undefined {
  const v = isIP(addr);
  return v === 4 ? 4 : v === 6 ? 6 : undefined;
}

/** `IP[/PREFIX]` → parts, or undefined when the address or prefix is not valid. */
export function parsePrefix(text: string): { addr: string; prefix?: number; family: Family } | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const family = familyOf(addr);
  if (!family) return undefined;
  if (slash < 0) return { addr, family };
  const p = text.slice(slash + 1);
  if (!/^\d+$/.test(p)) return undefined;
  const prefix = Number(p);
  if (prefix > (family === 4 ? 32 : 128)) return undefined;
  return { addr, prefix, family };
}

/** Splits a command line into argv the way keepalived's script splitter does: whitespace
 *  separates words, double or single quotes group them (quotes removed). */
export function splitCommand(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let have = false;
  let quote: string | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const ch = cmd[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      have = true;
    } else if (ch === ' ' || ch === '\t') {
      if (have) out.push(cur);
      cur = '';
      have = false;
    } else if (ch === '\\' && i + 1 < cmd.length) {
      cur += cmd[++i];
      have = true;
    } else {
      cur += ch;
      have = true;
    }
  }
  if (have) out.push(cur);
  return out;
}

/**
 * keepalived re-reads a script keyword's raw line with its command splitter, where a `"` that is never
 * closed runs to the end of the line: the reader has already reported the quote, and the keyword
 * still gets its command (exit 5 under -t, not the fatal "missing parameter").
 */
function unmatchedQuoteCommand(node: ConfigNode, firstArg: number): string | undefined {
  if (node.args.length >= firstArg || node.raw === undefined || firstArg !== 1) return undefined;
  const m = /^\s*\S+\s+"([^"]*)$/.exec(node.raw);
  return m && m[1]!.trim() !== '' ? m[1]!.trimEnd() : undefined;
}

/**
 * A script keyword: `kw CMD [user [group]]`. keepalived takes the first word (quotes already
 * removed by the reader, so a quoted command line arrives as one word) as the command.
 */
export function readScript(node: ConfigNode, firstArg = 1, withUser = true): ScriptSpec {
  const cmd = unmatchedQuoteCommand(node, firstArg) ?? arg(node, firstArg);
  const spec: ScriptSpec = { file: node.file, line: node.line, cmd, argv: splitCommand(cmd) };
  if (withUser) {
    const user = node.args[firstArg];
    const group = node.args[firstArg + 1];
    if (user !== undefined) spec.user = user;
    if (group !== undefined) spec.group = group;
  }
  return spec;
}

/** `weight N [reverse]` pairs that trackers take after their name. */
export function readWeight(
  ctx: BuildCtx,
  node: ConfigNode,
  words: string[],
  min: number,
  max: number,
): { weight?: number; reverse?: boolean } {
  const out: { weight?: number; reverse?: boolean } = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'weight') {
      const v = words[i + 1];
      if (v === undefined) {
        ctx.error(node, `weight missing a value`);
        break;
      }
      const n = readInt(ctx, node, v, min, max, 'weight');
      if (n !== undefined) out.weight = n;
      i++;
    } else if (w === 'reverse') {
      out.reverse = true;
    } else if (w === 'noreverse') {
      out.reverse = false;
    } else {
      ctx.error(node, `unknown option '${w}' (expected weight N [reverse])`);
    }
  }
  return out;
}

/** Every word of a list block's lines, each with the line it came from: `{ a b \n c }`. */
export function listWords(node: ConfigNode): Array<{ word: string; pos: SourcePos }> {
  const out: Array<{ word: string; pos: SourcePos }> = [];
  for (const c of node.children ?? []) {
    for (const w of [c.keyword, ...c.args]) out.push({ word: w, pos: c });
  }
  return out;
}

export function isMulticast(addr: string, family: Family): boolean {
  if (family === 4) {
    const first = Number(addr.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return addr.toLowerCase().startsWith('ff');
}
