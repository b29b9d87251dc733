// Standalone ARM emulator for demos and benchmarks:
//   npx tsx test/emulators/arm/launch.ts [seed.json] [--latency-ms N] [--lro-polls N] [--page-size N]
// Prints one JSON line {"url","caCertPath","subscriptionId","vms"} on stdout, then serves until SIGTERM/SIGINT.
// seed.json: {"linuxVms":[{"vmName":"vm01","publicIp":"203.0.113.10"}], "snapshot": <emu.state.snapshot()>}
import { readFileSync } from 'node:fs';
import { type SeedFile, seedFromJson } from './seed.js';
import { startArmEmulator } from './server.js';
import { DEFAULT_SUBSCRIPTION_ID } from './token.js';

function flag(args: string[], name: string): number | undefined {
  const index = args.indexOf(name);
  const value = index >= 0 ? args[index + 1] : undefined;
  return value === undefined ? undefined : Number(value);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seedPath = args.find((arg, index) => !arg.startsWith('--') && !args[index - 1]?.startsWith('--'));
  const latencyMs = flag(args, '--latency-ms');
  const lroPolls = flag(args, '--lro-polls');
  const pageSize = flag(args, '--page-size');
  const emu = await startArmEmulator({
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(lroPolls !== undefined ? { lroPolls } : {}),
    ...(pageSize !== undefined ? { pageSize } : {}),
  });
  const seed: SeedFile = seedPath ? (JSON.parse(readFileSync(seedPath, 'utf8')) as SeedFile) : {};
  const vms = seedFromJson(emu, seed);
  if (!emu.state.getSubscription(DEFAULT_SUBSCRIPTION_ID) && emu.state.listSubscriptions().length === 0) {
    emu.state.addSubscription(DEFAULT_SUBSCRIPTION_ID);
  }
  process.stdout.write(
    `${JSON.stringify({
      url: emu.url,
      caCertPath: emu.caCertPath,
      subscriptionId: emu.state.listSubscriptions()[0]?.subscriptionId,
      vms: vms.map((vm) => vm.vmId),
    })}\n`,
  );
  const stop = () => {
    emu.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
