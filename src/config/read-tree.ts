// The generic configuration tree, built from the reader's logical lines (see reader.ts).
import type { ConfigNode, Severity, SourcePos } from './tree.js';
import { splitWords } from './lexer.js';
import { truncateForMessage } from './params.js';
import type { ConfigLine } from './reader.js';

type Pos = SourcePos;

/** One line as the reader hands it over: comments, parameters, includes and brace splitting done. */
export interface LogicalLine extends Pos { text: string }

/** What buildTree needs from the reader. */
export interface LineSource {
  nextLine(): LogicalLine | undefined;
  report(severity: Severity, pos: Pos, message: string): void;
  /** global_defs `include_check` acts while reading: it changes the includes after it. */
  setIncludeChecks(node: ConfigNode): void;
}

interface Level {
  children: ConfigNode[];
  /** The keyword whose block this is (undefined at the top and for flattened levels). */
  owner?: ConfigNode;
  /** A block past maxDepth: its lines stay in the parent. */
  flattened: boolean;
}

/**
 * Builds the tree from logical lines. Two things are tracked, as keepalived does:
 * - structure, from the first WORD of a line (so a quoted "{" counts): `{` right after a keyword
 *   line opens that keyword's block, `}` closes the innermost block;
 * - brace balance, from lines that are exactly `{` or `}` (keepalived's read_line counter): it
 *   gives "Extra '}' found" and "There are N missing '}'s or extra '{'s".
 * With keywordAware (ReadOptions.blockKind) the structural messages come from replayBlocks instead.
 */
export function buildTree(reader: LineSource, maxDepth: number, lines?: ConfigLine[], keywordAware = false): ConfigNode[] {
  const root: ConfigNode[] = [];
  const levels: Level[] = [{ children: root, flattened: false }];
  const openBraces: Pos[] = []; // positions of the `{` lines not yet balanced
  let realDepth = 0;
  let depthReported = false;
  let previous: ConfigNode | undefined; // the node on the line just before, if it may take a block
  for (let line = reader.nextLine(); line !== undefined; line = reader.nextLine()) {
    const pos: Pos = { file: line.file, line: line.line };
    if (line.text === '{') openBraces.push(pos);
    else if (line.text === '}') {
      if (openBraces.length === 0) reader.report('error', pos, `Extra '}' found`);
      else openBraces.pop();
    }
    const { words, unmatchedQuote } = splitWords(line.text);
    if (unmatchedQuote) reader.report('error', pos, `Unmatched quote: '${truncateForMessage(line.text)}'`);
    if (words.length === 0) {
      previous = undefined;
      continue;
    }
    if (lines) lines.push({ file: line.file, line: line.line, text: line.text, words });
    // keepalived looks only at the first word of a brace line; the rest of it is ignored
    if (words[0] === '{') {
      if (previous && realDepth < maxDepth) {
        previous.children = [];
        levels.push({ children: previous.children, owner: previous, flattened: false });
        realDepth++;
      } else if (previous) {
        if (!depthReported) {
          depthReported = true;
          reader.report('error', pos, `blocks nested more than ${maxDepth} deep - deeper blocks are flattened into their parent`);
        }
        levels.push({ children: levels[levels.length - 1]!.children, flattened: true });
      } else if (!keywordAware) reader.report('error', pos, `Unexpected '{' - ignoring`);
      previous = undefined;
      continue;
    }
    if (words[0] === '}') {
      if (levels.length > 1) {
        const closed = levels.pop()!;
        if (!closed.flattened) realDepth--;
        if (closed.owner) closed.owner.close = pos;
      } else if (!keywordAware) reader.report('error', pos, `Unknown keyword '}'`); // as keepalived, besides the counter's message
      previous = undefined;
      continue;
    }
    // A quoted "{" as the last word opens the block, as keepalived strips a trailing "{" word.
    const opensBlock = words.length > 1 && words[words.length - 1] === '{';
    const node: ConfigNode = { keyword: words[0]!, args: words.slice(1, opensBlock ? -1 : undefined), file: line.file, line: line.line, raw: line.text };
    const level = levels[levels.length - 1]!;
    level.children.push(node);
    previous = node;
    if (opensBlock) {
      if (realDepth < maxDepth) {
        node.children = [];
        levels.push({ children: node.children, owner: node, flattened: false });
        realDepth++;
      } else {
        if (!depthReported) {
          depthReported = true;
          reader.report('error', pos, `blocks nested more than ${maxDepth} deep - deeper blocks are flattened into their parent`);
        }
        levels.push({ children: level.children, flattened: true });
      }
      previous = undefined;
    }
    // `include_check` changes how the includes after it are read, so it acts while reading.
    if (node.keyword === 'include_check' && levels.length === 2 && level.owner?.keyword === 'global_defs') reader.setIncludeChecks(node);
  }
  if (openBraces.length > 0) {
    reader.report('error', openBraces[0]!, `There are ${openBraces.length} missing '}'s or extra '{'s (the first unbalanced '{' is here)`);
  }
  return root;
}
