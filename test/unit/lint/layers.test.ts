/**
 * docs/README.md, "Layers": ESLint refuses an import that runs the wrong way. Each case lints one
 * line as if it were in the named file, with the project's own config.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function restricted(file: string, line: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${line}\nexport const used = value;\n`, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layering', () => {
  it.each([
    ['src/core/model.ts', "import { value } from '../cli/output.js';"],
    ['src/core/use-cases/status.ts', "import { value } from '../../clouds/azure/provider.js';"],
    ['src/core/lifecycle.ts', "import { value } from '../scheduler/ledger.js';"],
    ['src/core/policy.ts', "import { value } from 'node:fs';"],
    ['src/core/policy.ts', "import { value } from '@azure/arm-network';"],
    ['src/clouds/azure/rules.ts', "import { value } from '../aws/sdk.js';"],
    ['src/clouds/aws/grants.ts', "import { value } from '../azure/rules.js';"],
    ['src/clouds/aws/grants.ts', "import { value } from '../../cli/output.js';"],
    ['src/clouds/azure/provider.ts', "import { value } from '../../scheduler/ledger.js';"],
    ['src/scheduler/worker.ts', "import { value } from '../cli/output.js';"],
  ])('%s may not %s', async (file, line) => {
    expect(await restricted(file, line)).toHaveLength(1);
  });

  it.each([
    ['src/core/model.ts', "import { value } from './policy.js';"],
    ['src/clouds/azure/rules.ts', "import { value } from '../../core/model.js';"],
    ['src/scheduler/worker.ts', "import { value } from '../core/lifecycle.js';"],
    ['src/cli/main.ts', "import { value } from '../clouds/registry.js';"],
  ])('%s may %s', async (file, line) => {
    expect(await restricted(file, line)).toEqual([]);
  });
});
