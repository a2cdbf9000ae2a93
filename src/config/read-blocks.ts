// keepalived's own block structure, for code that knows the keywords. The generic tree (reader.ts)
// lets every `{` after a keyword line open that keyword's block. keepalived 2.2.7 instead decides
// per keyword: a `{` after a keyword without sub-keywords (or an unknown one) is "Unexpected '{' -
// ignoring", the lines after it are read at the SAME level, and the next `}` closes the enclosing
// block, so everything after it moves one level up. A block keyword whose next line is not `{`
// gets "Missing '{' at beginning of configuration block" and that line is read inside the block.
// replayBlocks() rebuilds the tree from the reader's flat lines (ReadOptions.keepLines) that way.
import type { ConfigNode, Diagnostic, Severity, SourcePos } from './tree.js';
import type { ConfigLine } from './reader.js';

/**
 * What a keyword line is, in the block it stands in (`ancestors`, outermost first):
 * - 'block'  : has sub-keywords (vrrp_instance, global_defs, real_server, HTTP_GET, url …)
 * - 'values' : takes a block of value lines (virtual_ipaddress, notification_email, group …)
 * - 'leaf'   : a plain keyword, or one not known here (the caller reports unknown keywords).
 */
export type BlockKind = 'block' | 'values' | 'leaf';
export type BlockKindOf = (keyword: string, ancestors: readonly ConfigNode[]) => BlockKind;

interface Frame {
  owner: ConfigNode | undefined;
  children: ConfigNode[];
  kind: 'root' | 'block' | 'values';
  /** The next line should be the `{` that opens this block. */
  needOpen: boolean;
}

export interface ReplayResult {
  nodes: ConfigNode[];
  diagnostics: Diagnostic[];
}

export function replayBlocks(lines: readonly ConfigLine[], kindOf: BlockKindOf, maxDepth = 64): ReplayResult {
  const diagnostics: Diagnostic[] = [];
  const report = (pos: SourcePos, message: string, severity: Severity = 'error'): void => {
    diagnostics.push({ severity, file: pos.file, line: pos.line, message });
  };
  const root: ConfigNode[] = [];
  const frames: Frame[] = [{ owner: undefined, children: root, kind: 'root', needOpen: false }];
  const ancestors = (): ConfigNode[] => frames.slice(1).map((f) => f.owner!);
  for (const line of lines) {
    const frame = frames[frames.length - 1]!;
    const first = line.words[0];
    if (first === undefined) continue;
    if (frame.needOpen) {
      frame.needOpen = false;
      if (first === '{') continue;
      // keepalived reads the line anyway, inside the block that never opened
      // (keepalived only logs the value-block case; `-t` does not count it as an error)
      if (frame.kind === 'values') report(line, `'{' missing from beginning of block ${frame.owner!.keyword}`, 'warning');
      else report(line, `Missing '{' at beginning of configuration block`);
    } else if (first === '{') {
      report(line, `Unexpected '{' - ignoring`);
      continue;
    }
    if (first === '}') {
      if (frames.length > 1) {
        frames.pop();
        frame.owner!.close = { file: line.file, line: line.line };
      }
      // At the top keepalived looks `}` up as a keyword (the reader may also have said "Extra '}' found").
      else report(line, `Unknown keyword '}'`);
      continue;
    }
    const node: ConfigNode = { keyword: first, args: line.words.slice(1), file: line.file, line: line.line, raw: line.text };
    frame.children.push(node);
    if (frame.kind === 'values') continue; // value lines are not keywords
    const kind = kindOf(node.keyword, ancestors());
    if (kind === 'leaf') continue;
    if (frames.length > maxDepth) {
      // consumers walk the tree recursively: keep it shallow whatever the caller's table says
      report(line, `blocks nested more than ${maxDepth} deep - '${node.keyword}' is read as a plain keyword`);
      continue;
    }
    // a quoted "{" as the last word (the reader splits unquoted ones off) opens the block at once
    const trailingOpen = node.args.length > 0 && node.args[node.args.length - 1] === '{';
    if (trailingOpen) node.args = node.args.slice(0, -1);
    node.children = [];
    frames.push({ owner: node, children: node.children, kind, needOpen: !trailingOpen });
  }
  return { nodes: root, diagnostics };
}
