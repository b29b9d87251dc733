/** What `jit list` does: answers "what can I request?" for the cloud in scope. */
import type { Command } from 'commander';
import { listEnabled } from '../../core/use-cases/list.js';
import { configDir } from '../../config/paths.js';
import { appContext } from '../app-context.js';
import { onScope } from '../cloud-session.js';
import { listJson, listText } from '../render/list.js';
import { lookOf } from '../render/look.js';
import type { CliRun } from '../run.js';
import { rememberVmNames } from '../vm-cache.js';

export async function list(run: CliRun, command: Command): Promise<void> {
  await onScope(appContext(run, command), '`jit list`', async ({ deps, out }) => {
    const result = await listEnabled(deps);
    // --quiet: the VM names, one a line (their ids with --verbose), for a loop or a picker.
    const names = () => result.vms.map((vm) => (out.verbose ? vm.id : vm.name));
    out.result(listJson(result), (c) => listText(lookOf(c, out, deps.clock), result), names);
    await rememberVmNames(configDir(run.io.env), deps.clock, result.vms.map((vm) => vm.name));
  });
}
