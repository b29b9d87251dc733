/** What `jit config get|set|unset|list` do, imported when one runs (conf loads only then). */
import type { Command } from 'commander';
import { CONFIG_KEYS } from '../../config/keys.js';
import { configDir } from '../../config/paths.js';
import { openConfig } from '../../config/store.js';
import { printable } from '../../core/printable.js';
import { appContext } from '../app-context.js';
import type { CliRun } from '../run.js';

const store = (run: CliRun) => openConfig(configDir(run.io.env));

export async function get(run: CliRun, key: string, command: Command): Promise<void> {
  const value = (await store(run)).get(key);
  // `get` shows the file's value as it is, unchecked: a hand-edited file may hold anything.
  appContext(run, command).out.result({ key, value: value ?? null }, () => printable(value ?? ''), () => (value === undefined ? [] : [value]), { raw: true });
}

export async function set(run: CliRun, key: string, value: string, command: Command): Promise<void> {
  const canonical = (await store(run)).set(key, value);
  appContext(run, command).out.result({ key, value: canonical }, (c) => `${key} = ${c.bold(canonical)}`, () => []);
}

export async function unset(run: CliRun, key: string, command: Command): Promise<void> {
  (await store(run)).unset(key);
  appContext(run, command).out.result({ key, value: null }, () => `${key} unset`, () => []);
}

export async function list(run: CliRun, command: Command): Promise<void> {
  const ctx = appContext(run, command);
  const settings = await ctx.settings();
  const rows = CONFIG_KEYS.flatMap((key) => {
    const setting = settings[key];
    return setting ? [{ key, value: setting.value, source: setting.source }] : [];
  });
  ctx.out.result({ path: (await store(run)).path, settings: rows }, (c) => {
    const width = Math.max(...CONFIG_KEYS.map((k) => k.length));
    return rows
      .map((r) => `${r.key.padEnd(width)}  ${c.bold(r.value)}  ${c.dim(`(${r.source})`)}`)
      .join('\n');
  }, () => rows.map((r) => `${r.key}=${r.value}`));
}
