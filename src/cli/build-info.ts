/**
 * What the package is: its version and, in the published build, the packages bundled into it. The
 * build (scripts/build.mjs) replaces `__JIT_BUILD__` with both, read from package.json and from the
 * bundle's metafile; run from source (tests, tsx) it is absent and package.json is read instead.
 */
import { readFileSync } from 'node:fs';

export interface BundledPackage {
  name: string;
  version: string;
  license: string;
}

interface BuildInfo {
  version: string;
  bundled: BundledPackage[];
}

declare const __JIT_BUILD__: BuildInfo | undefined;

export function buildInfo(): BuildInfo & { bundledBuild: boolean } {
  if (typeof __JIT_BUILD__ !== 'undefined') return { ...__JIT_BUILD__, bundledBuild: true };
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return { version: pkg.version, bundled: [], bundledBuild: false };
}

/** The SDK packages a security team asks about first, listed ahead of the rest. */
const SDK = /^@(azure|aws-sdk|smithy|aws-crypto)\//;

/** `jit --version --verbose`: the version, then the bundled SDKs, then every other bundled package. */
export function verboseVersion(info: ReturnType<typeof buildInfo>): string {
  if (!info.bundledBuild) return `${info.version}\n(run from source: dependencies are resolved from node_modules, not bundled)\n`;
  const line = (p: BundledPackage) => `  ${p.name.padEnd(44)} ${p.version.padEnd(10)} ${p.license}\n`;
  const sdks = info.bundled.filter((p) => SDK.test(p.name));
  const others = info.bundled.filter((p) => !SDK.test(p.name));
  return (
    `${info.version}\nnode ${process.version}\n` +
    `bundled cloud SDK packages (${sdks.length}):\n${sdks.map(line).join('')}` +
    `other bundled packages (${others.length}):\n${others.map(line).join('')}` +
    'licences: THIRD-PARTY-NOTICES, SBOM: sbom.cdx.json (both in the package)\n'
  );
}
