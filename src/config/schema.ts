/**
 * The settings a user can keep in `jit config`, and how each value is checked.
 *
 * Values are stored in canonical form, so `jit config list` shows what jit will use and two
 * spellings of one value compare equal: durations as the compact form (`PT90M` → `1h30m`), clouds,
 * regions and subscription ids in lower case, Azure cloud names in Azure's own casing, the IP
 * service list as its validated URLs joined by commas. Names that are case-preserving in the cloud
 * (resource groups, AWS profiles) are stored as typed, trimmed.
 */
import { formatDuration, parseDuration } from '../core/duration.js';
import { isJitError, UserError } from '../core/errors.js';
import { quoted } from '../core/printable.js';
import { parseCloud } from '../core/target.js';
import { parseServiceUrls } from '../ip/services.js';
import { CONFIG_KEYS, type ConfigKey } from './keys.js';

export { CONFIG_KEYS, type ConfigKey };

/** Returns the canonical value; throws `JIT_INVALID_CONFIG` whose message names `label`. */
type ConfigValueParser = (value: string, label: string, hint: string | undefined) => string;

const AZURE_CLOUDS = ['AzurePublicCloud', 'AzureChinaCloud', 'AzureUSGovernment'] as const;

/** Azure's naming rules for resource groups (Microsoft.Resources): Unicode letters and digits count. */
const RESOURCE_GROUP = /^(?!.*\.$)[\p{L}\p{N}._()-]{1,90}$/u;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** eu-west-1, us-gov-west-1, us-isob-east-1, cn-north-1, eusc-de-east-1: a shape, not a list to go stale. */
const AWS_REGION = /^[a-z]{2,4}(?:-[a-z]+){1,3}-\d{1,2}$/;
/** What the AWS CLI can write in a `[profile …]` header: no blanks, brackets or INI comment marks. */
const AWS_PROFILE = /^[\w.+@=,:/-]{1,128}$/;

/** The value may come from a hand-edited config file or the environment: quoted cut and printable. */
function invalid(value: string, form: string, label: string, hint: string | undefined): never {
  throw new UserError('JIT_INVALID_CONFIG', `${label} ${quoted(value)} is not ${form}.`, { hint });
}

function matching(pattern: RegExp, form: string, canonical: (text: string) => string): ConfigValueParser {
  return (value, label, hint) => {
    const text = canonical(value.trim());
    return pattern.test(text) ? text : invalid(value, form, label, hint);
  };
}

function oneOf(choices: readonly string[]): ConfigValueParser {
  return (value, label, hint) => {
    const wanted = value.trim().toLowerCase();
    return (
      choices.find((choice) => choice.toLowerCase() === wanted) ??
      invalid(value, `one of ${choices.join(', ')}`, label, hint)
    );
  };
}

/** Reuses a core parser (its message already names the label and the form), re-coded as config. */
function recoded(parse: (value: string, label: string) => string): ConfigValueParser {
  return (value, label, hint) => {
    try {
      return parse(value, label);
    } catch (error) {
      if (isJitError(error)) throw new UserError('JIT_INVALID_CONFIG', error.message, { hint, cause: error });
      throw error;
    }
  };
}

const lower = (text: string) => text.toLowerCase();
const asTyped = (text: string) => text;

const PARSERS: Record<ConfigKey, ConfigValueParser> = {
  cloud: recoded(parseCloud),
  subscription: matching(
    GUID,
    'an Azure subscription id, a GUID like 00000000-0000-0000-0000-000000000000',
    lower,
  ),
  'resource-group': matching(
    RESOURCE_GROUP,
    'an Azure resource group name: 1-90 letters, digits and . _ - ( ), not ending in "."',
    asTyped,
  ),
  region: matching(AWS_REGION, 'an AWS region like eu-west-1 or us-gov-west-1', lower),
  profile: matching(AWS_PROFILE, 'an AWS profile name: 1-128 letters, digits and _ . - + @ = , : /', asTyped),
  'azure-cloud': oneOf(AZURE_CLOUDS),
  duration: recoded((value, label) => formatDuration(parseDuration(value, label))),
  'ip.services': recoded((value, label) => parseServiceUrls(value, label).join(',')),
};

function isConfigKey(key: string): key is ConfigKey {
  return (CONFIG_KEYS as readonly string[]).includes(key);
}

/** The key itself when jit knows it; `JIT_UNKNOWN_CONFIG_KEY` listing the known keys otherwise. */
export function parseConfigKey(key: string): ConfigKey {
  if (isConfigKey(key)) return key;
  throw new UserError(
    'JIT_UNKNOWN_CONFIG_KEY',
    `"${key}" is not a jit setting; known keys: ${CONFIG_KEYS.join(', ')}.`,
  );
}

/**
 * Checks a value and returns its canonical form, or throws `JIT_INVALID_CONFIG` whose message names
 * `label` (the key, a flag or an environment variable: wherever the value came from) and the
 * accepted form.
 */
export function parseConfigValue(key: ConfigKey, value: string, label: string = key, hint?: string): string {
  return PARSERS[key](value, label, hint);
}
