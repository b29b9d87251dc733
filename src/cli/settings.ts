/** Settings for one invocation: flags over environment over config file over defaults (SPEC §9). */
import { configDir } from '../config/paths.js';
import { openConfig, type ResolvedSettings, resolveSettings } from '../config/store.js';
import type { GlobalFlags } from './global-flags.js';
import type { CliRun } from './run.js';

export async function loadSettings(run: CliRun, flags: GlobalFlags): Promise<ResolvedSettings> {
  const config = await openConfig(configDir(run.io.env));
  return resolveSettings({
    flags: {
      cloud: flags.cloud,
      subscription: flags.subscription,
      'resource-group': flags.resourceGroup,
      region: flags.region,
      profile: flags.profile,
      'azure-cloud': flags.azureCloud,
    },
    env: run.io.env,
    config: config.list(),
  });
}
