import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'jit-lazy-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

// `jit --help` imports the command modules; none of them may pay for loading conf.
it('loads conf only when a config is opened, not when the module is imported', async () => {
  const imports = path.join(root, 'imports.txt');
  const script = `
    import { appendFileSync } from 'node:fs';
    const { openConfig } = await import('./src/config/store.ts');
    appendFileSync(process.env.JIT_TEST_IMPORTS_FILE, '-- openConfig --\\n');
    await openConfig(${JSON.stringify(path.join(root, 'jit'))});
  `;
  await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--import', './test/support/record-imports.mjs', '--input-type=module', '-e', script],
    { env: { ...process.env, JIT_TEST_IMPORTS_FILE: imports } },
  );
  const [before, after] = (await readFile(imports, 'utf8')).split('-- openConfig --');
  const conf = /\/node_modules\/conf\//;
  expect(before).toContain('/src/config/store.ts');
  expect(before).not.toMatch(conf);
  expect(after).toMatch(conf);
});
