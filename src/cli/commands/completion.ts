/**
 * `jit completion bash|zsh|fish`: completion scripts generated from the program's own command
 * tree, so a new command or flag is completed without editing a hand-kept list.
 */
import { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

interface Tree {
  commands: { name: string; description: string; flags: string[]; subcommands: string[] }[];
  globalFlags: string[];
}

function longFlags(command: Command): string[] {
  return command.options.map((option) => option.long).filter((flag): flag is string => flag !== undefined);
}

function treeOf(root: Command): Tree {
  return {
    globalFlags: [...longFlags(root), '--help'],
    commands: root.commands
      .filter((c) => c.name() !== 'help')
      .map((c) => ({
        name: c.name(),
        description: c.description().split('\n')[0] ?? '',
        flags: longFlags(c),
        subcommands: c.commands.map((s) => s.name()),
      })),
  };
}

function bash(tree: Tree): string {
  const cases = tree.commands
    .map((c) => `    ${c.name}) words="${[...c.subcommands, ...c.flags, ...tree.globalFlags].join(' ')}" ;;`)
    .join('\n');
  return `# jit completion for bash: add to ~/.bashrc:  source <(jit completion bash)
_jit_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words
  if [ "$COMP_CWORD" -eq 1 ]; then
    words="${tree.commands.map((c) => c.name).join(' ')} ${tree.globalFlags.join(' ')}"
  else
    case "\${COMP_WORDS[1]}" in
${cases}
    *) words="${tree.globalFlags.join(' ')}" ;;
    esac
  fi
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _jit_complete jit jit-access
`;
}

function quoteZsh(text: string): string {
  return text.replace(/[:'\\]/g, (ch) => (ch === "'" ? "'\\''" : `\\${ch}`));
}

function zsh(tree: Tree): string {
  const commands = tree.commands.map((c) => `    '${c.name}:${quoteZsh(c.description)}'`).join('\n');
  const cases = tree.commands
    .map(
      (c) => `    ${c.name}) compadd -- ${[...c.subcommands, ...c.flags, ...tree.globalFlags].join(' ')} ;;`,
    )
    .join('\n');
  return `#compdef jit jit-access
# jit completion for zsh: add to ~/.zshrc:  source <(jit completion zsh)
_jit() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case "\${words[2]}" in
${cases}
  esac
}
if [ "$funcstack[1]" = "_jit" ]; then _jit "$@"; else compdef _jit jit jit-access; fi
`;
}

function fish(tree: Tree): string {
  const lines = ['# jit completion for fish: jit completion fish > ~/.config/fish/completions/jit.fish'];
  for (const program of ['jit', 'jit-access']) {
    lines.push(`complete -c ${program} -f`);
    for (const flag of tree.globalFlags) lines.push(`complete -c ${program} -l ${flag.slice(2)}`);
    for (const c of tree.commands) {
      const description = c.description.replace(/'/g, "\\'");
      lines.push(`complete -c ${program} -n '__fish_use_subcommand' -a ${c.name} -d '${description}'`);
      for (const sub of c.subcommands) {
        lines.push(`complete -c ${program} -n '__fish_seen_subcommand_from ${c.name}' -a ${sub}`);
      }
      for (const flag of c.flags) {
        lines.push(`complete -c ${program} -n '__fish_seen_subcommand_from ${c.name}' -l ${flag.slice(2)}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

const SHELLS = { bash, zsh, fish } as const;

export function completionCommand(run: CliRun): Command {
  return withExamples(
    new Command('completion')
      .description('print a shell completion script: bash, zsh or fish')
      .argument('<shell>', 'bash, zsh or fish')
      .action((shell: string, _options, command: Command) => {
        const render = SHELLS[shell as keyof typeof SHELLS];
        if (!render) {
          throw new UserError(
            'JIT_INVALID_SHELL',
            `<shell> "${shell}" is not supported: use bash, zsh or fish.`,
          );
        }
        run.io.stdout.write(render(treeOf(command.parent as Command)));
      }),
    'source <(jit completion bash)',
    'jit completion fish > ~/.config/fish/completions/jit.fish',
  );
}
