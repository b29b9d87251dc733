/**
 * User defaults (`jit config`) in `<dir>/config.json`, and how they combine with the environment
 * and flags (docs/configuration.md, "Precedence": defaults < config file < environment < flags).
 *
 * The file is a flat JSON object of canonical strings (schema.ts), written by conf (atomic
 * write-then-rename, mode 0600). Keys are stored flat (`"ip.services": "…"`), not as conf's default
 * dot-path nesting, so the file reads like `jit config list`. conf's own JSON-schema option is not
 * used: the validators in schema.ts give messages that name the key and the accepted form, and
 * `resolveSettings` runs them again on what it reads, so a hand-edited value is caught, by name,
 * where it is used.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type Conf from 'conf';
import { UserError } from '../core/errors.js';
import { printable, QUOTE_LIMIT } from '../core/printable.js';
import { DEFAULT_IP_SERVICES } from '../ip/services.js';
import { ensureConfigDir, FILE_MODE } from './paths.js';
import { CONFIG_KEYS, type ConfigKey, parseConfigKey, parseConfigValue } from './schema.js';

type ConfigValues = Partial<Record<ConfigKey, string>>;

export interface ConfigStore {
  /** The file, for messages. */
  readonly path: string;
  /** The stored value as written by `set`; `undefined` when unset. Throws on an unknown key. */
  get(key: string): string | undefined;
  /** Validates, stores and returns the canonical value. */
  set(key: string, value: string): string;
  unset(key: string): void;
  /** Every stored setting, in schema order; keys this jit does not know are left out. */
  list(): ConfigValues;
}

/**
 * Opens the config file in `dir`, creating the directory but not the file. conf is imported here, not at the top of the
 * module, so that `jit --help` and commands that never read the config do not pay for loading it
 * (and its JSON-schema compiler).
 */
export async function openConfig(dir: string): Promise<ConfigStore> {
  // conf creates a missing directory with the default 0755; creating it first keeps it private.
  await ensureConfigDir(dir);
  const { default: ConfClass } = await import('conf');
  const file = path.join(dir, 'config.json');
  requireObjectFile(file);
  const conf: Conf<Record<string, unknown>> = guardCorrupt(file, () => {
    return new ConfClass({
      cwd: dir,
      configName: 'config',
      configFileMode: FILE_MODE,
      accessPropertiesByDotNotation: false,
      // Never replace a file that does not parse with an empty one: the user may want it back.
      clearInvalidConfig: false,
    });
  });

  /** Reads the file afresh (conf does not cache). */
  const read = (): ConfigValues => {
    requireObjectFile(conf.path);
    return knownValues(conf.path, guardCorrupt(conf.path, () => conf.store));
  };

  return {
    path: conf.path,
    get(key) {
      const known = parseConfigKey(key);
      return read()[known];
    },
    set(key, value) {
      const known = parseConfigKey(key);
      const canonical = parseConfigValue(known, value);
      requireObjectFile(conf.path);
      guardCorrupt(conf.path, () => conf.set(known, canonical));
      return canonical;
    },
    unset(key) {
      const known = parseConfigKey(key);
      requireObjectFile(conf.path);
      guardCorrupt(conf.path, () => conf.delete(known));
    },
    list: read,
  };
}

/**
 * The settings in `<dir>/config.json`, read without conf: every cloud command reads them, and
 * loading conf (with the JSON-schema compiler it imports) cost ~85 ms of CPU per command. conf's
 * own read is `JSON.parse` of the file, which this does with the same checks; writes (`jit config
 * set/unset`) go through openConfig. No file is no settings.
 */
export function readConfig(dir: string): ConfigValues {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  const parsed = guardCorrupt(file, () => JSON.parse(text) as unknown);
  requireObject(file, parsed);
  return knownValues(file, parsed);
}

/**
 * Every known key of a parsed config file, each checked to hold text. Unknown keys are skipped
 * rather than refused: a newer jit may have written them.
 */
function knownValues(file: string, store: Record<string, unknown>): ConfigValues {
  const values: ConfigValues = {};
  for (const key of CONFIG_KEYS) {
    const value = store[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      throw new UserError(
        'JIT_CONFIG_CORRUPT',
        `${file}: "${key}" holds ${printable(JSON.stringify(value), QUOTE_LIMIT)}, not text.`,
        {
          hint: `Set it again with \`jit config set ${key} <value>\` or remove it with \`jit config unset ${key}\`.`,
        },
      );
    }
    values[key] = value;
  }
  return values;
}

const CORRUPT_HINT = 'Fix it in an editor, or move it aside to start from no settings.';

/**
 * conf reads any JSON value as the store and spreads it into an object, so `[1,2,3]` or `"hello"`
 * would be taken for settings `{"0":…}` and written back that way by the next `set`. Only an
 * object (or no file at all) is a config file.
 */
function requireObjectFile(file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return; // guardCorrupt names the file when conf meets the same syntax error
  }
  requireObject(file, parsed);
}

function requireObject(file: string, parsed: unknown): asserts parsed is Record<string, unknown> {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const what = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    throw new UserError('JIT_CONFIG_CORRUPT', `The config file ${file} holds ${what}, not an object of settings.`, {
      hint: CORRUPT_HINT,
    });
  }
}

/** conf surfaces a file that does not parse as a bare SyntaxError; this names the file instead. */
function guardCorrupt<T>(file: string, action: () => T): T {
  try {
    return action();
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new UserError(
        'JIT_CONFIG_CORRUPT',
        `The config file ${file} is not valid JSON (${printable(error.message, 2 * QUOTE_LIMIT)}).`,
        {
          hint: CORRUPT_HINT,
          cause: error,
        },
      );
    }
    throw error;
  }
}

// ---- precedence ---------------------------------------------------------------------------------

type SettingSource = 'default' | 'config' | 'env' | 'flag';

interface ResolvedSetting {
  /** Canonical form (schema.ts). */
  readonly value: string;
  readonly source: SettingSource;
}

const DEFAULTS = {
  duration: { value: '1h', source: 'default' },
  'ip.services': { value: DEFAULT_IP_SERVICES.join(','), source: 'default' },
  'azure-cloud': { value: 'AzurePublicCloud', source: 'default' },
} as const satisfies Partial<Record<ConfigKey, ResolvedSetting>>;

/** Settings that have a value whatever the user sets; the others may be absent. */
export type ResolvedSettings = Partial<Record<ConfigKey, ResolvedSetting>>
  & Record<keyof typeof DEFAULTS, ResolvedSetting>;

/**
 * The variables each key reads, first non-empty one wins. AWS_REGION before AWS_DEFAULT_REGION is
 * the AWS SDK's and CLI's own order. `azure-cloud` has no variable: neither Azure SDK nor CLI
 * defines one, and inventing one would be a second place to look.
 */
const ENV_VARS: Partial<Record<ConfigKey, readonly string[]>> = {
  cloud: ['JIT_CLOUD'],
  subscription: ['AZURE_SUBSCRIPTION_ID'],
  'resource-group': ['JIT_RESOURCE_GROUP'],
  region: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
  profile: ['AWS_PROFILE'],
  duration: ['JIT_DURATION'],
  'ip.services': ['JIT_IP_URLS'],
};

export interface SettingsLayers {
  /** Flag values by config key (`resource-group` for --resource-group); undefined when not given. */
  flags: Partial<Record<ConfigKey, string | undefined>>;
  env: Readonly<Record<string, string | undefined>>;
  /** What `ConfigStore.list()` returned. */
  config: ConfigValues;
}

/**
 * Precedence (docs/configuration.md): defaults < config file < environment < flags. Every value is
 * validated and canonicalised whatever layer it comes from, and an invalid one is an error naming
 * that layer (the flag, the variable or the config key), not skipped in favour of a lower layer: a
 * typo must not silently send a request to another region. An empty environment variable counts as
 * unset, as shells make `VAR= jit …` the usual way to clear one.
 */
export function resolveSettings(layers: SettingsLayers): ResolvedSettings {
  const found: Partial<Record<ConfigKey, ResolvedSetting>> = {};
  for (const key of CONFIG_KEYS) {
    const setting = resolveLayered(key, layers);
    if (setting !== undefined) found[key] = setting;
  }
  return { ...DEFAULTS, ...found };
}

function resolveLayered(key: ConfigKey, { flags, env, config }: SettingsLayers): ResolvedSetting | undefined {
  const flag = flags[key];
  if (flag !== undefined) return { value: parseConfigValue(key, flag, `--${key}`), source: 'flag' };
  for (const name of ENV_VARS[key] ?? []) {
    const value = env[name];
    if (value) {
      return {
        value: parseConfigValue(key, value, name, `Fix or unset the environment variable ${name}.`),
        source: 'env',
      };
    }
  }
  const stored = config[key];
  if (stored === undefined) return undefined;
  return {
    value: parseConfigValue(
      key,
      stored,
      `config key ${key}`,
      `Change it with \`jit config set ${key} <value>\` or remove it with \`jit config unset ${key}\`.`,
    ),
    source: 'config',
  };
}
