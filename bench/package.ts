/**
 * The package as a user gets it: packed with `npm pack`, installed from the tarball into an empty
 * project with an empty npm cache. The bench and the CI packaging check both measure or test that
 * installed copy, never the source tree.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Packed {
  tarball: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
}

export interface Installed {
  /** The project directory the tarball was installed into. */
  dir: string;
  /** The installed package: <dir>/node_modules/<name>. */
  packageDir: string;
  bin: string;
  ms: number;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** `npm pack` of a built project into `into`, with npm's own account of size and file count. */
export function pack(project: string, into: string): Packed {
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', into], project)) as {
    filename: string;
    size: number;
    unpackedSize: number;
    entryCount: number;
  }[];
  if (!info) throw new Error(`npm pack in ${project} reported no tarball`);
  const { size, unpackedSize, entryCount } = info;
  return { tarball: path.join(into, info.filename), size, unpackedSize, entryCount };
}

/** npm's environment with a cache of its own (empty when the directory is new) and no audit/fund calls. */
export function npmEnv(cache: string): NodeJS.ProcessEnv {
  return { ...process.env, npm_config_cache: cache, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };
}

/** Installs a tarball into a new empty project under `parent`, with a new empty npm cache. */
export function installTarball(tarball: string, parent: string, name: string): Installed {
  const dir = mkdtempSync(path.join(parent, 'app-'));
  const cache = mkdtempSync(path.join(parent, 'cache-'));
  writeFileSync(path.join(dir, 'package.json'), '{ "private": true }\n');
  const start = process.hrtime.bigint();
  run('npm', ['install', '--no-package-lock', tarball], dir, npmEnv(cache));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const packageDir = path.join(dir, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = path.join(packageDir, Object.values(pkg.bin)[0]!);
  return { dir, packageDir, bin, ms };
}

/** Bytes and files under a directory (files' sizes, as `du --apparent-size` counts them). */
export function treeSize(dir: string): { bytes: number; disk: number; files: number } {
  let bytes = 0;
  let disk = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const stat = statSync(path.join(entry.parentPath, entry.name));
    files += 1;
    bytes += stat.size;
    disk += stat.blocks * 512; // what `du` reports: thousands of small files each fill a block
  }
  return { bytes, disk, files };
}

/** The packages npm installed, as npm's hidden lockfile lists them (node_modules/<name>), the top one included. */
export function installedPackages(dir: string): string[] {
  const lock = JSON.parse(readFileSync(path.join(dir, 'node_modules', '.package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  return Object.keys(lock.packages).filter((key) => key.startsWith('node_modules/'));
}

/** A one-file package with no dependencies: npm's own cost of installing or running anything. */
export function trivialPackage(parent: string): string {
  const dir = path.join(parent, 'trivial');
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'jit-bench-trivial', version: '1.0.0', bin: { 'jit-bench-trivial': 'bin/t.js' } }),
  );
  writeFileSync(path.join(dir, 'bin', 't.js'), '#!/usr/bin/env node\nconsole.log("1.0.0");\n', { mode: 0o755 });
  return pack(dir, parent).tarball;
}

export const tempRoot = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));
