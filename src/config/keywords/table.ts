// The keyword-table machinery, in the spirit of keepalived's install_keyword(): every block has a
// table mapping keyword → handler. The walker looks each child line up in its block's table;
// a miss is keepalived's "Unknown keyword" config error (and the line is ignored).
import type { ConfigNode, Diagnostic, Severity, SourcePos } from '../tree.js';
import type { KeepalivedConfig, VrrpScriptConfig } from '../model.js';

export interface BuildOptions {
  /** Names of interfaces that exist on this host. keepalived -t checks them (see validate). */
  interfaces?: ReadonlySet<string>;
}

/** State shared by all handlers while one configuration is built. */
export class BuildCtx {
  readonly diagnostics: Diagnostic[] = [];
  /** keepalived's exit code 6: scripts configured but script security is off. */
  securityViolation = false;
  /** keepalived's exit code 4: a linkbeat interface does not exist (its VRRP child gives up). */
  linkbeatMissing = false;
  /** Second definitions of a vrrp_script name (keepalived keeps and checks them too). */
  readonly shadowedScripts: VrrpScriptConfig[] = [];
  /** interface_up_down_delays lines without a delay: an error only if the interface exists. */
  readonly upDownWithoutDelay: Array<{ name: string; pos: SourcePos }> = [];
  /** Closing braces of the blocks being read (innermost last); see runBlock. */
  readonly blockEndStack: SourcePos[] = [];
  /** Lines an inner block handed back to its enclosing block (see runBlock). */
  pendingLeftover: Array<ConfigNode | (SourcePos & { close: true })> | undefined;

  constructor(readonly model: KeepalivedConfig, readonly options: BuildOptions = {}) {}

  report(pos: SourcePos, message: string, severity: Severity = 'error'): void {
    this.diagnostics.push({ file: pos.file, line: pos.line, severity, message });
  }

  /** A config error: keepalived -t exits 5 if it saw any. */
  error(pos: SourcePos, message: string): void {
    this.report(pos, message, 'error');
  }

  /** Informational: keepalived logs it but the verdict stays clean. */
  warn(pos: SourcePos, message: string): void {
    this.report(pos, message, 'warning');
  }
}

export type Handler<T> = (node: ConfigNode, target: T, ctx: BuildCtx) => void;

export interface KeywordSpec<T> {
  handler: Handler<T>;
  /**
   * The keyword opens a `{ … }` block of its own. `'list'` = a value list (VIPs, peers, track_*):
   * keepalived reads such a list even when the `{` is missing, up to the next `}` — i.e. the rest
   * of the enclosing block — so we do the same instead of reporting an error.
   */
  block?: boolean | 'list';
  /** Accepted for compatibility only (keepalived's deprecated aliases). */
  deprecated?: boolean;
}

export type KeywordTable<T> = Record<string, KeywordSpec<T>>;

/** Builds a spec from a handler: `kw(h)`, `kw(h, { block: true })`. */
export function kw<T>(handler: Handler<T>, extra: Omit<KeywordSpec<T>, 'handler'> = {}): KeywordSpec<T> {
  return { handler, ...extra };
}

/** A `}` that keepalived sees in a place the tree does not show (see runBlock). */
interface CloseMarker extends SourcePos {
  close: true;
}
type Item = ConfigNode | CloseMarker;

function isClose(i: Item): i is CloseMarker {
  return (i as CloseMarker).close === true && !('keyword' in i);
}

/**
 * Runs every child of a block through its table. Unknown keywords are errors naming the line,
 * exactly like keepalived ("Unknown keyword 'x'").
 *
 * keepalived has no notion of an unknown block: it ignores the `{` after an unknown keyword and
 * reads the lines inside as lines of the current block; the `}` that closed the unknown block then
 * closes the current block early, and what followed belongs to the enclosing block. We replay that
 * by splicing the unknown block's children in, followed by a close marker; at a close marker the
 * rest (plus our own closing brace) is handed up to the enclosing level through ctx.
 */
export function runBlock<T>(children: ConfigNode[] | undefined, table: KeywordTable<T>, target: T, ctx: BuildCtx): void {
  let items: Item[] = [...(children ?? [])];
  while (items.length > 0) {
    const item = items.shift()!;
    if (isClose(item)) {
      const own = ctx.blockEndStack[ctx.blockEndStack.length - 1];
      if (own === undefined) {
        ctx.error(item, "Unknown keyword '}'");
        continue;
      }
      ctx.pendingLeftover = [...items, { file: own.file, line: own.line, close: true }];
      return;
    }
    const child = item;
    const spec = Object.prototype.hasOwnProperty.call(table, child.keyword) ? table[child.keyword] : undefined;
    if (!spec) {
      ctx.error(child, `Unknown keyword '${child.keyword}'`);
      if (child.children) {
        ctx.error(child, "Unexpected '{' - ignoring");
        const end = endPos(child);
        items = [...child.children, { file: end.file, line: end.line, close: true }, ...items];
      }
      continue;
    }
    if (spec.block === 'list' && child.args.length > 0) {
      ctx.error(child, `Block ${child.keyword} has extra parameters ${child.args.join(' ')} ...`);
    }
    if (spec.block && !child.children) {
      // A value list (VIPs, peers, track_*) is read up to the next `}` even without its `{`; a
      // sub-block also takes the next line as the missing `{` and reports it there.
      const upTo = items.findIndex(isClose);
      const adopted = (upTo < 0 ? items : items.slice(0, upTo)) as ConfigNode[];
      if (spec.block !== 'list') ctx.error(adopted[0] ?? child, "Missing '{' at beginning of configuration block");
      spec.handler({ ...child, children: adopted }, target, ctx);
      if (upTo < 0) return;
      items = items.slice(upTo + 1);
      continue;
    }
    if (child.children) {
      ctx.blockEndStack.push(endPos(child));
      try {
        spec.handler(child, target, ctx);
      } finally {
        ctx.blockEndStack.pop();
      }
      const leftover = ctx.pendingLeftover;
      if (leftover) {
        ctx.pendingLeftover = undefined;
        items = [...leftover, ...items];
      }
      continue;
    }
    spec.handler(child, target, ctx);
  }
}

/** Where a block ends: keepalived reports end-of-block checks at the closing brace, which the
 *  tree does not keep; the line after the last descendant is where it normally is. */
export function endPos(node: ConfigNode): SourcePos {
  // The reader records the closing brace when it saw one; otherwise a block closes on the line
  // after its last line, where nested blocks end at their own brace.
  const close = (node as { close?: SourcePos }).close;
  if (close && typeof close.line === 'number') return { file: close.file, line: close.line };
  const end = (n: ConfigNode): number => {
    if (!n.children) return n.line;
    let last = n.line;
    for (const c of n.children) if (c.file === n.file) last = Math.max(last, end(c));
    return last + 1;
  };
  return { file: node.file, line: end(node) };
}

/** Closing-brace positions of built objects (end-of-block diagnostics are reported there). */
export const blockEnds = new WeakMap<object, SourcePos>();
