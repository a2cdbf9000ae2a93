// Markdown table rendering for bench reports (pure).

/** Escape what would break a markdown table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * A GitHub-flavoured markdown table, columns padded to equal width so the text form reads well on a
 * terminal too. Rows shorter than the header are filled with empty cells; longer ones are an error,
 * because a silently dropped figure is worse than a crash in a report.
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const r of rows) {
    if (r.length > header.length) throw new Error(`row has ${r.length} cells, header has ${header.length}: ${r.join(' | ')}`);
  }
  const all = [header, ...rows].map((r) => header.map((_, i) => cell(r[i] ?? '')));
  const width = header.map((_, i) => Math.max(3, ...all.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(width[i]!)).join(' | ')} |`;
  return [line(all[0]!), `|${width.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}
