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

/**
 * Runs every child of a block through its table. Unknown keywords are errors naming the line,
 * exactly like keepalived ("Unknown keyword 'x'"); a known block keyword without a body is an error
 * too ("Missing '{'") because keepalived then cannot read it.
 */
export function runBlock<T>(children: ConfigNode[] | undefined, table: KeywordTable<T>, target: T, ctx: BuildCtx): void {
  const list = children ?? [];
  for (let i = 0; i < list.length; i++) {
    const child = list[i]!;
    const spec = Object.prototype.hasOwnProperty.call(table, child.keyword) ? table[child.keyword] : undefined;
    if (!spec) {
      ctx.error(child, `Unknown keyword '${child.keyword}'`);
      if (child.children) {
        // keepalived ignores the '{' of an unknown keyword and reads what follows as lines of the
        // current block, so its contents are checked (and applied) here.
        ctx.error(child, "Unexpected '{' - ignoring");
        runBlock(child.children, table, target, ctx);
      }
      continue;
    }
    if (spec.block === 'list' && !child.children) {
      spec.handler({ ...child, children: list.slice(i + 1) }, target, ctx);
      return;
    }
    if (spec.block && !child.children) {
      // keepalived takes the next line as the missing '{' (and reports it there), then reads the
      // rest of the enclosing block as this block's contents.
      const next = list[i + 1];
      ctx.error(next ?? child, "Missing '{' at beginning of configuration block");
      spec.handler({ ...child, children: list.slice(i + 1) }, target, ctx);
      return;
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
