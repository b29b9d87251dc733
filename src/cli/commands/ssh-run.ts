/** What `jit ssh` does: resolve the VM's public address, open a grant, run ssh, close the grant. */
import type { Command } from 'commander';
import { ProviderError, UserError } from '../../core/errors.js';
import { appContext } from '../app-context.js';
import { type GrantFlags, onTarget } from '../cloud-session.js';
import { type CommandOptions, text } from '../command-kit.js';
import type { CliRun } from '../run.js';
import { openRunClose } from '../run-while-open.js';
import { sshEndpoint } from '../render/firewall.js';
import { sshArgv } from '../ssh-argv.js';
import { durationFlag, justificationFlag, portsFlag, sourceFlag, userFlag } from '../validate.js';

export async function ssh(
  run: CliRun,
  vm: string | undefined,
  sshArgs: string[],
  options: CommandOptions,
  command: Command,
): Promise<void> {
  const ports = portsFlag(text(options.port), 'tcp')!;
  const flags: GrantFlags = {
    ports,
    duration: durationFlag(text(options.duration), '--duration'),
    source: sourceFlag(text(options.source)),
    justification: justificationFlag(text(options.justification)),
    dryRun: false,
  };
  const port = ports[0]!;
  if (ports.length !== 1 || port.from !== port.to) {
    throw new UserError('JIT_INVALID_PORT', `--port "${text(options.port)}" must be one port for ssh.`);
  }
  const user = userFlag(text(options.user));
  await onTarget(appContext(run, command), vm, 'jit ssh <vm>', async (session, ref) => {
    session.progress.step('Resolving the VM…');
    const target = await session.deps.provider.resolveTarget(ref);
    const address = target.publicAddresses[0];
    if (address === undefined && !target.natAddresses?.length) {
      throw new ProviderError('JIT_NO_PUBLIC_ADDRESS', `${target.name} has no public IP address to ssh to; nothing was opened.`, {
        hint: 'Use `jit request` and connect through your own route (VPN, bastion).',
      });
    }
    await openRunClose(session, target, flags, (result) => {
      // Behind an Azure Firewall the grant says where to connect: the firewall's address and port.
      const via = sshEndpoint(result.grant, port.from) ?? { address: address ?? '', port: port.from };
      return sshArgv({ ...via, user, extra: sshArgs });
    });
  });
}
