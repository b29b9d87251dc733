/** What `jit list` does: answers "what can I request?" for the cloud in scope. */
import type { Command } from 'commander';
import { listEnabled } from '../../core/use-cases/list.js';
import { configDir } from '../../config/paths.js';
import { appContext } from '../app-context.js';
import { onScope } from '../cloud-session.js';
import { listJson, listText } from '../render/list.js';
import type { CliRun } from '../run.js';
import { rememberVmNames } from '../vm-cache.js';

export async function list(run: CliRun, command: Command): Promise<void> {
  await onScope(appContext(run, command), '`jit list`', async ({ deps, out }) => {
    const result = await listEnabled(deps);
    out.result(listJson(result), (c) => listText(c, result));
    await rememberVmNames(configDir(run.io.env), deps.clock, result.vms.map((vm) => vm.name));
  });
}
