/**
 * Fitting human output to the terminal (docs/cli.md, "Output"): columns padded and cut by the width
 * a terminal shows, not by string length. A VM's Name tag may hold CJK or emoji, two columns each,
 * and colour codes take none. string-width (already bundled through ora) measures; the padding and
 * cutting are ours: a table of five columns does not need a table library.
 */
import stringWidth from 'string-width';

/** The width jit fits its lines to: the terminal's, or 80 when stdout is not one (or does not say). */
export const DEFAULT_WIDTH = 80;

const ANSI = /\u001b\[[0-9;]*m/y;
const segmenter = new Intl.Segmenter();

export function visibleWidth(text: string): number {
  return stringWidth(text);
}

/** Colour codes and graphemes, in order: what a cut must keep whole. */
function tokens(text: string): { text: string; width: number }[] {
  const out: { text: string; width: number }[] = [];
  let i = 0;
  while (i < text.length) {
    ANSI.lastIndex = i;
    const code = ANSI.exec(text);
    if (code) {
      out.push({ text: code[0], width: 0 });
      i += code[0].length;
      continue;
    }
    const next = text.indexOf('\u001b', i + 1);
    const plain = text.slice(i, next === -1 ? text.length : next);
    for (const { segment } of segmenter.segment(plain)) out.push({ text: segment, width: stringWidth(segment) });
    i += plain.length;
  }
  return out;
}

/** `text` cut to at most `width` columns, ending in `…` when cut; colour codes are kept. */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  let used = 0;
  let out = '';
  for (const token of tokens(text)) {
    if (token.width === 0) {
      out += token.text;
      continue;
    }
    if (used + token.width > width - 1) break;
    out += token.text;
    used += token.width;
  }
  // A reset after the cut: a colour opened before it must not run on past the ellipsis.
  return /\u001b\[/.test(out) ? `${out}\u001b[0m…` : `${out}…`;
}

/**
 * Each line wrapped at `width` columns: what a renderer did not fit itself (a long policy, a full
 * id with --verbose) continues on the next line, indented under it, never cut off. A line breaks at
 * its last space that fits, or mid-word when a word is longer than the line.
 */
export function fitLines(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => {
      if (visibleWidth(line) <= width) return [line];
      const indent = `${/^ */.exec(line)?.[0] ?? ''}  `.slice(0, Math.max(0, width - 10));
      const lines: string[] = [];
      let current: { text: string; width: number }[] = [];
      let used = 0;
      for (const token of tokens(line)) {
        if (token.width > 0 && used + token.width > width) {
          const space = current.findLastIndex((t, i) => t.text === ' ' && i > indent.length);
          const head = space > 0 ? current.slice(0, space) : current;
          const tail = space > 0 ? current.slice(space + 1) : [];
          lines.push(head.map((t) => t.text).join(''));
          current = [...[...indent].map((ch) => ({ text: ch, width: 1 })), ...tail];
          used = current.reduce((sum, t) => sum + t.width, 0);
        }
        current.push(token);
        used += token.width;
      }
      lines.push(current.map((t) => t.text).join(''));
      return lines;
    })
    .join('\n');
}

export interface Column {
  header: string;
  /** The fewest columns a cell is cut to when the table must shrink; absent: never cut. */
  min?: number;
}

/**
 * Rows under a header line, each column as wide as its widest cell, two spaces apart, indented by
 * `indent`. When that is wider than `width`, the widest cuttable column gives a column at a time
 * (never below its `min`) and its cells are cut with `…`; a column without `min` is never cut.
 * The last column is not padded.
 */
export function table(
  columns: Column[],
  rows: string[][],
  options: { width: number; indent?: string; header?: (text: string) => string },
): string[] {
  const indent = options.indent ?? '';
  const widths = columns.map((column, i) => Math.max(visibleWidth(column.header), ...rows.map((row) => visibleWidth(row[i] ?? ''))));
  const total = () => visibleWidth(indent) + widths.reduce((sum, w) => sum + w, 0) + 2 * (columns.length - 1);
  while (total() > options.width) {
    let widest = -1;
    columns.forEach((column, i) => {
      const room = column.min === undefined ? 0 : (widths[i] ?? 0) - column.min;
      if (room > 0 && (widest === -1 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    });
    if (widest === -1) break;
    widths[widest] = (widths[widest] ?? 1) - 1;
  }
  const line = (cells: string[]) =>
    indent +
    cells
      .map((cell, i) => {
        const fitted = truncate(cell, widths[i] ?? 0);
        return i === cells.length - 1 ? fitted : fitted + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleWidth(fitted)));
      })
      .join('  ');
  const header = line(columns.map((column) => column.header));
  return [options.header ? options.header(header) : header, ...rows.map(line)];
}
