/**
 * The entry point: builds the commander program, runs it, and owns the one top-level error
 * handler. Commander's own parse errors come through it too (exit 2), and so does --json. What the
 * commands work with is built in one place, cli/app-context.ts, before the command runs.
 */
import { Command, CommanderError } from 'commander';
import { exitCodeOf, UserError } from '../core/errors.js';
import { bundledPackages, packageVersion, verboseVersion } from './build-info.js';
import { completionCommand, VM_NAMES_COMMAND, vmNamesCommand } from './commands/completion.js';
import { configCommand } from './commands/config.js';
import { ipCommand } from './commands/ip.js';
import { listCommand } from './commands/list.js';
import { disableCommand } from './commands/disable.js';
import { doctorCommand } from './commands/doctor.js';
import { enableCommand } from './commands/enable.js';
import { requestCommand } from './commands/request.js';
import { revokeCommand } from './commands/revoke.js';
import { roleCommand } from './commands/role.js';
import { scanCommand } from './commands/scan.js';
import { sshCommand } from './commands/ssh.js';
import { statusCommand } from './commands/status.js';
import { sweepCommand } from './commands/sweep.js';
import { addGlobalFlags, globalFlags } from './global-flags.js';
import { type Io, processIo } from './io.js';
import type { OutputFlags } from './output.js';
import type { AppOverrides, CliRun } from './run.js';
import { SCHEMA_VERSION } from './schema-version.js';

export function buildProgram(run: CliRun): Command {
  const program = new Command('jit')
    .description(
      'Just-in-time network access to cloud VMs: open a port for your IP only, for a bounded time, ' +
      'on Azure Network Security Groups and AWS EC2 security groups.',
    )
    .version(packageVersion(), '-V, --version', 'print the version (with --verbose: the bundled packages too)')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride()
    .configureOutput({
      writeOut: (text) => run.io.stdout.write(text),
      writeErr: (text) => run.io.stderr.write(text),
      // Errors are rendered by our handler (text or --json), not by commander.
      outputError: () => {},
    });
  addGlobalFlags(program);
  // Overdue grants are revoked before any command that may touch the cloud or the ledger;
  // `completion` runs at every shell start and `__vms` on every Tab: both must stay instant.
  program.hook('preAction', async (_root, action) => {
    if (action.name() === 'completion' || action.name() === VM_NAMES_COMMAND) return;
    // Before the reaper reads the ledger or builds a provider: an unsafe config directory or a bad
    // endpoint is a usage error (exit 2), and nothing is read from or sent to either.
    const [{ checkEndpointVariables }, { checkConfigDir, configDir }] = await Promise.all([
      import('../config/endpoints.js'),
      import('../config/paths.js'),
    ]);
    checkEndpointVariables(run.io.env);
    await checkConfigDir(configDir(run.io.env));
    // The command's context is built here, once: the reaper and the command share it.
    const [{ createAppContext }, { reapFirst }] = await Promise.all([import('./app-context.js'), import('./reap-first.js')]);
    run.context = createAppContext(run, globalFlags(action));
    await reapFirst(run.context);
  });
  program.addHelpText(
    'after',
    '\nExamples:\n' +
    '  $ jit enable vm01 --port 22 --max-duration 3h\n' +
    '  $ jit request vm01 --port 22 --duration 1h\n' +
    '  $ jit ssh vm01 --user azureuser\n' +
    '  $ jit status\n\n' +
    'Exit codes: 0 ok · 1 cloud/operation failure · 2 bad input · 3 refused by policy · 4 auth · 130 interrupted',
  );
  // Commands built apart and added here do not inherit the root's settings by themselves: copy the
  // output wiring, exit override and help layout (with the global flags) down the tree.
  const inherit = (parent: Command, command: Command) => {
    command.copyInheritedSettings(parent);
    for (const sub of command.commands) inherit(command, sub);
  };
  for (const command of [
    enableCommand(run),
    disableCommand(run),
    requestCommand(run),
    sshCommand(run),
    statusCommand(run),
    listCommand(run),
    revokeCommand(run),
    sweepCommand(run),
    scanCommand(run),
    roleCommand(run),
    ipCommand(run),
    doctorCommand(run),
    configCommand(run),
    completionCommand(run),
  ]) {
    inherit(program, command);
    program.addCommand(command);
  }
  // What the completion scripts call on Tab: hidden from help, no reaper, no cloud.
  const vmNames = vmNamesCommand(run);
  inherit(program, vmNames);
  program.addCommand(vmNames, { hidden: true });
  return program;
}

/** The flags that shape error output, read from argv because a parse error has no parsed options. */
function outputFlagsFromArgv(argv: string[]): OutputFlags {
  const end = argv.indexOf('--');
  const own = end === -1 ? argv : argv.slice(0, end);
  return {
    json: own.includes('--json'),
    verbose: own.includes('--verbose'),
    quiet: own.includes('--quiet') || own.includes('-q'),
    color: !own.includes('--no-color'),
  };
}

function usageError(error: CommanderError, argv: string[]): UserError {
  const message = error.message.replace(/^error: /, '');
  const first = argv.find((arg) => !arg.startsWith('-'));
  const where = first && !message.startsWith('unknown command') ? `jit ${first} --help` : 'jit --help';
  return new UserError('JIT_USAGE', message.charAt(0).toUpperCase() + message.slice(1), {
    hint: `Run \`${where}\` for the accepted commands and flags.`,
  });
}

/** `overrides`: what in-process tests put in place of the cloud, clock, scheduler … (cli/run.ts). */
export async function main(argv: string[], io: Io, overrides?: AppOverrides): Promise<number> {
  const run: CliRun = { io, notices: { warnings: [], notes: [] }, exitCode: 0, ...(overrides ? { overrides } : {}) };
  // `jit --version --verbose` answers "which @azure/identity is in this?" without unpacking anything.
  const own = outputFlagsFromArgv(argv);
  if (own.verbose && argv.every((arg) => arg.startsWith('-')) && argv.some((arg) => arg === '--version' || arg === '-V')) {
    const [version, bundled] = [packageVersion(), bundledPackages()];
    io.stdout.write(own.json ? `${JSON.stringify({ schemaVersion: SCHEMA_VERSION, version, node: process.version, bundled: bundled ?? null })}\n` : verboseVersion(version, bundled));
    return 0;
  }
  try {
    await buildProgram(run).parseAsync(argv, { from: 'user' });
    return run.exitCode;
  } catch (thrown) {
    let error = thrown;
    if (thrown instanceof CommanderError) {
      if (thrown.code === 'commander.helpDisplayed' || thrown.code === 'commander.version') return 0;
      // A bare `jit` prints the help on stderr: a usage error, exit 2.
      if (thrown.code === 'commander.help') return 2;
      error = usageError(thrown, argv);
    }
    // Loaded here, not at start-up: `jit --help` never needs chalk.
    const { Output } = await import('./output.js');
    new Output(io, outputFlagsFromArgv(argv), run.notices).error(error);
    return exitCodeOf(error);
  }
}

export async function runFromProcess(): Promise<void> {
  // A reader that goes away (`jit status | head -1`) is not a failure worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  process.exitCode = await main(process.argv.slice(2), processIo());
}
