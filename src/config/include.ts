// `include PATTERN` resolution: csh-style brace expansion, then shell globbing of each alternative
// (as glob(3) with GLOB_BRACE|GLOB_MARK does for keepalived), relative to the including file's
// directory. The include variants and their checks were measured against keepalived 2.2.7:
//   include  (none)   includer (readable)   includem (readable, match)
//   includew (readable, match, wildcard_match)   includeb (readable, brace_match)   includea (all)
import { readdirSync, statSync, lstatSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

export type IncludeCheck = 'readable' | 'match' | 'wildcard_match' | 'brace_match';

export const INCLUDE_KEYWORDS: Record<string, IncludeCheck[]> = {
  include: [],
  includer: ['readable'],
  includem: ['readable', 'match'],
  includew: ['readable', 'match', 'wildcard_match'],
  includeb: ['readable', 'brace_match'],
  includea: ['readable', 'match', 'wildcard_match', 'brace_match'],
};

const MAX_BRACE_ALTERNATIVES = 4096;

/**
 * csh brace expansion: `a{b,c}d` -> `abd`, `acd`; nested braces expand recursively; a brace group
 * without a comma or without its closing brace is literal. Bounded to MAX_BRACE_ALTERNATIVES.
 */
export function expandBraces(pattern: string, limit = MAX_BRACE_ALTERNATIVES): string[] | undefined {
  const out: string[] = [];
  const work: string[] = [pattern];
  while (work.length > 0) {
    const p = work.pop()!;
    const group = findBraceGroup(p);
    if (!group) {
      out.push(p);
      if (out.length > limit) return undefined;
      continue;
    }
    const prefix = p.slice(0, group.open);
    const suffix = p.slice(group.close + 1);
    // push in reverse so that alternatives come out in written order
    for (let i = group.alternatives.length - 1; i >= 0; i--) work.push(prefix + group.alternatives[i]! + suffix);
    if (work.length + out.length > limit) return undefined;
  }
  return out;
}

function findBraceGroup(p: string): { open: number; close: number; alternatives: string[] } | undefined {
  for (let open = p.indexOf('{'); open >= 0; open = p.indexOf('{', open + 1)) {
    let depth = 0;
    const commas: number[] = [];
    for (let i = open; i < p.length; i++) {
      const ch = p[i];
      if (ch === '\\') { i++; continue; }
      if (ch === '{') depth++;
      else if (ch === '}') {
        if (--depth === 0) {
          if (commas.length === 0) break; // `{x}` is literal in glob(3); look for a later group
          const bounds = [open, ...commas, i];
          const alternatives: string[] = [];
          for (let k = 0; k + 1 < bounds.length; k++) alternatives.push(p.slice(bounds[k]! + 1, bounds[k + 1]));
          return { open, close: i, alternatives };
        }
      } else if (ch === ',' && depth === 1) commas.push(i);
    }
  }
  return undefined;
}

export function hasWildcard(s: string): boolean {
  return /[*?[]/.test(s);
}

/** Converts one glob path segment to a RegExp (`*`, `?`, `[…]`, `\x`); dot files need an explicit dot. */
function segmentRegExp(seg: string): RegExp | undefined {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i]!;
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < seg.length) re += escapeRe(seg[++i]!);
    else if (ch === '[') {
      const bracket = parseBracket(seg, i);
      if (!bracket) { re += '\\['; continue; }
      re += bracket.re;
      i = bracket.end;
    } else re += escapeRe(ch);
  }
  try {
    return new RegExp(re + '$');
  } catch {
    return undefined; // a pattern glob(3) would also fail to use: it matches nothing
  }
}

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t', xdigit: '0-9A-Fa-f', punct: '!-\\/:-@\\[-`{-~', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~',
};

/** Parses `[…]` starting at seg[start]: `!`/`^` negate, a leading `]` is literal, `[:class:]`, ranges. */
function parseBracket(seg: string, start: number): { re: string; end: number } | undefined {
  let j = start + 1;
  let negate = false;
  if (seg[j] === '!' || seg[j] === '^') { negate = true; j++; }
  let body = '';
  let first = true;
  for (; j < seg.length; j++) {
    const c = seg[j]!;
    if (c === ']' && !first) return { re: body === '' ? (negate ? '[^/]' : '(?!)') : `[${negate ? '^/' : ''}${body}]`, end: j };
    first = false;
    if (c === '[' && seg[j + 1] === ':') {
      const close = seg.indexOf(':]', j + 2);
      const name = close >= 0 ? seg.slice(j + 2, close) : '';
      const cls = Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name] : undefined;
      if (cls !== undefined) { body += cls; j = close + 1; continue; }
    }
    if (seg[j + 1] === '-' && seg[j + 2] !== undefined && seg[j + 2] !== ']') {
      const lo = c;
      const hi = seg[j + 2]!;
      // an inverted range matches nothing, as in glob(3)
      if (lo <= hi) body += `${escapeClass(lo)}-${escapeClass(hi)}`;
      j += 2;
      continue;
    }
    body += escapeClass(c);
  }
  return undefined; // no closing bracket: `[` is an ordinary character
}

function escapeClass(ch: string): string {
  return /[\\\]\[^-]/.test(ch) ? '\\' + ch : ch;
}

function escapeRe(ch: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(ch) ? '\\' + ch : ch;
}

export interface GlobMatch {
  /** Path as keepalived would name it (relative patterns stay relative), `/` appended for directories. */
  shown: string;
  /** Absolute path. */
  absolute: string;
  isDirectory: boolean;
}

// Directory entries one pattern may look at: `include /*/*/*/*` must not walk the whole disk.
export const MAX_GLOB_ENTRIES = 100_000;

export class GlobTooLargeError extends Error {}

/**
 * Expands one brace-free pattern relative to `baseDir`; results sorted like glob(3).
 * Throws GlobTooLargeError past MAX_GLOB_ENTRIES directory entries (the reader reports it).
 */
export function globPattern(pattern: string, baseDir: string, maxEntries = MAX_GLOB_ENTRIES): GlobMatch[] {
  let seen = 0;
  const absolutePattern = isAbsolute(pattern);
  const segments = pattern.split('/');
  let candidates: { shown: string; abs: string }[] = [{ shown: absolutePattern ? '/' : '', abs: absolutePattern ? '/' : baseDir }];
  const parts = absolutePattern ? segments.slice(1) : segments;
  for (let idx = 0; idx < parts.length; idx++) {
    const seg = parts[idx]!;
    const last = idx === parts.length - 1;
    if (seg === '') {
      if (last) candidates = candidates.filter((c) => isDir(c.abs));
      continue;
    }
    const next: { shown: string; abs: string }[] = [];
    for (const c of candidates) {
      const join2 = (name: string) => ({ shown: c.shown === '' ? name : c.shown.endsWith('/') ? c.shown + name : `${c.shown}/${name}`, abs: join(c.abs, name) });
      if (hasWildcard(seg)) {
        let names: string[];
        try { names = readdirSync(c.abs); } catch { continue; }
        seen += names.length;
        if (seen > maxEntries || next.length > maxEntries) throw new GlobTooLargeError(`include '${pattern}' matches more than ${maxEntries} directory entries - skipping`);
        const re = segmentRegExp(seg);
        if (!re) continue;
        for (const name of names.sort()) {
          if (name.startsWith('.') && !seg.startsWith('.')) continue;
          if (re.test(name)) next.push(join2(name));
        }
      } else {
        const lit = seg.replace(/\\(.)/g, '$1');
        const cand = join2(lit);
        if (last ? exists(cand.abs) : isDir(cand.abs)) next.push(cand);
      }
    }
    candidates = next;
  }
  return candidates.map((c) => {
    const dir = isDir(c.abs);
    return { shown: dir && !c.shown.endsWith('/') ? `${c.shown}/` : c.shown, absolute: resolve(c.abs), isDirectory: dir };
  });
}

function isDir(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

function exists(p: string): boolean {
  try { lstatSync(p); return true; } catch { return false; }
}
