// `$NAME=value` parameter definitions and their expansion, as keepalived 2.2.7 does them:
// definitions are global and may be redefined; expansion happens when a line is read, rescans what
// it inserted (so definitions may refer to later-defined names), leaves unknown names verbatim, and
// a multi-line definition may only be used where its reference ends the line.
// keepalived itself loops forever on `$A=$A`; we bound the work and say so instead.

export interface ParamDefinition {
  name: string;
  /** The value; lines of a multi-line definition are separated by '\n'. */
  value: string;
  multiline: boolean;
  /** Built-in definitions compute their value at each use; `params` are the digits in `${NAME 1 2}`. */
  compute?: (params: number[] | undefined) => string;
  /** How many numeric parameters `${NAME …}` accepts (0 for ordinary definitions). */
  maxParams: number;
}

export interface ExpandLimits {
  /** Longest line an expansion may produce (characters). */
  maxLineLength: number;
  /** Substitutions allowed in one line: catches `$A=$A` and mutual recursion. */
  maxSubstitutions: number;
}

export const DEFAULT_EXPAND_LIMITS: ExpandLimits = { maxLineLength: 64 * 1024, maxSubstitutions: 4096 };

export interface ExpandResult {
  /** The line with references replaced (first line of any multi-line definition used). */
  text: string;
  /** Further lines that a multi-line definition contributed, to be read after `text`. */
  extraLines: string[];
  /** Whether any reference was replaced. */
  replaced: boolean;
  /** How many references were replaced. */
  substitutions: number;
  /** Names of the multi-line definitions that were expanded. */
  multiline: string[];
  /** Set when a limit stopped the expansion; `text` is then what was done so far. */
  error?: string;
}

function isAlpha(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}
function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}
function isNameChar(c: string | undefined): boolean {
  return isAlpha(c) || isDigit(c) || c === '_';
}

export interface DefinitionLine {
  name: string;
  value: string;
  /** The value ended in `\`: following lines continue it. */
  continued: boolean;
}

/**
 * Recognises `$NAME=value` (name: letter or `_`, then letters, digits, `_`; no blank before `=`).
 * Returns undefined for anything else, which is then an ordinary line.
 */
export function parseDefinitionLine(line: string): DefinitionLine | undefined {
  if (line[0] !== '$' || !(isAlpha(line[1]) || line[1] === '_')) return undefined;
  let p = 2;
  while (p < line.length && line[p] !== '=') {
    if (!isNameChar(line[p])) return undefined;
    p++;
  }
  if (line[p] !== '=') return undefined;
  const name = line.slice(1, p);
  let value = line.slice(p + 1).replace(/^[ \t]+/, '');
  let continued = false;
  if (value.endsWith('\\')) {
    continued = true;
    value = value.slice(0, -1).replace(/[ \t]+$/, '');
  }
  return { name, value, continued };
}

export class ParamTable {
  private readonly defs = new Map<string, ParamDefinition>();

  define(name: string, value: string, multiline = false): ParamDefinition {
    const def: ParamDefinition = { name, value, multiline, maxParams: 0 };
    this.defs.set(name, def);
    return def;
  }

  defineBuiltin(name: string, compute: (params: number[] | undefined) => string, maxParams = 0): void {
    this.defs.set(name, { name, value: '', multiline: false, compute, maxParams });
  }

  get(name: string): ParamDefinition | undefined {
    return this.defs.get(name);
  }

  get size(): number {
    return this.defs.size;
  }

  /**
   * Finds the reference starting just after a `$` at text[at]; returns the definition, the length
   * of the reference text after the `$`, and parsed parameters.
   */
  private findReference(text: string, at: number): { def: ParamDefinition; len: number; params?: number[] } | undefined {
    const braces = text[at] === '{';
    const nameStart = braces ? at + 1 : at;
    if (!(isAlpha(text[nameStart]) || text[nameStart] === '_')) return undefined;
    let p = nameStart + 1;
    while (isNameChar(text[p])) p++;
    const name = text.slice(nameStart, p);
    let params: number[] | undefined;
    if (braces) {
      // `${_RANDOM 1 100}`: digits and spaces, not ending in a space.
      let paramStart = -1;
      let paramEnd = -1;
      while (text[p] === ' ' || isDigit(text[p])) {
        if (text[p] !== ' ') {
          if (paramStart < 0) paramStart = p;
          paramEnd = p;
        }
        p++;
      }
      if (paramStart >= 0 && paramEnd + 1 !== p) return undefined;
      if (text[p] !== '}') return undefined;
      if (paramStart >= 0) {
        params = text.slice(paramStart, paramEnd + 1).split(/ +/).filter((s) => s.length > 0).map((s) => Number(s));
      }
      p++;
    } else {
      const c = text[p];
      if (!(c === undefined || c === ' ' || c === '\t' || c === ',' || c === ')')) return undefined;
    }
    const def = this.defs.get(name);
    if (!def) return undefined;
    // A multi-line value can only stand where its reference ends the line.
    if (def.multiline && p !== text.length) return undefined;
    if (params && def.maxParams === 0) return undefined;
    return { def, len: p - at, params };
  }

  /** Expands every reference in `line`, rescanning inserted text, within `limits`. */
  expand(line: string, limits: ExpandLimits = DEFAULT_EXPAND_LIMITS): ExpandResult {
    let text = line;
    let extraLines: string[] = [];
    let replaced = false;
    let substitutions = 0;
    const multiline: string[] = [];
    let pos = text.indexOf('$');
    while (pos >= 0 && pos + 1 < text.length) {
      const ref = this.findReference(text, pos + 1);
      if (!ref) {
        pos = text.indexOf('$', pos + 1);
        continue;
      }
      if (++substitutions > limits.maxSubstitutions) {
        return { text, extraLines, replaced, substitutions, multiline, error: `parameter expansion stopped after ${limits.maxSubstitutions} substitutions in one line (recursive definition of $${ref.def.name}?)` };
      }
      let value = ref.def.compute ? ref.def.compute(ref.params) : ref.def.value;
      if (ref.def.multiline) {
        multiline.push(ref.def.name);
        const lines = value.split('\n');
        value = lines[0]!;
        // A multi-line definition used inside another's first line comes before the rest of the outer one.
        extraLines = [...lines.slice(1), ...extraLines];
      }
      const next = text.slice(0, pos) + value + text.slice(pos + 1 + ref.len);
      if (next.length > limits.maxLineLength) {
        return { text, extraLines, replaced, substitutions, multiline, error: `Parameter substitution on line '${truncateForMessage(line)}' would exceed maximum line length (${limits.maxLineLength})` };
      }
      text = next;
      replaced = true;
      // keepalived stops substituting once a value starts a ~SEQ/~LST: the rest belongs to it.
      if (value.replace(/^[ \t]+/, '').startsWith('~')) break;
      pos = text.indexOf('$', pos);
    }
    return { text, extraLines, replaced, substitutions, multiline };
  }
}

export function truncateForMessage(s: string, max = 200): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}
