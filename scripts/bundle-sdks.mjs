// Part of `npm run build`, after tsc: replaces each provider's dist/clouds/<cloud>/sdk.js (a plain
// re-export of the SDK values that provider uses) with one tree-shaken ESM bundle of them. Loading
// the SDK packages whole costs 0.3-0.5 s per command; the bundles load in about 0.1 s. Only the
// SDK goes into a bundle: jit's own modules stay tsc's output, so classes such as JitError exist once.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

for (const cloud of ['aws', 'azure']) {
  const entry = path.join(root, 'src', 'clouds', cloud, 'sdk.ts');
  if (!existsSync(entry)) continue;
  await build({
    entryPoints: [entry],
    outfile: path.join(root, 'dist', 'clouds', cloud, 'sdk.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The SDKs' ES module builds, so that esbuild can drop what is not used.
    mainFields: ['module', 'main'],
    // CommonJS dependencies inside an ES module bundle still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __jitRequire } from 'node:module'; const require = __jitRequire(import.meta.url);" },
    // @azure/identity stays an ordinary dependency: it starts `az` and loads MSAL on its own terms.
    external: ['@azure/identity'],
    legalComments: 'eof',
    logLevel: 'warning',
  });
}
