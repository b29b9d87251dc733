/**
 * npm run demo: the whole job in under a minute, with the real CLI (bin/jit.js) against local
 * stand-ins for the clouds: the ARM emulator for Azure (HTTPS on 127.0.0.1, the real Azure SDKs and
 * credential chain through a fake `az`), moto for AWS when it is installed, and two local echo
 * services for public-IP detection. Nothing leaves this machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAwsClients } from '../src/clouds/aws/index.js';
import { armSubprocessEnv, seedLinuxVm, startArmEmulator } from '../test/emulators/arm/server.js';
import { startMoto } from '../test/emulators/moto/moto.js';
import { createGroup, createVpc, runInstance } from '../test/integration/aws/support.js';
import { LocalHttp } from '../test/support/local-http.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'jit.js');
/** The address the local "what is my IP" services report: a stand-in for yours. */
const YOUR_IP = '81.2.69.160';
const tty = process.stdout.isTTY === true;
const bold = (s: string) => (tty ? `\u001b[1m${s}\u001b[22m` : s);
const dim = (s: string) => (tty ? `\u001b[2m${s}\u001b[22m` : s);

function jit(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  process.stdout.write(`\n${bold(`$ jit ${args.join(' ')}`)}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

function say(text: string): void {
  process.stdout.write(`\n${dim(`# ${text}`)}\n`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The environment of the jit processes: the cloud stand-in's variables, a private config dir, the IP services. */
function cliEnv(cloud: 'azure' | 'aws', configDir: string, ipUrls: string, extra: Record<string, string>) {
  return {
    ...process.env,
    ...extra,
    JIT_CONFIG_DIR: configDir,
    JIT_CLOUD: cloud,
    JIT_IP_URLS: ipUrls,
    FORCE_COLOR: tty ? '1' : '0',
  };
}

async function azure(ipUrls: string, configDir: string): Promise<void> {
  const emu = await startArmEmulator();
  try {
    seedLinuxVm(emu, { vmName: 'vm01', publicIp: '20.61.15.4' });
    const env = cliEnv('azure', configDir, ipUrls, armSubprocessEnv(emu));
    say('Azure (emulated): vm01 has SSH open to the whole internet on its NIC and subnet NSGs.');
    await jit(['status', 'vm01'], env);
    say('Lock port 22 down; requests may ask for at most 1 hour.');
    await jit(['enable', 'vm01', '--port', '22', '--max-duration', '1h'], env);
    await jit(['status', 'vm01'], env);
    say(`Ask for access: jit detects your public IP (${YOUR_IP} here) and opens 22 for it alone, for 10 seconds.`);
    await jit(['request', 'vm01', '--port', '22', '--duration', '10s'], env);
    await jit(['status', 'vm01'], env);
    say('jit has exited. The background scheduler removes the rule at expiry; waiting for it…');
    await sleep(12_000);
    await jit(['status', 'vm01'], env);
    say('Undo the lock-down: every NSG goes back exactly as it was.');
    await jit(['disable', 'vm01', '--yes'], env);
  } finally {
    await emu.close();
  }
}

async function aws(ipUrls: string, configDir: string): Promise<void> {
  let moto: Awaited<ReturnType<typeof startMoto>>;
  try {
    moto = await startMoto();
  } catch {
    say('AWS: moto is not installed here (python3 -m moto.server), so the AWS part is skipped.');
    return;
  }
  try {
    const awsEnv = {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: moto.endpoint,
    };
    Object.assign(process.env, awsEnv);
    const { ec2 } = buildAwsClients({ region: 'eu-west-1', env: awsEnv, maxAttempts: 1 });
    const place = await createVpc(ec2);
    const web = await createGroup(ec2, place.vpcId, 'web', [
      { from: 22, cidr: '0.0.0.0/0', description: 'SSH from anywhere' },
      { from: 443, cidr: '0.0.0.0/0', description: 'HTTPS' },
    ]);
    await runInstance(ec2, place, [web], { Name: 'web01' });
    const env = cliEnv('aws', configDir, ipUrls, awsEnv);
    say('AWS (moto): web01 has SSH open to the world in its security group "web".');
    await jit(['status', 'web01'], env);
    say('Lock 22 down: jit gives web01 its own empty group and revokes the broad SSH rule (HTTPS stays).');
    await jit(['enable', 'web01', '--port', '22'], env);
    await jit(['request', 'web01', '--port', '22', '--duration', '30m'], env);
    await jit(['status', 'web01'], env);
    await jit(['revoke', 'web01'], env);
    say('Disable restores the SSH rule exactly as it was, description included.');
    await jit(['disable', 'web01', '--yes'], env);
    await jit(['status', 'web01'], env);
  } finally {
    await moto.stop();
  }
}

async function main(): Promise<void> {
  const local = new LocalHttp();
  const ipUrls = [await local.echo(`${YOUR_IP}\n`), await local.echo(`${YOUR_IP}\n`)].join(',');
  const dirs = [mkdtempSync(path.join(tmpdir(), 'jit-demo-')), mkdtempSync(path.join(tmpdir(), 'jit-demo-'))];
  try {
    await azure(ipUrls, dirs[0]!);
    await aws(ipUrls, dirs[1]!);
  } finally {
    await local.closeAll();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}

await main();
