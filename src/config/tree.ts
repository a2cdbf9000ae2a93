// The generic configuration tree: what the keepalived.conf language front end (lexer + preprocessor)
// produces, before any keyword knowledge is applied. Every node remembers where it came from so that
// every later error can name file:line, as keepalived does.

export interface SourcePos {
  file: string; // path as the operator wrote it (resolved include paths are absolute)
  line: number; // 1-based
}

/** One keyword line, e.g. `virtual_router_id 51`, or a block `vrrp_instance VI_1 { ... }`. */
export interface ConfigNode extends SourcePos {
  keyword: string;
  args: string[]; // words after the keyword, quotes removed, $VARs expanded
  children?: ConfigNode[]; // present iff the line opened a block
  /** The line's text after comments, parameters and brace splitting, before word splitting: keywords
   *  that take a command line (notify scripts, `script`) re-split it with lexer.splitQuotedEscaped. */
  raw?: string;
  /** Where the `}` that closed this node's block stands (absent if the block was never closed). */
  close?: SourcePos;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic extends SourcePos {
  severity: Severity;
  message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}: ${d.severity}: ${d.message}`;
}
