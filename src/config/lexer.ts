// Line-level lexing of the keepalived.conf language, following keepalived 2.2.7 as observed with
// `keepalived -t` (see test/fixtures/lang/KEEPALIVED-BEHAVIOUR.md). Everything here is a pure
// function of one line of text; the reader (reader.ts) drives files, parameters and blocks.

/** Whitespace as keepalived's word splitter sees it (space, tab, form feed, newline, CR, vertical tab). */
const WORD_SPACE = new Set([' ', '\t', '\f', '\n', '\r', '\v']);

export function isWordSpace(ch: string): boolean {
  return WORD_SPACE.has(ch);
}

/** Blanks as keepalived's line trimming sees them: only space and tab. */
function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t';
}

export interface DecommentResult {
  /** The line without leading/trailing blanks and without its comment. */
  text: string;
  /** A `"` was opened and never closed (keepalived: "Unterminated quote '…'"). */
  unterminatedQuote: boolean;
  /** The line ended in a lone `\` (kept at the end of `text`): continues a `$NAME=` definition. */
  continued: boolean;
}

/**
 * Removes a `#` or `!` comment (not inside double quotes), the backslash of `\#` and `\!` outside
 * quotes, leading and trailing blanks. Single quotes do NOT protect comment characters: keepalived's
 * comment stripper only knows double quotes. A trailing lone backslash is kept (with blanks before
 * it removed) because it marks a multi-line definition.
 */
export function decomment(line: string): DecommentResult {
  let start = 0;
  while (isBlank(line[start])) start++;
  let out = '';
  let inQuote = false;
  let commentAt = -1; // index in `out` where the comment starts
  let continued = false;
  for (let i = start; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"') {
      if (commentAt < 0) inQuote = !inQuote;
      out += ch;
    } else if (ch === '\\') {
      if (i + 1 >= line.length) {
        continued = true;
        break;
      }
      const next = line[i + 1]!;
      // `\#` and `\!` outside quotes stand for the literal character; other escapes stay as they
      // are for the keyword that wants them (scripts interpret them later).
      if (!inQuote && (next === '#' || next === '!')) out += next;
      else out += ch + next;
      i++;
    } else {
      if (!inQuote && commentAt < 0 && (ch === '!' || ch === '#')) commentAt = out.length;
      out += ch;
    }
  }
  if (commentAt >= 0) out = out.slice(0, commentAt);
  let end = out.length;
  while (end > 0 && isBlank(out[end - 1])) end--;
  out = out.slice(0, end);
  if (continued) out += '\\';
  return { text: out, unterminatedQuote: inQuote, continued };
}

export interface WordsResult {
  words: string[];
  /** A word started with `"` that was never closed; the words before it are kept. */
  unmatchedQuote: boolean;
}

/**
 * keepalived's generic word splitter (used for every keyword line): words are separated by
 * whitespace; a word that STARTS with `"` runs to the next `"` and loses its quotes (inner spaces
 * kept); a `"` in the middle of a word ends that word. No escapes, and `'` is an ordinary character.
 */
export function splitWords(text: string): WordsResult {
  const words: string[] = [];
  let i = 0;
  const n = text.length;
  for (;;) {
    while (i < n && WORD_SPACE.has(text[i]!)) i++;
    if (i >= n) break;
    if (text[i] === '"') {
      const close = text.indexOf('"', i + 1);
      if (close < 0) return { words, unmatchedQuote: true };
      words.push(text.slice(i + 1, close));
      i = close + 1;
    } else {
      const begin = i;
      while (i < n && !WORD_SPACE.has(text[i]!) && text[i] !== '"') i++;
      words.push(text.slice(begin, i));
    }
  }
  return { words, unmatchedQuote: false };
}

export interface QuotedWordsResult {
  words: string[];
  /** Why splitting stopped early (keepalived then ignores the whole line's arguments). */
  error?: string;
}

/**
 * The splitter keepalived uses for command lines (notify scripts, `script`, `misc_path`…): `"…"`
 * and `'…'` quote parts of a word (quotes can start mid-word and are removed), backslash escapes
 * work inside and outside quotes: \a \b \E \f \n \r \t \v, \xHH…, \NNN (octal, up to 3 digits),
 * \cX (control character), and any other `\c` stands for `c`.
 */
export function splitQuotedEscaped(text: string): QuotedWordsResult {
  const words: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && WORD_SPACE.has(text[i]!)) i++;
    if (i >= n) break;
    let word = '';
    let quote = '';
    for (;;) {
      if (i >= n) {
        if (quote) return { words, error: `String '${text}': missing terminating ${quote}` };
        break;
      }
      const ch = text[i]!;
      if (ch === '\\') {
        i++;
        if (i >= n) return { words, error: `Missing escape char at end: '${text}'` };
        const [decoded, used] = decodeEscape(text, i);
        word += decoded;
        i += used;
        continue;
      }
      if (quote) {
        if (ch === quote) quote = '';
        else word += ch;
        i++;
        continue;
      }
      if (ch === '"' || ch === "'") {
        quote = ch;
        i++;
        continue;
      }
      if (WORD_SPACE.has(ch)) break;
      word += ch;
      i++;
    }
    words.push(word);
  }
  return { words };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', E: '\x1b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

function isHex(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9a-fA-F]$/.test(ch);
}

/** Decodes the escape whose first character (after the backslash) is at text[i]. */
function decodeEscape(text: string, i: number): [string, number] {
  const ch = text[i]!;
  if (ch === 'x' && isHex(text[i + 1])) {
    // keepalived accumulates every following hex digit into one (8-bit) char.
    let j = i + 1;
    let value = 0;
    while (isHex(text[j])) value = ((value << 4) | parseInt(text[j++]!, 16)) & 0xff;
    return [String.fromCharCode(value), j - i];
  }
  if (ch === 'c' && i + 1 < text.length) {
    return [String.fromCharCode(text.charCodeAt(i + 1) & 0x1f), 2];
  }
  if (ch >= '0' && ch <= '7') {
    let j = i;
    let value = 0;
    while (j < i + 3 && text[j] !== undefined && text[j]! >= '0' && text[j]! <= '7') {
      value = value * 8 + (text.charCodeAt(j) - 48);
      j++;
    }
    return [String.fromCharCode(value & 0xff), j - i];
  }
  return [SIMPLE_ESCAPES[ch] ?? ch, 1];
}

export interface BraceSplit {
  /** What this line is, after splitting at the first brace. */
  head: string;
  /** The rest, starting at the brace (or after a leading brace), to be read as the next line. */
  residue: string | undefined;
}

/**
 * keepalived turns every `{` and `}` outside double quotes into a line of its own: a line that
 * starts with a brace is just that brace (the rest follows as the next line); otherwise the line
 * ends before its first brace. Only `"…"` pairs hide braces; an unpaired `"` stops the search.
 */
export function splitAtBrace(text: string): BraceSplit {
  let pos = -1;
  if (text[0] === '{' || text[0] === '}') {
    pos = 0;
  } else {
    let i = 0;
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === '{' || ch === '}') { pos = i; break; }
      if (ch === '"') {
        const close = text.indexOf('"', i + 1);
        if (close < 0) break;
        i = close + 1;
        continue;
      }
      i++;
    }
  }
  if (pos < 0) return { head: trimEndBlanks(text), residue: undefined };
  if (pos === 0) {
    let j = 1;
    while (isBlank(text[j])) j++;
    const rest = trimEndBlanks(text.slice(j));
    return { head: text[0]!, residue: rest.length > 0 ? rest : undefined };
  }
  const rest = trimEndBlanks(text.slice(pos));
  return { head: trimEndBlanks(text.slice(0, pos)), residue: rest.length > 0 ? rest : undefined };
}

export function trimEndBlanks(s: string): string {
  let end = s.length;
  while (end > 0 && isBlank(s[end - 1])) end--;
  return end === s.length ? s : s.slice(0, end);
}

export function trimStartBlanks(s: string): string {
  let i = 0;
  while (isBlank(s[i])) i++;
  return i === 0 ? s : s.slice(i);
}
