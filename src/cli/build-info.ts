/**
 * What the package is: its version and, in the published build, the packages bundled into it. The
 * build (scripts/build.mjs) replaces `__JIT_BUILD__` with the version from package.json and ships
 * sbom.cdx.json (CycloneDX, the bundled packages) at the package root, one level above every file
 * in dist/. Run from source (tests, tsx) there is no bundle, and package.json is read instead.
 */
import { readFileSync } from 'node:fs';

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
}

declare const __JIT_BUILD__: { version: string } | undefined;

export function packageVersion(): string {
  if (typeof __JIT_BUILD__ !== 'undefined') return __JIT_BUILD__.version;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

interface CycloneDxComponent {
  group?: string;
  name: string;
  version: string;
  licenses?: { license?: { id?: string; name?: string }; expression?: string }[];
}

/** The bundled packages, from the SBOM the build shipped; undefined when run from source. */
export function bundledPackages(): BundledPackage[] | undefined {
  if (typeof __JIT_BUILD__ === 'undefined') return undefined;
  const sbom = JSON.parse(readFileSync(new URL('../sbom.cdx.json', import.meta.url), 'utf8')) as {
    components: CycloneDxComponent[];
  };
  return sbom.components.map((c) => ({
    name: c.group ? `${c.group}/${c.name}` : c.name,
    version: c.version,
    license: c.licenses?.map((l) => l.license?.id ?? l.license?.name ?? l.expression).join(' OR ') || 'UNKNOWN',
  }));
}

/** The SDK packages a security team asks about first, listed ahead of the rest. */
const SDK = /^@(azure|azure-rest|aws-sdk|smithy|aws-crypto)\//;

/** `jit --version --verbose`: the version, then the bundled SDKs, then every other bundled package. */
export function verboseVersion(version: string, bundled: BundledPackage[] | undefined): string {
  if (!bundled) return `${version}\n(run from source: dependencies are resolved from node_modules, not bundled)\n`;
  const line = (p: BundledPackage) => `  ${p.name.padEnd(44)} ${p.version.padEnd(10)} ${p.license}\n`;
  const sdks = bundled.filter((p) => SDK.test(p.name));
  const others = bundled.filter((p) => !SDK.test(p.name));
  return (
    `${version}\nnode ${process.version}\n` +
    `bundled cloud SDK packages (${sdks.length}):\n${sdks.map(line).join('')}` +
    `other bundled packages (${others.length}):\n${others.map(line).join('')}` +
    'licences: THIRD-PARTY-NOTICES, SBOM: sbom.cdx.json (both in the package)\n'
  );
}
