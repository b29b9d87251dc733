// `npm run build`: bundles everything jit runs into dist/ with esbuild, so the published package
// needs no runtime dependencies (installing the SDKs as packages meant ~137 packages and 210 MB for a
// few MB of code actually used). Two entry points, ES modules with code splitting: every
// `await import()` in jit becomes its own chunk, so `jit --help`, `ip` and `config` load commander and
// jit's own code but no cloud SDK, and a command loads only the SDK of its cloud.
//
//   dist/main.js         the CLI (bin/jit.js imports it)
//   dist/worker-main.js  the detached scheduler; spawn.ts finds it as ./worker-main.js beside its own
//                        chunk, which is why every output file sits flat in dist/
//   dist/chunk-*.js      shared and lazily loaded code
//
// From the metafile (the list of every file that went into the bundle) it then writes, beside the
// package's LICENSE: THIRD-PARTY-NOTICES (the licence text of every bundled package) and
// sbom.cdx.json (CycloneDX 1.5 JSON of the bundled packages, from `npm sbom`, kept to those packages).
// `jit --version --verbose` lists the bundled packages from that SBOM; the version comes in through `define`.
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const options = {
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', 'worker-main': 'src/scheduler/worker-main.ts' },
  outdir: 'dist',
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node the package supports ("engines"); 22 and 24 run the same output.
  target: 'node20.17',
  // The packages' ES module builds where they have one, so that esbuild can drop what is not used.
  mainFields: ['module', 'main'],
  // CommonJS packages inside an ES module bundle still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __jitRequire } from 'node:module'; const require = __jitRequire(import.meta.url);" },
  // Whitespace and syntax only: identifiers keep their names, so a --verbose stack trace still reads.
  minifyWhitespace: true,
  minifySyntax: true,
  // The licence texts ship once, whole, in THIRD-PARTY-NOTICES.
  legalComments: 'none',
  // No source maps in the package: they would double its size for stack traces few users read.
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
  plugins: [smithySchemaKeys(), azureOperationGroups(), azureNetworkMappers()],
};

/**
 * The AWS SDK's generated schema files (`schemas_0.js` in each `@aws-sdk/client-…` package) describe
 * every shape of the service as a top-level array, with XML names as computed keys:
 * `{ [_xN]: _BDM }`, where `const _xN = "xmlName"`. esbuild cannot prove that a computed key has no
 * side effect (it could be an object with a toString), so it keeps every shape, used or not: the EC2
 * client's whole model, about 800 KB that every AWS command compiled on each start. The constants
 * are string literals in the same file, so writing the literal in place of the name changes nothing
 * at run time and lets esbuild drop the shapes jit never sends or reads (down to a few KB). Only a
 * computed key written as `[_name]:` right after `{` or `,` whose name is such a constant is
 * rewritten; anything else is left as it was. Measured in docs/testing.md, "What a test costs".
 */
function smithySchemaKeys() {
  return {
    name: 'smithy-schema-keys',
    setup(builder) {
      builder.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const constants = new Map();
        for (const [, name, literal] of source.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) constants.set(name, literal);
        const contents = source.replace(/([{,]\s*)\[(_\w+)\]:/g, (whole, before, name) =>
          constants.has(name) ? `${before}${constants.get(name)}:` : whole,
        );
        return { contents, loader: 'js' };
      });
    },
  };
}

/**
 * `new NetworkManagementClient()` builds all of its ~160 operation groups (application gateways,
 * VPN gateways …) and `new ComputeManagementClient()` its ~48, so esbuild keeps the code of every
 * one: about 1 MB that each Azure command compiled on start, for the 11 groups jit calls. jit
 * reaches the SDK through one seam, src/clouds/azure/arm-api.ts (`network.<group>` and
 * `compute.<group>`), so the build reads the groups used there and leaves the others out of the
 * two constructors; esbuild then drops their code. The build fails if a group named there is not
 * found in the constructor (a renamed group in a new SDK version), and a group used elsewhere would
 * be undefined at run time, which every end-to-end test of that path would show.
 */
/** The operation groups src/clouds/azure/arm-api.ts (the SDK seam) uses on a client (`network.<group>`). */
function seamGroups(client) {
  const seam = readFileSync(path.join(root, 'src/clouds/azure/arm-api.ts'), 'utf8');
  return new Set([...seam.matchAll(new RegExp(`\\b${client}\\.(\\w+)`, 'g'))].map((m) => m[1]));
}

function azureOperationGroups() {
  const clients = {
    'networkManagementClient.js': seamGroups('network'),
    'computeManagementClient.js': seamGroups('compute'),
  };
  return {
    name: 'azure-operation-groups',
    setup(builder) {
      builder.onLoad({ filter: /[\\/]@azure[\\/]arm-(network|compute)[\\/]dist[\\/]esm[\\/](network|compute)ManagementClient\.js$/ }, (args) => {
        const keep = clients[path.basename(args.path)];
        const found = new Set();
        // `this.securityRules = new SecurityRulesImpl(this);` (network), and
        // `this.virtualMachines = _getVirtualMachinesOperations(this._client);` (compute).
        const contents = readFileSync(args.path, 'utf8').replace(
          /this\.(\w+) =\s*(?:new \w+Impl\(this\)|_get\w+Operations\(this\._client\));/g,
          (whole, group) => {
            found.add(group);
            return keep.has(group) ? whole : '';
          },
        );
        const groups = [...keep].filter((group) => group !== 'pipeline');
        const missing = groups.filter((group) => !found.has(group));
        if (found.size < 10 || missing.length > 0) {
          throw new Error(`${args.path}: operation groups ${missing.join(', ') || '(none found)'} not in the constructor`);
        }
        return { contents, loader: 'js' };
      });
    },
  };
}

/**
 * arm-network's `models/mappers.js` describes every model of the API for its serializer: 900
 * objects, 514 KB that each Azure command compiled and built on start (~0.1 CPU-s), although the
 * operation groups jit keeps (azureOperationGroups) read and write a few dozen models. The
 * operations hand the serializer the whole module (`import * as Mappers`), so esbuild must keep it
 * all; this keeps only what those operations can reach and turns every other mapper into
 * `undefined`, so that parameters.js's imports still resolve. Reachable: the mappers the kept
 * operation files and the client name (`Mappers.X`, and the body mappers of the `Parameters.x`
 * they use), then, to a fixed point, every model a kept mapper names (`className: "X"`, `uberParent:
 * "X"`) or spreads (`...X.type.modelProperties`), and every subtype of a kept polymorphic base (the
 * `discriminators` entries `"Base.value"`), so a firewall policy's rule collections and rules keep
 * all their kinds. A model missing at run time would make the serializer throw ("mapper() cannot be
 * null or undefined"), not drop a property; the build fails if the file's shape is not the one
 * read here. Measured in docs/testing.md, "What a test costs".
 */
function azureNetworkMappers() {
  const esm = path.join(root, 'node_modules/@azure/arm-network/dist/esm');
  return {
    name: 'azure-network-mappers',
    setup(builder) {
      builder.onLoad({ filter: /[\\/]@azure[\\/]arm-network[\\/]dist[\\/]esm[\\/]models[\\/]mappers\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const blocks = new Map();
        for (const match of source.matchAll(/^export const (\w+) = \{\n[\s\S]*?^\};\n/gm)) blocks.set(match[1], match[0]);
        const discriminators = blocks.get('discriminators');
        blocks.delete('discriminators');
        if (blocks.size < 500 || !discriminators) throw new Error(`${args.path}: not the shape azureNetworkMappers reads`);

        const operationFiles = [...seamGroups('network')].map((group) => path.join(esm, 'operations', `${group}.js`));
        const keep = new Set();
        const parameters = new Set();
        for (const file of [path.join(esm, 'networkManagementClient.js'), ...operationFiles]) {
          const text = readFileSync(file, 'utf8');
          for (const [, name] of text.matchAll(/\bMappers\.(\w+)/g)) keep.add(name);
          for (const [, name] of text.matchAll(/\bParameters\.(\w+)/g)) parameters.add(name);
        }
        const parameterSource = readFileSync(path.join(esm, 'models', 'parameters.js'), 'utf8');
        for (const [, name, body] of parameterSource.matchAll(/^export const (\w+) = (\{\n[\s\S]*?^\});\n/gm)) {
          if (!parameters.has(name)) continue;
          for (const [, alias] of body.matchAll(/\bmapper: (\w+)Mapper\b/g)) keep.add(alias);
          for (const [, other] of body.matchAll(/className: "(\w+)"/g)) keep.add(other);
        }
        const subtypes = [...discriminators.matchAll(/^ {4}"?(\w+)(?:\.[^"]+)?"?: (\w+),$/gm)];
        let before;
        do {
          before = keep.size;
          for (const name of [...keep]) {
            const block = blocks.get(name);
            if (!block) throw new Error(`${args.path}: the mapper ${name} is used but not defined`);
            for (const [, other] of block.matchAll(/(?:className|uberParent): "(\w+)"/g)) keep.add(other);
            for (const [, other] of block.matchAll(/\b(\w+)\.type\b/g)) if (blocks.has(other)) keep.add(other);
          }
          for (const [, base, mapper] of subtypes) if (keep.has(base)) keep.add(mapper);
        } while (keep.size > before);
        const entries = subtypes.filter(([, base]) => keep.has(base)).map(([line]) => line);
        const contents = [
          ...[...blocks].map(([name, block]) => (keep.has(name) ? block : `export const ${name} = undefined;\n`)),
          `export const discriminators = {\n${entries.join('\n')}\n};\n`,
        ].join('');
        return { contents, loader: 'js' };
      });
    },
  };
}

/** The package a bundled file belongs to: its innermost node_modules/<name> or node_modules/@scope/<name>. */
function packageDirOf(file) {
  const parts = file.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at === -1) return undefined;
  const length = parts[at + 1]?.startsWith('@') ? 3 : 2;
  return parts.slice(0, at + length).join('/');
}

function bundledPackages(metafile) {
  const dirs = new Set();
  for (const file of Object.keys(metafile.inputs)) {
    const dir = packageDirOf(file);
    if (dir) dirs.add(dir);
  }
  return [...dirs]
    .map((dir) => {
      const manifest = JSON.parse(readFileSync(path.join(root, dir, 'package.json'), 'utf8'));
      const license = typeof manifest.license === 'string' ? manifest.license : (manifest.license?.type ?? 'UNKNOWN');
      return { dir, name: manifest.name, version: manifest.version, license };
    })
    .sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\.|-|$)/i;

function thirdPartyNotices(packages) {
  const texts = new Map(
    packages.map((p) => {
      const files = readdirSync(path.join(root, p.dir)).filter((name) => LICENSE_FILE.test(name)).sort();
      return [p, files.map((name) => readFileSync(path.join(root, p.dir, name), 'utf8').trim())];
    }),
  );
  // Some packages (a few @aws-sdk/* ones) ship no licence file, only the "license" field: they are
  // pointed at the text of the same licence as another bundled package ships it.
  const reference = new Map();
  for (const [p, found] of texts) if (found.length > 0 && !reference.has(p.license)) reference.set(p.license, p);
  const sections = packages.map((p) => {
    let body = texts.get(p).join('\n\n');
    if (!body) {
      const other = reference.get(p.license);
      if (!other) throw new Error(`${p.name}@${p.version} is bundled, ships no licence file, and no other package ships ${p.license}`);
      body = `The package ships no licence file; its package.json declares ${p.license}, whose text is given above under ${other.name}@${other.version}.`;
    }
    return `${'-'.repeat(100)}\n${p.name}@${p.version} (${p.license})\n\n${body}\n`;
  });
  // Packages with their own text first, so that "given above" holds.
  sections.sort((a, b) => Number(a.includes('ships no licence file')) - Number(b.includes('ships no licence file')));
  return (
    `${pkg.name} ${pkg.version} bundles the following packages into dist/. Their licence notices follow.\n` +
    `The list is generated at build time from the bundle's metafile (scripts/build.mjs).\n\n` +
    `${sections.join('\n')}`
  );
}

/**
 * `npm sbom` knows each package's resolved URL and integrity from the lockfile; its document covers
 * the whole installed tree (dev tools included), so it is cut down to the packages in the bundle.
 */
function sbom(packages) {
  const full = JSON.parse(
    execFileSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application', '--package-lock-only'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    }),
  );
  const bundled = new Set(packages.map((p) => `${p.name}@${p.version}`));
  const components = full.components.filter((c) => bundled.has(`${c.group ? `${c.group}/` : ''}${c.name}@${c.version}`));
  const missing = packages.filter((p) => !components.some((c) => `${c.group ? `${c.group}/` : ''}${c.name}` === p.name));
  if (missing.length > 0) throw new Error(`npm sbom does not list ${missing.map((p) => p.name).join(', ')}`);
  const refs = new Set([full.metadata.component['bom-ref'], ...components.map((c) => c['bom-ref'])]);
  return {
    ...full,
    metadata: { ...full.metadata, component: { ...full.metadata.component, description: 'jit-access as published: the packages bundled into dist/' } },
    components,
    dependencies: full.dependencies
      .filter((d) => refs.has(d.ref))
      .map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((ref) => refs.has(ref)) })),
  };
}

rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const { metafile } = await build({ ...options, define: { __JIT_BUILD__: JSON.stringify({ version: pkg.version }) } });
const packages = bundledPackages(metafile);
writeFileSync(path.join(root, 'THIRD-PARTY-NOTICES'), thirdPartyNotices(packages));
writeFileSync(path.join(root, 'sbom.cdx.json'), `${JSON.stringify(sbom(packages), null, 2)}\n`);
// The tests read which package went into which output file; the metafile stays out of the package.
mkdirSync(path.join(root, '.tmp'), { recursive: true });
writeFileSync(path.join(root, '.tmp', 'esbuild-metafile.json'), JSON.stringify(metafile));
// Self-contained: the only imports left outside the bundle are Node's built-ins. (A require() that
// esbuild cannot resolve inside a try block is left as is, with a warning; here it fails the build.)
const builtin = new Set(builtinModules);
for (const [file, output] of Object.entries(metafile.outputs)) {
  const outside = output.imports.filter((i) => i.external && !i.path.startsWith('node:') && !builtin.has(i.path));
  if (outside.length > 0) throw new Error(`${file} imports ${outside.map((i) => i.path).join(', ')} from outside the bundle`);
}
if (!existsSync(path.join(root, 'dist', 'worker-main.js'))) throw new Error('the scheduler entry dist/worker-main.js was not written');
console.log(`dist/: ${packages.length} bundled packages; THIRD-PARTY-NOTICES and sbom.cdx.json written`);
