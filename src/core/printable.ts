/**
 * Text from outside jit (a VM name or tag, a rule's name, description or tags, a requester, a
 * config file, a cloud's error message) made safe to print on a terminal.
 *
 * Anyone who can write a tag or a rule description can put control characters in it, and a
 * terminal acts on them: ESC starts sequences that set the window title (OSC 0), recolour or move
 * the cursor (CSI), CR/LF start what looks like a new line of jit's own output, and 8-bit C1
 * codes (U+0080–U+009F; U+009B is CSI, U+009C ends an OSC string) are acted on by terminals in
 * UTF-8 mode too (PuTTY's wishlist entry "window-title-utf8-early-termination" shows U+009C acting
 * as ST inside a window title). Bidi overrides and isolates (U+202A–U+202E, U+2066–U+2069, the
 * "Trojan Source" characters of CVE-2021-42574) reorder what is shown so that it reads
 * differently from what it is. Each such character is shown as a visible escape (`\x1b`, `\r`,
 * `\u202e`), so the text stays readable, the attempt stays visible, and nothing is acted on.
 * Line and paragraph separators (U+2028, U+2029) are escaped too: some renderers break lines on them.
 *
 * Callers apply this to values before colouring them, so chalk's own sequences still work.
 */

// C0 controls and DEL, C1 controls, bidi embeddings/overrides and isolates, line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The longest a value quoted inside a message may be before it is cut (see `printable`). */
export const QUOTE_LIMIT = 80;

/**
 * `text` with every control, C1 and bidi-override character escaped; with `maxLength`, cut to at
 * most that many characters of the original, followed by `…(N more characters)`: a 10 KB tag
 * quoted in an error message is evidence, not something to scroll through. The cut is made before
 * escaping, so an escape is never split.
 */
export function printable(text: string, maxLength?: number): string {
  return cutThen(text, maxLength, (kept) => kept.replace(UNSAFE, escapeChar));
}

// As UNSAFE, but a line feed followed by two spaces (an indented continuation line) is let through.
const UNSAFE_BUT_INDENTED_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\n(?! {2})/gu;

/**
 * As `printable`, but keeps the line feeds of jit's own multi-line messages, whose continuation
 * lines are indented (an ambiguous VM name lists its candidates as `\n  <id>`). Any other line feed
 * is escaped, so quoted data can at worst add an indented line under the message, never a line that
 * starts at the margin as jit's own `error:` or result lines do.
 */
export function printableLines(text: string, maxLength?: number): string {
  return cutThen(text, maxLength, (kept) => kept.replace(UNSAFE_BUT_INDENTED_LINES, escapeChar));
}

function cutThen(text: string, maxLength: number | undefined, escape: (kept: string) => string): string {
  if (maxLength === undefined || text.length <= maxLength) return escape(text);
  const chars = Array.from(text);
  if (chars.length <= maxLength) return escape(text);
  return `${escape(chars.slice(0, maxLength).join(''))}…(${chars.length - maxLength} more characters)`;
}

/** A value quoted in a message: printable, cut at QUOTE_LIMIT, in double quotes. */
export function quoted(value: string, maxLength = QUOTE_LIMIT): string {
  return `"${printable(value, maxLength)}"`;
}

/**
 * A JSON document safe to print. JSON.stringify already writes C0 controls as `\u00XX` escapes,
 * but leaves DEL, C1 controls, bidi overrides and U+2028/U+2029 as raw characters (ECMA-262
 * QuoteJSONString, https://tc39.es/proposal-well-formed-stringify: only code units below U+0020
 * and lone surrogates are escaped).
 * Those can only occur inside JSON strings, so writing them as `\uXXXX` gives a document that
 * parses to exactly the same value.
 */
export function terminalSafeJson(data: unknown, indent = 2): string {
  return JSON.stringify(data, null, indent).replace(
    /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Last line of defence for finished human output, which holds chalk's colours and newlines: keeps
 * `\n` and SGR colour sequences (ESC [ digits ; m), escapes every other control character, so a
 * value a renderer forgot to pass through `printable` can at worst change a colour, never the
 * window title, the cursor or the lines around it.
 */
export function stripUnsafeControls(text: string): string {
  return text.replace(/(\u001b\[[0-9;]*m)|\n|[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, (match, sgr: string | undefined) =>
    sgr !== undefined || match === '\n' ? match : escapeChar(match),
  );
}
