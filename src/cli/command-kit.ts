/** Helpers for declaring commands. Kept free of heavy imports: every command file loads it at start-up. */
import { type Command, Option } from 'commander';

export function withExamples(command: Command, ...examples: string[]): Command {
  const title = examples.length > 1 ? 'Examples' : 'Example';
  return command.addHelpText('after', `\n${title}:\n${examples.map((e) => `  $ ${e}`).join('\n')}`);
}

/** Collects a repeatable option: `--allow-source a --allow-source b,c` → [a, b, c]. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim())];
}

export const dryRunOption = () => new Option('--dry-run', 'print the exact rule changes, change nothing');

export const protocolOption = () => new Option('--protocol <protocol>', 'protocol of ports without a /suffix: tcp, udp or *');

export const VM_ARGUMENT = 'VM name, Azure resource ID or EC2 instance ID';

/** A flag's value as commander hands it over: a string, or absent. */
export type CommandOptions = Record<string, string | boolean | string[] | undefined>;
export const text = (value: CommandOptions[string]): string | undefined => (typeof value === 'string' ? value : undefined);
