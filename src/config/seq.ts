// `~SEQ(var, start, step, end) text`, `~SEQx(…)` (hex values) and `~LST(var, v1, v2, …) text` /
// `~LST({a,b}, {1,2}, {3,4}) text`: lines that repeat `text` with a parameter set to each value.
// Both exist in keepalived 2.2.7 (checked with `keepalived -t`); parsing errors use its wording.

export interface SeqSpec {
  /** Parameter names set on each iteration (one for ~SEQ and simple ~LST). */
  vars: string[];
  /** One row of values per iteration, aligned with `vars`; produced lazily for ~SEQ. */
  rows: Iterable<string[]>;
  /** Number of iterations. */
  count: number;
  /** The line to repeat. */
  text: string;
}

export type SeqParse = { ok: true; spec: SeqSpec } | { ok: false; messages: string[] };

/** Like C strtol(…, 0): optional blanks and sign, then 0x hex, 0 octal or decimal; returns [value, next index]. */
function strtol(s: string, i: number): [number, number] {
  let p = i;
  while (s[p] === ' ' || s[p] === '\t' || s[p] === '\n' || s[p] === '\f' || s[p] === '\v' || s[p] === '\r') p++;
  let sign = 1;
  if (s[p] === '+' || s[p] === '-') { if (s[p] === '-') sign = -1; p++; }
  let base = 10;
  if (s[p] === '0' && (s[p + 1] === 'x' || s[p + 1] === 'X') && /[0-9a-fA-F]/.test(s[p + 2] ?? '')) { base = 16; p += 2; }
  else if (s[p] === '0') base = 8;
  const digits = base === 16 ? /[0-9a-fA-F]/ : base === 8 ? /[0-7]/ : /[0-9]/;
  const start = p;
  let value = 0;
  while (p < s.length && digits.test(s[p]!)) { value = value * base + parseInt(s[p]!, base); p++; }
  if (p === start) return [0, i]; // no number: C leaves the pointer where it was
  return [sign * value, p];
}

function skipBlanks(s: string, p: number): number {
  while (s[p] === ' ' || s[p] === '\t') p++;
  return p;
}

/**
 * Parses a line starting with `~SEQ`. `expandParams` expands `$NAME` references in the numbers
 * (keepalived allows `~SEQ(i, 1, $COUNT)`); it returns undefined if a multi-line definition was used.
 */
export function parseSeq(line: string, expandParams: (s: string) => string | undefined): SeqParse {
  const invalidDef = `Invalid ~SEQ definition '${line}'`;
  const generic = `Invalid ~SEQ specification '${line}'`;
  let p = 4;
  const hex = line[p] === 'x';
  if (hex) p++;
  p = skipBlanks(line, p);
  if (line[p] !== '(') return { ok: false, messages: [generic] };
  p = skipBlanks(line, p + 1);
  const varStart = p;
  while (p < line.length && !' \t,)'.includes(line[p]!)) p++;
  const varName = line.slice(varStart, p);
  p = skipBlanks(line, p);
  if (p >= line.length || line[p] === ')' || varName.length === 0) return { ok: false, messages: [invalidDef, generic] };
  p = skipBlanks(line, p + 1);
  const close = line.indexOf(')', p);
  if (close < 0) return { ok: false, messages: [invalidDef, generic] };
  const rawParams = line.slice(p, close + 1);
  if (rawParams.length + 1 > 3 * 20 + 3 + 1) return { ok: false, messages: [`~SEQ parameter strings too long '${line}'`, generic] };
  const params = expandParams(rawParams);
  if (params === undefined) return { ok: false, messages: [`~SEQ parameter is multiline definition '${line}'`, generic] };

  let start: number;
  let step: number;
  let end: number;
  let q: number;
  const [one, afterOne] = strtol(params, 0);
  q = skipBlanks(params, afterOne);
  if (params[q] === ')') {
    end = one;
    step = end < 1 ? -1 : 1;
    start = end < 0 ? -1 : 1;
  } else {
    if (params[q] !== ',') return { ok: false, messages: [invalidDef, generic] };
    const [two, afterTwo] = strtol(params, q + 1);
    q = skipBlanks(params, afterTwo);
    if (params[q] === ')') {
      start = one;
      end = two;
      step = start <= end ? 1 : -1;
    } else {
      if (params[q] !== ',') return { ok: false, messages: [invalidDef, generic] };
      const [three, afterThree] = strtol(params, q + 1);
      q = skipBlanks(params, afterThree);
      if (params[q] !== ')') return { ok: false, messages: [invalidDef, generic] };
      start = one;
      step = two;
      end = three;
      if (step === 0 || (start < end && step < 0) || (start > end && step > 0)) {
        return { ok: false, messages: [`Invalid ~SEQ values '${line}'`, generic] };
      }
    }
  }
  if (hex && (start < 0 || end < 0)) return { ok: false, messages: [`~SEQx is only valid for positive numbers '${line}'`, generic] };
  const count = Math.floor((end - start) / step) + 1;
  const text = line.slice(skipBlanks(line, close + 1));
  const rows: Iterable<string[]> = {
    *[Symbol.iterator]() {
      for (let i = 0, v = start; i < count; i++, v += step) yield [hex ? v.toString(16) : String(v)];
    },
  };
  return { ok: true, spec: { vars: [varName], rows, count, text } };
}

/** Splits `a, {b,c}, d` at top-level commas; undefined if braces are unbalanced. */
function splitTopLevel(s: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '{') depth++;
    else if (ch === '}') { if (--depth < 0) return undefined; }
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  if (depth !== 0) return undefined;
  out.push(cur);
  return out;
}

const LST_TOKEN = /^[^\s{},()"]*$/;

/** Parses a line starting with `~LST`. */
export function parseLst(line: string): SeqParse {
  const generic = `Invalid ~LST specification '${line}'`;
  const tooMany = `~LST specification has too many values '${line}'`;
  let p = skipBlanks(line, 4);
  if (line[p] !== '(') return { ok: false, messages: [generic] };
  const close = line.indexOf(')', p);
  if (close < 0) return { ok: false, messages: [generic] };
  const parts = splitTopLevel(line.slice(p + 1, close));
  if (!parts || parts.length < 2) return { ok: false, messages: [generic] };
  const parseGroup = (part: string): string[] | undefined => {
    const t = part.trim();
    if (t.startsWith('{')) {
      if (!t.endsWith('}')) return undefined;
      const items = t.slice(1, -1).split(',').map((x) => x.trim());
      return items.every((x) => LST_TOKEN.test(x)) ? items : undefined;
    }
    return LST_TOKEN.test(t) ? [t] : undefined;
  };
  const vars = parseGroup(parts[0]!);
  if (!vars) return { ok: false, messages: [generic] };
  const rows: string[][] = [];
  for (const part of parts.slice(1)) {
    const values = parseGroup(part);
    if (!values) return { ok: false, messages: [generic] };
    if (values.length > vars.length) return { ok: false, messages: [tooMany, generic] };
    // Fewer values than names: the rest are set to the empty string (as keepalived does).
    rows.push(vars.map((_, i) => values[i] ?? ''));
  }
  const text = line.slice(skipBlanks(line, close + 1));
  return { ok: true, spec: { vars, rows, count: rows.length, text } };
}
