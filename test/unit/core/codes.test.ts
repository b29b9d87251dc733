/**
 * The registry of codes (src/core/codes.ts) is the one list: every code thrown or said in src is
 * registered with the exit code of the class that throws it, every registered code is used, and
 * the README's table of codes says the same (docs/cli.md, "Exit codes").
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES, type ErrorCodeFor, type JitCode } from '../../../src/core/codes.js';
import { AuthError, CancelledError, PolicyError, ProviderError, UserError } from '../../../src/core/errors.js';
import { ROOT } from '../../support/cli.js';

const SRC = path.join(ROOT, 'src');
const REGISTRY = path.join(SRC, 'core', 'codes.ts');
/** Environment variables that look like codes (docs/configuration.md). */
const VARIABLES = new Set(['JIT_AZURE_ENDPOINT', 'JIT_CLOUD', 'JIT_CONFIG_DIR', 'JIT_DURATION', 'JIT_IP_URLS', 'JIT_RESOURCE_GROUP']);
const CLASS_EXIT: Record<string, number> = {
  UserError: 2, PolicyError: 3, ProviderError: 1, AuthError: 4, CancelledError: 130,
};

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => file !== REGISTRY)
    .map((file) => ({ file: path.relative(ROOT, file), text: readFileSync(file, 'utf8') }));
}

const registered = Object.keys(CODES) as JitCode[];
const errorCodes = registered.filter((code) => CODES[code].level === 'error');

describe('the registry of codes', () => {
  const files = sources(SRC);

  it('holds every code src uses, and nothing src does not use', () => {
    const used = new Set(files.flatMap(({ text }) => [...text.matchAll(/'(JIT_[A-Z0-9_]+)'/g)].map((m) => m[1]!)));
    for (const name of VARIABLES) used.delete(name);
    expect([...used].filter((code) => !(code in CODES)).sort()).toEqual([]);
    expect(registered.filter((code) => !used.has(code)).sort()).toEqual([]);
  });

  it('gives each error the exit code of the class every throw site uses', () => {
    const sites = files.flatMap(({ file, text }) =>
      [...text.matchAll(/new (UserError|PolicyError|ProviderError|AuthError|CancelledError)\(\s*'(JIT_[A-Z0-9_]+)'/g)].map((m) => ({
        file,
        cls: m[1]!,
        code: m[2]! as JitCode,
      })),
    );
    expect(sites.length).toBeGreaterThan(100);
    const wrong = sites.filter(({ cls, code }) => {
      const entry = CODES[code];
      return entry.level !== 'error' || entry.exit !== CLASS_EXIT[cls];
    });
    expect(wrong).toEqual([]);
  });

  it.each(errorCodes)('%s: its class exits with the registered code', (code) => {
    const entry = CODES[code];
    if (entry.level !== 'error') throw new Error('not an error');
    // The constructors' types accept only codes of their exit code; at run time the class decides.
    const byExit = {
      1: () => new ProviderError(code as ErrorCodeFor<1>, 'm'),
      2: () => new UserError(code as ErrorCodeFor<2>, 'm'),
      3: () => new PolicyError(code as ErrorCodeFor<3>, 'm'),
      4: () => new AuthError(code as ErrorCodeFor<4>, 'm'),
      130: () => new CancelledError(code as ErrorCodeFor<130>, 'm'),
    } as const;
    expect(entry.exit in byExit).toBe(true);
    const error = byExit[entry.exit as keyof typeof byExit]();
    expect([error.code, error.exitCode]).toEqual([code, entry.exit]);
  });
});

/** The rows of the table under the README's "### Codes" heading: code, level, exit, meaning. */
function readmeCodes(): Map<string, { level: string; exit: string; meaning: string }> {
  const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n');
  const start = lines.indexOf('### Codes');
  expect(start, 'README.md has a "### Codes" section').toBeGreaterThan(-1);
  const table = lines.slice(start).findIndex((line) => line.startsWith('|'));
  const rows: string[] = [];
  for (const line of lines.slice(start + table)) {
    if (!line.startsWith('|')) break;
    rows.push(line);
  }
  expect(rows[0]).toBe('| code | level | exit | meaning |');
  const cells = rows.slice(2).map((row) => row.slice(1, -1).split(' | ').map((cell) => cell.trim()));
  return new Map(cells.map(([code, level, exit, ...meaning]) => [code!.replace(/`/g, ''), { level: level!, exit: exit!, meaning: meaning.join(' | ') }]));
}

/** How the README writes a registry entry. */
function readmeRow(code: JitCode): string {
  const entry = CODES[code];
  return `| \`${code}\` | ${entry.level} | ${entry.level === 'error' ? entry.exit : ''} | ${entry.meaning} |`;
}

describe("the README's table of codes", () => {
  const table = readmeCodes();

  it('lists every registered code, and no other', () => {
    expect(registered.filter((code) => !table.has(code)).map(readmeRow)).toEqual([]);
    expect([...table.keys()].filter((code) => !(code in CODES))).toEqual([]);
  });

  it('gives each code its registered level, exit code and meaning', () => {
    const differ = registered.filter((code) => {
      const row = table.get(code);
      const entry = CODES[code];
      return row !== undefined && (
        row.level !== entry.level ||
        row.exit !== (entry.level === 'error' ? String(entry.exit) : '') ||
        row.meaning !== entry.meaning
      );
    });
    expect(differ.map(readmeRow)).toEqual([]);
  });
});
