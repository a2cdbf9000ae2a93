// The keyword-table machinery, in the spirit of keepalived's install_keyword(): every block has a
// table mapping keyword → handler. The walker looks each child line up in its block's table;
// a miss is keepalived's "Unknown keyword" config error (and the line is ignored).
import type { ConfigNode, Diagnostic, Severity, SourcePos } from '../tree.js';
import type { KeepalivedConfig } from '../model.js';

export interface BuildOptions {
  /** Names of interfaces that exist on this host. keepalived -t checks them (see validate). */
  interfaces?: ReadonlySet<string>;
}

/** State shared by all handlers while one configuration is built. */
export class BuildCtx {
  readonly diagnostics: Diagnostic[] = [];
  /** keepalived's exit code 6: scripts configured but script security is off. */
  securityViolation = false;

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
  /** The keyword opens a `{ … }` block of its own. */
  block?: boolean;
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
  for (const child of children ?? []) {
    const spec = Object.prototype.hasOwnProperty.call(table, child.keyword) ? table[child.keyword] : undefined;
    if (!spec) {
      ctx.error(child, `Unknown keyword '${child.keyword}'`);
      continue;
    }
    if (spec.block && !child.children) {
      ctx.error(child, `Missing '{' at beginning of configuration block '${child.keyword}'`);
      continue;
    }
    spec.handler(child, target, ctx);
  }
}
