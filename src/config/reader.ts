// The keepalived.conf language front end: reads a configuration file (and what it includes) into a
// generic tree of ConfigNodes, with no keyword knowledge. It follows keepalived 2.2.7's reader
// (measured with `keepalived -t`, see test/fixtures/lang/KEEPALIVED-BEHAVIOUR.md):
//  - a line is read, its comment removed, then `@ID` / `$NAME=` / `~SEQ` / `~LST` / `$NAME`
//    expansion are applied, then `include`, then every brace outside double quotes is split off
//    into a line of its own (so `a { b c }` is the lines `a`, `{`, `b c`, `}`);
//  - a `{` line right after a keyword line opens that keyword's block, `}` closes it (read-tree.ts;
//    read-blocks.ts has keepalived's keyword-aware variant).
// Bad input never throws: every problem becomes a Diagnostic, and all work is bounded (ReadOptions).
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { ConfigNode, Diagnostic, Severity, SourcePos } from './tree.js';
import { decomment, splitAtBrace } from './lexer.js';
import { ParamTable, parseDefinitionLine, truncateForMessage, type ParamDefinition } from './params.js';
import { parseLst, parseSeq, type SeqSpec } from './seq.js';
import { GlobTooLargeError, INCLUDE_KEYWORDS, MAX_GLOB_ENTRIES, expandBraces, globPattern, hasWildcard, type GlobMatch, type IncludeCheck } from './include.js';
import { replayBlocks, type BlockKindOf } from './read-blocks.js';
import { buildTree, type LogicalLine } from './read-tree.js';

export interface ReadOptions {
  /** Value matched by `@ID` lines and given by `${_INSTANCE}`; default: short host name. */
  configId?: string;
  /** Total bytes read over all files (default 64 MiB). */
  maxBytes?: number;
  /** Deepest block nesting kept (default 64); deeper blocks are flattened into their parent. */
  maxDepth?: number;
  /** Deepest include chain (default 64; keepalived itself stops only when it runs out of file descriptors). */
  maxIncludeDepth?: number;
  /** Lines that ~SEQ/~LST and multi-line definitions may generate in total (default 250,000). */
  maxGeneratedLines?: number;
  /** Checks applied to every plain `include` (keepalived's `-e` = all four; `include_check` sets them too). */
  includeChecks?: IncludeCheck[];
  /** Seed for `${_RANDOM}` so a read is reproducible; default: unseeded. */
  randomSeed?: number;
  /** Directory entries one include pattern may visit (default 100,000). */
  maxGlobEntries?: number;
  /** Also return the flat list of logical lines (`lines`), for keyword-aware block handling. */
  keepLines?: boolean;
  /**
   * Build `nodes` with keepalived's keyword-aware block rules (read-blocks.ts) instead of the
   * generic "every `{` opens a block" rule; its brace diagnostics are added to `diagnostics`.
   */
  blockKind?: BlockKindOf;
}

/**
 * One logical line as keepalived's parser sees it (after comments, parameters, includes and brace
 * splitting): a keyword line, or a lone `{` / `}`. keepalived decides per keyword whether a `{`
 * opens a block (an unknown keyword's `{` is "Unexpected" and its `}` then closes the enclosing
 * block); the tree in `nodes` assumes every `{` after a keyword line opens that keyword's block, so
 * code that must reproduce keepalived exactly for such mistakes can replay these lines instead.
 */
export interface ConfigLine extends Pos {
  text: string;
  /** Words as for ConfigNode (keyword first); `['{']` or `['}']` for brace lines. */
  words: string[];
}

export interface ReadResult {
  nodes: ConfigNode[];
  diagnostics: Diagnostic[];
  /** Every file read, in the order first read (the main file as given, includes absolute). */
  files: string[];
  /** Present when ReadOptions.keepLines was set. */
  lines?: ConfigLine[];
}

/** A raw line longer than this is dropped with an error (keepalived's own buffer is 1024 bytes; braces
 *  split a line into pieces that are each re-read, so the work on one line grows with its square). */
const MAX_RAW_LINE = 64 * 1024;
/** keepalived 2.2.7 reads lines with a 1024-byte buffer and splits longer ones; we warn. */
const KEEPALIVED_LINE_BUFFER = 1024;
const MAX_DIAGNOSTICS = 1000;
/** Sources (files, generated lines) open at once; legitimate configurations use a handful. */
const MAX_NESTED_SOURCES = 1000;
/** Expansion bounds per line: like keepalived, an expansion may not make a line longer than its 1024-byte buffer. */
const EXPAND_LIMITS = { maxLineLength: KEEPALIVED_LINE_BUFFER - 1, maxSubstitutions: 1024 };
/** Substitutions over the whole read, so that many lines of exponential definitions stay cheap. */
const MAX_TOTAL_SUBSTITUTIONS = 1_000_000;

type Pos = SourcePos;

interface FileSource extends Pos {
  kind: 'file';
  absolute: string;
  lines: string[];
  next: number;
}

/** Lines produced by the reader itself: brace residues and the rest of multi-line definitions. */
interface QueueSource extends Pos {
  kind: 'queue';
  items: string[];
  next: number;
  generated: boolean;
  /** The items are pieces of a line known to hold no `$` (saves rescanning long brace-split lines). */
  noDollar?: boolean;
  /** Multi-line definitions whose lines these are (to catch a definition that uses itself). */
  expanding?: string[];
}

interface SeqSource extends Pos {
  kind: 'seq';
  spec: SeqSpec;
  rows: Iterator<string[]>;
}

type Source = FileSource | QueueSource | SeqSource;


/** Small deterministic PRNG (mulberry32) for seeded ${_RANDOM}. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Reader {
  readonly diagnostics: Diagnostic[] = [];
  readonly files: string[] = [];
  private readonly stack: Source[] = [];
  private readonly params = new ParamTable();
  private readonly configId: string;
  private readonly maxBytes: number;
  private readonly maxIncludeDepth: number;
  private readonly maxGenerated: number;
  private readonly maxGlobEntries: number;
  private defaultChecks: IncludeCheck[];
  private bytesRead = 0;
  private generated = 0;
  private generatedLimitReported = false;
  private totalSubstitutions = 0;
  private substitutionLimitReported = false;
  private droppedDiagnostics = 0;
  private nestingReported = false;
  /** The definition being continued by lines ending in `\`. */
  private pendingDef: ParamDefinition | undefined;

  constructor(opts: ReadOptions) {
    this.configId = opts.configId ?? hostname().split('.')[0] ?? '';
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.maxIncludeDepth = opts.maxIncludeDepth ?? 64;
    this.maxGenerated = opts.maxGeneratedLines ?? 250_000;
    this.maxGlobEntries = opts.maxGlobEntries ?? MAX_GLOB_ENTRIES;
    this.defaultChecks = opts.includeChecks ?? [];
    const random = opts.randomSeed !== undefined ? seededRandom(opts.randomSeed) : Math.random;
    this.params.defineBuiltin('_PWD', () => this.currentDir());
    this.params.defineBuiltin('_INSTANCE', () => this.configId);
    this.params.defineBuiltin('_RANDOM', (p) => {
      const min = p?.[0] ?? 0;
      const max = p && p.length >= 2 ? p[1]! : 32767;
      if (p && p.length > 2) this.report('warning', this.pos(), `Too many parameters or extra text for \${_RANDOM ${p.join(' ')}}`);
      if (max < min) return String(min);
      return String(min + Math.floor(random() * (max - min + 1)));
    }, 2);
    this.params.defineBuiltin('_HASH', () => '#');
    this.params.defineBuiltin('_BANG', () => '!');
  }

  report(severity: Severity, pos: Pos, message: string): void {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) {
      this.droppedDiagnostics++;
      return;
    }
    this.diagnostics.push({ severity, file: pos.file, line: pos.line, message });
  }

  finishDiagnostics(): void {
    if (this.droppedDiagnostics > 0) {
      this.diagnostics.push({ severity: 'error', file: this.files[0] ?? '', line: 0, message: `${this.droppedDiagnostics} further diagnostics not shown (limit ${MAX_DIAGNOSTICS})` });
    }
  }

  /** Position of the line being read (the innermost source). */
  private pos(): Pos {
    const top = this.stack[this.stack.length - 1];
    return top ? { file: top.file, line: top.line } : { file: this.files[0] ?? '', line: 0 };
  }

  private currentFile(): FileSource | undefined {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const s = this.stack[i]!;
      if (s.kind === 'file') return s;
    }
    return undefined;
  }

  private currentDir(): string {
    const f = this.currentFile();
    return f ? dirname(f.absolute) : process.cwd();
  }

  /** Reads a file into a new source; returns false (with a diagnostic) if it cannot be used. */
  pushFile(shown: string, absolute: string, at: Pos | undefined, severity: Severity): boolean {
    const where = at ?? { file: shown, line: 0 };
    let size: number;
    try {
      const st = statSync(absolute);
      if (st.isDirectory()) {
        this.report(severity, where, `Configuration file '${shown.endsWith('/') ? shown : `${shown}/`}' is a directory - skipping`);
        return false;
      }
      if (!st.isFile() || (st.mode & 0o111) !== 0) {
        this.report(severity, where, `Configuration file '${shown}' is not a regular non-executable file - skipping`);
        return false;
      }
      size = st.size;
    } catch (e) {
      if (at === undefined) this.report('error', where, `Config files missing '${shown}'.`);
      else this.report(severity, where, `Configuration file '${shown}' is not a regular non-executable file - skipping`);
      return false;
    }
    if (this.bytesRead + size > this.maxBytes) {
      this.report('error', where, `Configuration file '${shown}' (${size} bytes) would exceed the ${this.maxBytes}-byte limit on configuration size - skipping`);
      return false;
    }
    let buf: Buffer;
    try {
      // A regular file that says it is empty is not read: /proc and /sys files say so and some of
      // them (e.g. /proc/kmsg) block forever when read.
      buf = size === 0 ? Buffer.alloc(0) : readFileSync(absolute);
    } catch (e) {
      this.report(severity, where, `Configuration file '${shown}' open problem (${(e as Error).message}) - skipping`);
      return false;
    }
    if (this.bytesRead + buf.length > this.maxBytes) {
      this.report('error', where, `Configuration file '${shown}' (${buf.length} bytes) would exceed the ${this.maxBytes}-byte limit on configuration size - skipping`);
      return false;
    }
    this.bytesRead += buf.length;
    const fileName = at === undefined ? shown : absolute;
    if (!this.files.includes(fileName)) this.files.push(fileName);
    this.pushText(buf.toString('utf8'), fileName, absolute);
    return true;
  }

  /**
   * The main configuration: like keepalived's -f, a name that does not exist as written is
   * globbed (with braces), and every match is read in order.
   */
  pushMainFiles(path: string): void {
    const exists = (() => { try { statSync(path); return true; } catch { return false; } })();
    const alternatives = exists ? undefined : expandBraces(path);
    const patterned = alternatives !== undefined && (alternatives.length > 1 || hasWildcard(path));
    if (!patterned) {
      this.pushFile(path, resolve(path), undefined, 'error');
      return;
    }
    let matches: GlobMatch[];
    try {
      matches = alternatives.flatMap((alt) => (alt.length > 0 ? globPattern(alt, process.cwd(), this.maxGlobEntries) : []));
    } catch (e) {
      this.report('error', { file: path, line: 0 }, (e as Error).message);
      return;
    }
    const files = matches.filter((m) => !m.isDirectory);
    if (files.length === 0) {
      this.report('error', { file: path, line: 0 }, `Config files missing '${path}'.`);
      return;
    }
    if (files.length > 1) this.report('warning', { file: path, line: 0 }, `WARNING, multiple configuration file matches of ${path}, starting with ${files[0]!.shown}`);
    const pushed: Source[] = [];
    for (const f of files) {
      const before = this.stack.length;
      if (this.pushFile(f.shown, f.absolute, undefined, 'error')) pushed.push(this.stack.splice(before, 1)[0]!);
    }
    for (let i = pushed.length - 1; i >= 0; i--) this.stack.push(pushed[i]!);
  }

  /** Counts text that did not come through pushFile against maxBytes. */
  chargeBytes(n: number): void {
    this.bytesRead += n;
  }

  pushText(text: string, file: string, absolute: string): void {
    this.stack.push({ kind: 'file', file, absolute, line: 0, lines: text.split('\n'), next: 0 });
  }

  /**
   * global_defs `include_check [[+|-]read|match|wildcard_match|brace_match]...`: no argument means
   * all checks; a name or +name adds a check, -name removes it (keepalived 2.2.7 names).
   */
  setIncludeChecks(node: ConfigNode): void {
    const names: Record<string, IncludeCheck> = { read: 'readable', match: 'match', wildcard_match: 'wildcard_match', brace_match: 'brace_match' };
    if (node.args.length === 0) {
      this.defaultChecks = ['readable', 'match', 'wildcard_match', 'brace_match'];
      return;
    }
    const checks = new Set(this.defaultChecks);
    node.args.forEach((arg, i) => {
      const remove = arg.startsWith('-');
      const name = arg.replace(/^[+-]/, '');
      const check = names[name];
      if (!check) {
        this.report('error', node, `Unknown include_check type '${arg}' - ignoring`);
        return;
      }
      // keepalived 2.2.7 takes one plain name per line; it rejects a second one (only +/- may follow).
      if (i > 0 && !/^[+-]/.test(arg)) {
        this.report('error', node, `Duplicate include_check '${arg}' specified - ignoring`);
        return;
      }
      if (remove) checks.delete(check);
      else checks.add(check);
    });
    this.defaultChecks = [...checks];
  }

  /**
   * Pushes lines the reader produced itself (brace residues, multi-line definitions, ~SEQ/~LST).
   * Finished line queues are dropped first so that a long brace-split line does not pile them up;
   * nesting past MAX_NESTED_SOURCES (e.g. `$S=~SEQ(i,1,1000) $S`, which keepalived expands until
   * it runs out of memory) is refused.
   */
  private pushGenerated(src: QueueSource | SeqSource, pos: Pos): void {
    for (let top = this.stack[this.stack.length - 1]; top?.kind === 'queue' && top.next >= top.items.length; top = this.stack[this.stack.length - 1]) {
      this.stack.pop();
    }
    if (this.stack.length >= MAX_NESTED_SOURCES) {
      if (!this.nestingReported) {
        this.nestingReported = true;
        this.report('error', pos, `~SEQ/~LST and multi-line definitions nested more than ${MAX_NESTED_SOURCES} deep (a definition that uses itself?) - the generated lines are dropped`);
      }
      // unwind all of it: the outer levels would only rebuild the same tower
      this.dropGenerated();
      return;
    }
    this.stack.push(src);
  }

  /** Lines generated (not read from a file) are counted against maxGeneratedLines. */
  private chargeGenerated(n: number): boolean {
    if (this.generated + n <= this.maxGenerated) {
      this.generated += n;
      return true;
    }
    if (!this.generatedLimitReported) {
      this.generatedLimitReported = true;
      this.report('error', this.pos(), `~SEQ/~LST and multi-line definitions would generate more than ${this.maxGenerated} lines - the rest are dropped`);
    }
    return false;
  }

  /** The next line as keepalived's read_line() would return it, or undefined at the end. */
  nextLine(): LogicalLine | undefined {
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) return undefined;
      let text: string;
      let pos: Pos;
      let noDollar = false;
      if (top.kind === 'file') {
        if (top.next >= top.lines.length) {
          this.stack.pop();
          this.endPendingDef();
          continue;
        }
        let raw = top.lines[top.next++]!;
        top.line++;
        // The last element after the final '\n' is not a line.
        if (top.next === top.lines.length && raw === '') continue;
        pos = { file: top.file, line: top.line };
        if (top.line === 1 && raw.startsWith('\uFEFF')) {
          this.report('warning', pos, 'file starts with a UTF-8 byte order mark; keepalived reads it as part of the first word');
        }
        raw = this.checkRawLine(raw, pos);
        if (raw.length === 0) {
          // keepalived ends a multi-line definition at an empty line.
          this.endPendingDef();
          continue;
        }
        const d = decomment(raw);
        if (d.unterminatedQuote) this.report('error', pos, `Unterminated quote '${truncateForMessage(d.text)}'`);
        text = d.text;
        // A line that is only blanks or a comment neither continues nor ends a definition.
        if (text.length === 0) continue;
        if (this.pendingDef) {
          this.continueDefinition(text);
          continue;
        }
      } else if (top.kind === 'queue') {
        if (top.next >= top.items.length) {
          this.stack.pop();
          continue;
        }
        text = top.items[top.next++]!;
        noDollar = top.noDollar === true;
        pos = { file: top.file, line: top.line };
        if (top.generated && !this.chargeGenerated(1)) {
          this.dropGenerated();
          continue;
        }
      } else {
        const row = top.rows.next();
        if (row.done) {
          this.stack.pop();
          continue;
        }
        if (!this.chargeGenerated(1)) {
          this.dropGenerated();
          continue;
        }
        top.spec.vars.forEach((v, i) => this.params.define(v, row.value[i] ?? ''));
        text = top.spec.text;
        pos = { file: top.file, line: top.line };
      }
      const line = this.preprocess(text, pos, noDollar);
      if (line !== undefined) return line;
    }
  }

  /** Drops every generated source above the innermost file (after the generation limit was hit). */
  private dropGenerated(): void {
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.kind !== 'file') this.stack.pop();
  }

  private checkRawLine(raw: string, pos: Pos): string {
    let line = raw;
    if (line.endsWith('\r')) line = line.replace(/\r+$/, '');
    const nul = line.indexOf('\0');
    if (nul >= 0) {
      this.report('error', pos, 'NUL byte in line - the rest of the line is ignored (as keepalived does)');
      line = line.slice(0, nul);
    }
    if (line.length > MAX_RAW_LINE) {
      this.report('error', pos, `line is ${line.length} characters long, more than the ${MAX_RAW_LINE} accepted - ignored`);
      return '';
    }
    if (line.length >= KEEPALIVED_LINE_BUFFER - 1 && Buffer.byteLength(line) >= KEEPALIVED_LINE_BUFFER - 1) {
      this.report('warning', pos, `line is ${Buffer.byteLength(line)} bytes long; keepalived 2.2.7 reads lines in 1023-byte pieces and would split it`);
    }
    return line;
  }

  private continueDefinition(text: string): void {
    const def = this.pendingDef!;
    if (text.endsWith('\\')) {
      const body = text.slice(0, -1).replace(/[ \t]+$/, '');
      // A line holding only the `\` adds nothing (keepalived skips such blank lines).
      if (body.length > 0) def.value += `${body}\n`;
    } else {
      // keepalived decides "multi-line" before adding the last line: `$A=\` + `k` is a one-line "k".
      if (def.value.length === 0) def.multiline = false;
      def.value += text;
      this.pendingDef = undefined;
    }
  }

  private endPendingDef(): void {
    const def = this.pendingDef;
    if (!def) return;
    this.pendingDef = undefined;
    // keepalived keeps a continued definition multi-line unless it ended up empty.
    if (def.value.length === 0) def.multiline = false;
  }

  /**
   * Applies `@ID`, definitions, ~SEQ/~LST, parameter expansion, include and brace splitting to one
   * line; returns the logical line to parse, or undefined if the line was consumed.
   */
  private preprocess(input: string, pos: Pos, knownNoDollar: boolean): LogicalLine | undefined {
    let text = input;
    let noDollar = knownNoDollar;
    for (let round = 0; ; round++) {
      if (text[0] === '@') {
        const negate = text[1] === '^';
        const idStart = negate ? 2 : 1;
        const m = /[ \t]/.exec(text.slice(idStart));
        if (!m) return undefined; // nothing after the id: keepalived drops the line
        const id = text.slice(idStart, idStart + m.index);
        if ((id === this.configId) === negate) return undefined;
        text = text.slice(idStart + m.index).replace(/^[ \t]+/, '');
      }
      if (text[0] === '$') {
        const def = parseDefinitionLine(text);
        if (def) {
          this.define(def.name, def.value, def.continued, pos);
          return undefined;
        }
      }
      if (text.startsWith('~SEQ') || text.startsWith('~LST')) {
        this.startSequence(text, pos);
        return undefined;
      }
      if (text[0] === '~') break;
      if (noDollar || !text.includes('$')) {
        noDollar = true;
        break;
      }
      if (this.totalSubstitutions >= MAX_TOTAL_SUBSTITUTIONS) {
        if (!this.substitutionLimitReported) {
          this.substitutionLimitReported = true;
          this.report('error', pos, `more than ${MAX_TOTAL_SUBSTITUTIONS} parameter substitutions in this configuration - no further expansion`);
        }
        break;
      }
      const r = this.params.expand(text, EXPAND_LIMITS);
      this.totalSubstitutions += Math.max(1, r.substitutions);
      if (r.error) this.report('error', pos, r.error);
      if (r.extraLines.length > 0) {
        // keepalived expands a multi-line definition that uses itself until it runs out of memory
        const active = new Set(this.stack.flatMap((src) => (src.kind === 'queue' ? src.expanding ?? [] : [])));
        const recursive = r.multiline.find((name) => active.has(name));
        if (recursive !== undefined) {
          this.report('error', pos, `multi-line definition $${recursive} uses itself - its lines are not expanded again`);
        } else if (this.chargeGenerated(r.extraLines.length)) {
          this.pushGenerated({ kind: 'queue', items: r.extraLines, next: 0, file: pos.file, line: pos.line, generated: false, expanding: r.multiline }, pos);
        }
      }
      if (!r.replaced || r.error) {
        text = r.text;
        break;
      }
      // What a parameter inserted is read like the rest of the line: `#` or `!` in it start a comment
      // (and keepalived reports an unterminated quote again, with the expanded text).
      const again = decomment(r.text);
      if (again.unterminatedQuote) this.report('error', pos, `Unterminated quote '${truncateForMessage(again.text)}'`);
      text = again.text;
      if (!(text[0] === '@' || text.includes('$'))) break;
      if (round > EXPAND_LIMITS.maxSubstitutions) break;
    }
    if (text.length === 0) return undefined;
    if (this.tryInclude(text, pos)) return undefined;
    const split = splitAtBrace(text);
    if (split.residue !== undefined) {
      this.pushGenerated({ kind: 'queue', items: [split.residue], next: 0, file: pos.file, line: pos.line, generated: false, noDollar }, pos);
    }
    if (split.head.length === 0) return undefined;
    return { text: split.head, file: pos.file, line: pos.line };
  }

  private define(name: string, value: string, continued: boolean, pos: Pos): void {
    if (name.startsWith('_')) {
      const builtin = this.params.get(name)?.compute !== undefined;
      this.report('warning', pos, builtin
        ? `definition of \$${name} replaces keepalived's predefined \${${name}}`
        : `parameter names starting with '_' are reserved for keepalived's predefined parameters (\$${name})`);
    }
    const def = this.params.define(name, continued ? (value.length > 0 ? `${value}\n` : '') : value, continued);
    if (continued) this.pendingDef = def;
  }

  private startSequence(text: string, pos: Pos): void {
    const parsed = text.startsWith('~SEQ')
      ? parseSeq(text, (s) => {
        const r = this.params.expand(s, EXPAND_LIMITS);
        return r.extraLines.length > 0 ? undefined : r.text;
      })
      : parseLst(text);
    if (!parsed.ok) {
      for (const m of parsed.messages) this.report('error', pos, m);
      return;
    }
    if (parsed.spec.count <= 0) return;
    if (this.generated + parsed.spec.count > this.maxGenerated) {
      this.report('error', pos, `${text.slice(0, 4)} would repeat its line ${parsed.spec.count} times, more than the ${this.maxGenerated - this.generated} generated lines still allowed - ignored`);
      return;
    }
    this.pushGenerated({ kind: 'seq', spec: parsed.spec, rows: parsed.spec.rows[Symbol.iterator](), file: pos.file, line: pos.line }, pos);
  }

  /** `include PATTERN` and its checking variants; returns true if the line was an include. */
  private tryInclude(text: string, pos: Pos): boolean {
    const m = /^(include[rmwba]?)[ \t\f\v]+(.*)$/.exec(text);
    if (!m) return false;
    const checks = new Set<IncludeCheck>([...INCLUDE_KEYWORDS[m[1]!]!, ...this.defaultChecks]);
    const pattern = m[2]!.replace(/[ \t]+$/, '');
    if (pattern.length === 0) return false;
    const sev = (check: IncludeCheck): Severity => (checks.has(check) ? 'error' : 'warning');
    let checkFailed = false;
    const say = (check: IncludeCheck, message: string): void => {
      if (checks.has(check)) checkFailed = true;
      this.report(sev(check), pos, message);
    };
    const alternatives = expandBraces(pattern);
    if (!alternatives) {
      this.report('error', pos, `include '${truncateForMessage(pattern)}': brace expansion gives too many file names - skipping`);
      return true;
    }
    const baseDir = this.currentDir();
    let matchesPerAlt: GlobMatch[][];
    try {
      matchesPerAlt = alternatives.map((alt) => (alt.length > 0 ? globPattern(alt, baseDir, this.maxGlobEntries) : []));
    } catch (e) {
      if (!(e instanceof GlobTooLargeError)) throw e;
      this.report('error', pos, e.message);
      return true;
    }
    const braced = alternatives.length > 1 || alternatives[0] !== pattern;
    if (!braced) {
      if (matchesPerAlt[0]!.length === 0) {
        if (hasWildcard(pattern)) {
          if (checks.has('wildcard_match')) say('wildcard_match', `No config files matched '${pattern}'.`);
        } else say('match', `Config files missing '${pattern}'.`);
      }
    } else {
      const literalMissing = alternatives.filter((alt, i) => !hasWildcard(alt) && matchesPerAlt[i]!.length === 0).length;
      const anyMatch = matchesPerAlt.some((ms) => ms.length > 0);
      if (!anyMatch && literalMissing > 0) say('brace_match', `Config files missing '${pattern}'.`);
      else if (literalMissing > 0) say('brace_match', `Some config files missing: "${pattern}".`);
    }
    const matches = matchesPerAlt.flat();
    // keepalived reads none of the files when a match check the include asked for fails (an
    // unreadable file is only skipped, in its turn).
    if (checkFailed) return true;
    const toRead: { shown: string; absolute: string }[] = [];
    const chain = this.stack.filter((s): s is FileSource => s.kind === 'file');
    for (const match of matches) {
      if (match.isDirectory) {
        this.report(sev('readable'), pos, `Configuration file '${match.shown}' is a directory - skipping`);
        continue;
      }
      if (chain.some((f) => f.absolute === match.absolute)) {
        const names = [...chain.map((f) => f.file), match.absolute].join(' -> ');
        this.report('error', pos, `include loop: ${names} - skipping '${match.shown}'`);
        continue;
      }
      if (chain.length >= this.maxIncludeDepth) {
        this.report('error', pos, `includes nested more than ${this.maxIncludeDepth} deep - skipping '${match.shown}'`);
        continue;
      }
      toRead.push(match);
    }
    // Push the files so that the first match is read first, each after the previous one ends.
    const pushed: FileSource[] = [];
    for (const f of toRead) {
      const before = this.stack.length;
      if (this.pushFile(f.shown, f.absolute, pos, sev('readable'))) pushed.push(this.stack.splice(before, 1)[0] as FileSource);
    }
    for (let i = pushed.length - 1; i >= 0; i--) this.stack.push(pushed[i]!);
    return true;
  }
}

function run(reader: Reader, opts: ReadOptions): ReadResult {
  let nodes: ConfigNode[] = [];
  const lines: ConfigLine[] | undefined = opts.keepLines || opts.blockKind ? [] : undefined;
  try {
    nodes = buildTree(reader, opts.maxDepth ?? 64, lines, opts.blockKind !== undefined);
    if (opts.blockKind) {
      const replay = replayBlocks(lines!, opts.blockKind, opts.maxDepth ?? 64);
      nodes = replay.nodes;
      for (const d of replay.diagnostics) reader.report(d.severity, d, d.message);
    }
  } catch (e) {
    // Nothing above is expected to throw; if it does, the operator still gets a diagnostic, not a trace.
    reader.report('error', { file: reader.files[0] ?? '', line: 0 }, `internal error while reading the configuration: ${(e as Error).message}`);
  }
  reader.finishDiagnostics();
  return opts.keepLines && lines ? { nodes, diagnostics: reader.diagnostics, files: reader.files, lines } : { nodes, diagnostics: reader.diagnostics, files: reader.files };
}

/** Reads a keepalived configuration file and everything it includes. */
export function readConfig(path: string, opts: ReadOptions = {}): ReadResult {
  const reader = new Reader(opts);
  reader.pushMainFiles(path);
  return run(reader, opts);
}

/** Reads configuration text as if it were the file `file` (includes resolve relative to its directory). */
export function readConfigText(text: string, file: string, opts: ReadOptions = {}): ReadResult {
  const reader = new Reader(opts);
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  if (Buffer.byteLength(text) > maxBytes) {
    reader.report('error', { file, line: 0 }, `configuration text (${Buffer.byteLength(text)} bytes) exceeds the ${maxBytes}-byte limit - not read`);
    return { nodes: [], diagnostics: reader.diagnostics, files: [] };
  }
  reader.files.push(file);
  reader.chargeBytes(Buffer.byteLength(text));
  reader.pushText(text, file, resolve(file));
  return run(reader, opts);
}
