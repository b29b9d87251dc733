/**
 * `jit completion bash|zsh|fish`: completion scripts generated from the program's own command
 * tree, so a new command or flag is completed without editing a hand-kept list. Beyond commands and
 * flags they complete the values jit knows without asking anyone: `--cloud`, `--scope`, the shells,
 * the keys of `jit config get|set|unset`, and VM names from the local cache that `jit list` and
 * `jit scan` leave behind (cli/vm-cache.ts), read by the hidden `jit __vms`: never a cloud call on Tab.
 */
import { type Command, Command as CommanderCommand } from 'commander';
import { CONFIG_KEYS } from '../../config/keys.js';
import { configDir } from '../../config/paths.js';
import { UserError } from '../../core/errors.js';
import { CLOUDS } from '../../core/model.js';
import { withExamples } from '../command-kit.js';
import type { CliRun } from '../run.js';

/** The hidden command the scripts call for VM names. */
export const VM_NAMES_COMMAND = '__vms';

/** Flags whose values are a fixed list. */
const FLAG_VALUES: Record<string, readonly string[]> = {
  '--cloud': CLOUDS,
  '--scope': ['requester', 'admin'],
};

interface TreeCommand {
  name: string;
  description: string;
  flags: string[];
  subcommands: string[];
  /** The first argument is a VM (or may be one): completed from the cache. */
  takesVm: boolean;
  /** Subcommands whose argument is a config key (`config get|set|unset`). */
  keySubcommands: string[];
  /** Fixed values of the first argument (`completion <shell>`). */
  argValues: string[];
}

interface Tree {
  commands: TreeCommand[];
  globalFlags: string[];
}

function longFlags(command: Command): string[] {
  return command.options.map((option) => option.long).filter((flag): flag is string => flag !== undefined);
}

const firstArgument = (command: Command) => command.registeredArguments[0]?.name();

function treeOf(root: Command): Tree {
  return {
    globalFlags: [...longFlags(root), '--help'],
    commands: root.commands
      .filter((c) => c.name() !== 'help' && c.name() !== VM_NAMES_COMMAND)
      .map((c) => ({
        name: c.name(),
        description: c.description().split('\n')[0] ?? '',
        flags: longFlags(c),
        subcommands: c.commands.map((s) => s.name()),
        takesVm: ['vm', 'grant-or-vm'].includes(firstArgument(c) ?? ''),
        keySubcommands: c.commands.filter((s) => firstArgument(s) === 'key').map((s) => s.name()),
        argValues: c.name() === 'completion' ? Object.keys(SHELLS) : [],
      })),
  };
}

function bash(tree: Tree): string {
  const cases = tree.commands
    .map((c) => `    ${c.name}) words="${[...c.argValues, ...c.subcommands, ...c.flags, ...tree.globalFlags].join(' ')}" ;;`)
    .join('\n');
  const values = Object.entries(FLAG_VALUES)
    .map(([flag, list]) => `    ${flag}) COMPREPLY=( $(compgen -W "${list.join(' ')}" -- "$cur") ); return ;;`)
    .join('\n');
  const vmCommands = tree.commands.filter((c) => c.takesVm).map((c) => c.name).join('|');
  const keyed = tree.commands.filter((c) => c.keySubcommands.length > 0);
  const keyCases = keyed
    .map((c) => `    ${c.name}) case "\${COMP_WORDS[2]}" in ${c.keySubcommands.join('|')}) [ "$COMP_CWORD" -eq 3 ] && words="${CONFIG_KEYS.join(' ')}" ;; esac ;;`)
    .join('\n');
  return `# jit completion for bash: add to ~/.bashrc:  source <(jit completion bash)
_jit_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" words
  case "$prev" in
${values}
  esac
  if [ "$COMP_CWORD" -eq 1 ]; then
    words="${tree.commands.map((c) => c.name).join(' ')} ${tree.globalFlags.join(' ')}"
  else
    case "\${COMP_WORDS[1]}" in
${cases}
    *) words="${tree.globalFlags.join(' ')}" ;;
    esac
    case "\${COMP_WORDS[1]}" in
    ${vmCommands}) if [ "$COMP_CWORD" -eq 2 ] && [ "\${cur#-}" = "$cur" ]; then words="$("\${COMP_WORDS[0]}" ${VM_NAMES_COMMAND} 2>/dev/null) $words"; fi ;;
${keyCases}
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
  const values = Object.entries(FLAG_VALUES).map(([flag, list]) => `    ${flag}) compadd -- ${list.join(' ')}; return ;;`).join('\n');
  const cases = tree.commands
    .map((c) => {
      const extra = [
        c.takesVm ? `(( CURRENT == 3 )) && [[ \${words[CURRENT]} != -* ]] && compadd -- \${(f)"$(\${words[1]} ${VM_NAMES_COMMAND} 2>/dev/null)"}; ` : '',
        c.argValues.length > 0 ? `(( CURRENT == 3 )) && compadd -- ${c.argValues.join(' ')}; ` : '',
        c.keySubcommands.length > 0 ? `(( CURRENT == 4 )) && [[ \${words[3]} == (${c.keySubcommands.join('|')}) ]] && compadd -- ${CONFIG_KEYS.join(' ')}; ` : '',
      ].join('');
      return `    ${c.name}) ${extra}compadd -- ${[...c.subcommands, ...c.flags, ...tree.globalFlags].join(' ')} ;;`;
    })
    .join('\n');
  return `#compdef jit jit-access
# jit completion for zsh: add to ~/.zshrc:  source <(jit completion zsh)
_jit() {
  local -a commands
  commands=(
${commands}
  )
  case "\${words[CURRENT-1]}" in
${values}
  esac
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
    for (const flag of tree.globalFlags) {
      const values = FLAG_VALUES[flag];
      lines.push(`complete -c ${program} -l ${flag.slice(2)}${values ? ` -x -a '${values.join(' ')}'` : ''}`);
    }
    for (const c of tree.commands) {
      const description = c.description.replace(/'/g, "\\'");
      const seen = `__fish_seen_subcommand_from ${c.name}`;
      lines.push(`complete -c ${program} -n '__fish_use_subcommand' -a ${c.name} -d '${description}'`);
      for (const sub of c.subcommands) lines.push(`complete -c ${program} -n '${seen}' -a ${sub}`);
      if (c.argValues.length > 0) lines.push(`complete -c ${program} -n '${seen}' -a '${c.argValues.join(' ')}'`);
      if (c.takesVm) lines.push(`complete -c ${program} -n '${seen}' -a '(${program} ${VM_NAMES_COMMAND} 2>/dev/null)'`);
      if (c.keySubcommands.length > 0) {
        lines.push(`complete -c ${program} -n '${seen}; and __fish_seen_subcommand_from ${c.keySubcommands.join(' ')}' -a '${CONFIG_KEYS.join(' ')}'`);
      }
      for (const flag of c.flags) {
        const values = FLAG_VALUES[flag];
        lines.push(`complete -c ${program} -n '${seen}' -l ${flag.slice(2)}${values ? ` -x -a '${values.join(' ')}'` : ''}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

const SHELLS = { bash, zsh, fish } as const;

export function completionCommand(run: CliRun): Command {
  return withExamples(
    new CommanderCommand('completion')
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

/** `jit __vms` (hidden): the cached VM names, one a line; nothing when the cache is missing or stale. */
export function vmNamesCommand(run: CliRun): Command {
  return new CommanderCommand(VM_NAMES_COMMAND).description('VM names for shell completion, from the local cache').action(async () => {
    const { readVmCache } = await import('../vm-cache.js');
    const names = await readVmCache(configDir(run.io.env), run.overrides?.clock ?? { now: () => new Date() });
    if (names.length > 0) run.io.stdout.write(`${names.join('\n')}\n`);
  });
}
