/** What `jit role` does: print the provider's role documents; no cloud call is made. */
import type { Command } from 'commander';
import { appContext } from '../app-context.js';
import { onScope } from '../cloud-session.js';
import type { CliRun } from '../run.js';

export async function role(run: CliRun, command: Command): Promise<void> {
  await onScope(appContext(run, command), '`jit role`', async ({ deps, out }) => {
    const documents = deps.provider.role();
    out.result(documents, () => JSON.stringify(documents, null, 2));
  });
}
