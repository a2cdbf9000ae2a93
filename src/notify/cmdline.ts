// keepalived-compatible splitting of a script command line into argv words.
//
// keepalived never hands notify/track script lines to a shell: the configured string is split into
// words by its own rules and exec'd directly (execve). The rules (checked against keepalived 2.2.7):
//   - words are separated by blanks (space, tab, CR, LF);
//   - '...' and "..." group text into one word; the quotes are removed; no nesting, and the other
//     quote character is literal inside a quoted part;
//   - a backslash escapes the next character everywhere (also inside quotes): \a \b \E \f \n \r \t \v,
//     \xHH.., \cX (control char), \N, \NN, \NNN (octal); any other char is taken literally;
//   - an unterminated quote or a trailing lone backslash is an error (keepalived then ignores the
//     script) - except, as in keepalived, a quote opened with nothing left to read after it.
// A quoted empty word ("" or '') yields an empty argument, as in keepalived.

export type ParseResult = { ok: true; argv: string[] } | { ok: false; error: string };

const BLANKS = new Set([' ', '\t', '\r', '\n', '\f', '\v']);
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isOct = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';

/** Decode the escape sequence starting after a backslash at text[i]; returns the char and next index. */
function decodeEscape(text: string, i: number): { ch: string; next: number } {
  const c = text[i];
  if (c === 'x' && isHex(text[i + 1])) {
    let v = 0;
    let j = i + 1;
    // keepalived keeps consuming hex digits into an 8-bit char (older digits shift out).
    while (isHex(text[j])) { v = ((v << 4) | parseInt(text[j] as string, 16)) & 0xff; j++; }
    return { ch: String.fromCharCode(v), next: j };
  }
  if (c === 'c' && text[i + 1] !== undefined) {
    return { ch: String.fromCharCode((text.charCodeAt(i + 1)) & 0x1f), next: i + 2 };
  }
  if (isOct(c)) {
    let v = 0;
    let j = i;
    while (j < i + 3 && isOct(text[j])) { v = (v << 3) + (text.charCodeAt(j) - 48); j++; }
    return { ch: String.fromCharCode(v & 0xff), next: j };
  }
  return { ch: SIMPLE_ESCAPES[c as string] ?? (c as string), next: i + 1 };
}

/** Split one keepalived script command string into argv. Never throws. */
export function parseScriptCommand(text: string): ParseResult {
  const argv: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && BLANKS.has(text[i] as string)) i++;
    if (i >= n) break;
    let word = '';
    let quote: string | undefined;
    for (; i < n; ) {
      const c = text[i] as string;
      if (c === '\\') {
        if (i + 1 >= n) return { ok: false, error: `missing escaped character at end of '${text}'` };
        const { ch, next } = decodeEscape(text, i + 1);
        word += ch;
        i = next;
        continue;
      }
      if (quote !== undefined) {
        if (c === quote) {
          quote = undefined;
          i++;
          continue;
        }
        // Take the text up to the closing quote or the next backslash. keepalived reports the
        // missing quote only here, when text remains and neither follows; a quote opened as the
        // very last character (or left open after a final escape) is silently accepted.
        const q = text.indexOf(quote, i);
        const b = text.indexOf('\\', i);
        const stop = q < 0 ? b : b < 0 ? q : Math.min(q, b);
        if (stop < 0) return { ok: false, error: `string '${text}': missing terminating ${quote}` };
        word += text.slice(i, stop);
        i = stop;
        continue;
      }
      if (c === '"' || c === "'") { quote = c; i++; continue; }
      if (BLANKS.has(c)) break;
      word += c;
      i++;
    }
    argv.push(word);
  }
  if (argv.length === 0) return { ok: false, error: 'empty script command' };
  return { ok: true, argv };
}

/** Render argv for logs the way keepalived does: every word single-quoted, ' escaped as '\''. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

/**
 * Split a script command as it arrives from the configuration model (the keyword's argument with
 * its outer quotes removed and nothing else decoded, like keepalived's alloc_strvec_r()).
 * keepalived 2.2.7 decodes such a command twice (verified by running it): it re-reads the raw
 * config line with quotes and backslash escapes (so `"a\\b"` becomes `a\b`, `\t` a tab, `e\ f`
 * "e f"), and then splits that string with parseScriptCommand() rules (so `a\b` becomes a + BS and
 * "e f" two words). The first pass is a double-quote context: blanks and `'` are literal there.
 */
export function parseConfiguredCommand(cmd: string): ParseResult {
  if (cmd.includes('"')) return parseScriptCommand(cmd); // cannot come from a quoted config string
  const first = parseScriptCommand(`"${cmd}"`);
  if (!first.ok) return first;
  return parseScriptCommand(first.argv[0] ?? '');
}
