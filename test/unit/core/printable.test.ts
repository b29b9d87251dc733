import { describe, expect, it } from 'vitest';
import { printable, printableLines, quoted, stripUnsafeControls, terminalSafeJson } from '../../../src/core/printable.js';

// Every character a terminal may act on: C0 (ESC, BEL, CR, LF, NUL…), DEL, C1 (CSI, ST, NEL…),
// bidi embeddings, overrides and isolates, and the Unicode line/paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

describe('printable', () => {
  it.each([
    ['plain text stays as it is', 'vm01 alice@example.com', 'vm01 alice@example.com'],
    ['non-ASCII letters stay', 'prod-Zürich-東京', 'prod-Zürich-東京'],
    ['window title (OSC 0 … BEL)', '\u001b]0;pwned\u0007', '\\x1b]0;pwned\\x07'],
    ['colour (CSI … m)', '\u001b[31mred', '\\x1b[31mred'],
    ['a forged line', 'vm\r\nforged line', 'vm\\r\\nforged line'],
    ['tab', 'a\tb', 'a\\tb'],
    ['NUL and DEL', 'a\u0000b\u007f', 'a\\x00b\\x7f'],
    ['8-bit CSI and ST (C1)', '\u009b31m\u009c', '\\x9b31m\\x9c'],
    ['next line (C1 NEL)', 'a\u0085b', 'a\\x85b'],
    ['right-to-left override', 'abc\u202edcba', 'abc\\u202edcba'],
    ['isolates', '\u2066x\u2069', '\\u2066x\\u2069'],
    ['line separator', 'a\u2028b', 'a\\u2028b'],
  ])('%s', (_, input, expected) => {
    expect(printable(input)).toBe(expected);
    expect(printable(input)).not.toMatch(UNSAFE);
  });

  it('escapes every C0, C1 and bidi control character, whatever it is', () => {
    const all = [
      ...Array.from({ length: 0x20 }, (_, i) => i),
      ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
      0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
    ].map((c) => String.fromCharCode(c)).join('');
    expect(printable(all)).not.toMatch(UNSAFE);
  });

  it('cuts a long value, says by how much, and never splits an escape', () => {
    const long = `${'\u001b'.repeat(3)}${'x'.repeat(10_000)}`;
    const cut = printable(long, 80);
    expect(cut).toBe(`\\x1b\\x1b\\x1b${'x'.repeat(77)}…(9923 more characters)`);
    expect(printable('short', 80)).toBe('short');
    expect(printable('x'.repeat(80), 80)).toBe('x'.repeat(80));
  });

  it('counts characters, not UTF-16 units, so a cut never splits a surrogate pair', () => {
    expect(printable('😀😀😀', 2)).toBe('😀😀…(1 more characters)');
  });

  it('quoted: printable, cut at 80, in double quotes', () => {
    expect(quoted(`a\nb${'y'.repeat(200)}`)).toMatch(/^"a\\nby{77}…\(123 more characters\)"$/);
  });
});

describe('printableLines', () => {
  it('keeps jit’s own line feeds, escapes everything else', () => {
    expect(printableLines('2 VMs are called vm:\n  /a\u001b]0;x\u0007\n  /b\r')).toBe('2 VMs are called vm:\n  /a\\x1b]0;x\\x07\n  /b\\r');
  });

  it('escapes a line feed that would start a line at the margin', () => {
    expect(printableLines('tag "x\r\nforged line" is bad\nerror: fake')).toBe('tag "x\\r\\nforged line" is bad\\nerror: fake');
  });
});

describe('terminalSafeJson', () => {
  it('escapes C1, DEL, bidi and separators as \\u escapes and parses back to the same value', () => {
    const value = { requester: '\u001b]0;pwned\u0007\u009b31m\u007f\u202e\u2028\r\nforged', n: 1 };
    // JSON.stringify alone leaves C1 and the bidi override raw: the reason for this function.
    expect(JSON.stringify(value)).toMatch(/[\u009b\u202e]/);
    const text = terminalSafeJson(value);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u);
    expect(text).toContain('\\u009b');
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('stripUnsafeControls', () => {
  it('keeps newlines and SGR colour codes, escapes every other control', () => {
    const finished = '\u001b[1mvm01\u001b[22m\n\u001b]0;pwned\u0007 \u001b[2J\r';
    expect(stripUnsafeControls(finished)).toBe('\u001b[1mvm01\u001b[22m\n\\x1b]0;pwned\\x07 \\x1b[2J\\r');
  });
});
