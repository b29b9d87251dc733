/** Helpers for declaring commands. Kept free of heavy imports: every command file loads it at start-up. */
import type { Command } from 'commander';

export function withExamples(command: Command, ...examples: string[]): Command {
  const title = examples.length > 1 ? 'Examples' : 'Example';
  return command.addHelpText('after', `\n${title}:\n${examples.map((e) => `  $ ${e}`).join('\n')}`);
}

/** Collects a repeatable option: `--allow-source a --allow-source b,c` → [a, b, c]. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim())];
}
