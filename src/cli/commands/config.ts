/** `jit config get|set|list|unset`: user defaults, validated on the way in (docs/configuration.md). */
import { Command } from 'commander';
import { CONFIG_KEYS } from '../../config/keys.js';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

const actions = () => import('./config-run.js');
const keys = CONFIG_KEYS.join(' | ');

export function configCommand(run: CliRun): Command {
  const config = new Command('config').description(`defaults: ${CONFIG_KEYS.join(', ')}`);
  config.addCommand(
    withExamples(
      new Command('get')
        .description('print one stored setting (empty output and exit 0 when unset)')
        .argument('<key>', keys)
        .action(async (key, _options, command) => (await actions()).get(run, key, command)),
      'jit config get cloud',
    ),
  );
  config.addCommand(
    withExamples(
      new Command('set')
        .description('store a setting after checking it')
        .argument('<key>', keys)
        .argument(
          '<value>',
          'the value, e.g. azure, eu-west-1, 30m, https://api.ipify.org,https://icanhazip.com',
        )
        .action(async (key, value, _options, command) => (await actions()).set(run, key, value, command)),
      'jit config set cloud azure',
      'jit config set duration 30m',
      'jit config set ip.services https://api.ipify.org,https://icanhazip.com',
    ),
  );
  config.addCommand(
    withExamples(
      new Command('unset')
        .description('remove a stored setting')
        .argument('<key>', keys)
        .action(async (key, _options, command) => (await actions()).unset(run, key, command)),
      'jit config unset region',
    ),
  );
  config.addCommand(
    withExamples(
      new Command('list')
        .description('every setting in effect, and where it comes from (default, config, env, flag)')
        .action(async (_options, command) => (await actions()).list(run, command)),
      'jit config list --json',
    ),
  );
  return withExamples(config, 'jit config set cloud aws', 'jit config list');
}
