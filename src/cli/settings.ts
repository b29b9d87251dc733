/** Settings for one invocation: flags over environment over config file over defaults (docs/configuration.md). */
import { configDir } from '../config/paths.js';
import { readConfig, type ResolvedSettings, resolveSettings } from '../config/store.js';
import type { GlobalFlags } from './global-flags.js';
import type { Io } from './io.js';

export async function loadSettings(io: Io, flags: GlobalFlags): Promise<ResolvedSettings> {
  return resolveSettings({
    flags: {
      cloud: flags.cloud,
      subscription: flags.subscription,
      'resource-group': flags.resourceGroup,
      region: flags.region,
      profile: flags.profile,
      'azure-cloud': flags.azureCloud,
    },
    env: io.env,
    config: readConfig(configDir(io.env)),
  });
}
