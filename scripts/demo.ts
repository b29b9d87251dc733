/**
 * npm run demo: the whole job in under a minute, with the real CLI (bin/jit.js) against local
 * stand-ins for the cloud: the ARM emulator for Azure (HTTPS on 127.0.0.1, the real Azure SDKs and
 * credential chain through a fake `az`), and two local echo services for public-IP detection.
 * Nothing leaves this machine.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { armSubprocessEnv, seedLinuxVm, startArmEmulator } from '../test/emulators/arm/server.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'jit.js');
/** The address the local "what is my IP" services report: a stand-in for yours. */
const YOUR_IP = '81.2.69.160';
const tty = process.stdout.isTTY === true;
const bold = (s: string) => (tty ? `\u001b[1m${s}\u001b[22m` : s);
const dim = (s: string) => (tty ? `\u001b[2m${s}\u001b[22m` : s);

async function echoService(): Promise<http.Server> {
  const server = http.createServer((_req, res) => res.end(`${YOUR_IP}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

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

async function main(): Promise<void> {
  const configDir = mkdtempSync(path.join(tmpdir(), 'jit-demo-'));
  const emu = await startArmEmulator();
  const services = [await echoService(), await echoService()];
  try {
    seedLinuxVm(emu, { vmName: 'vm01', publicIp: '20.61.15.4' });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...armSubprocessEnv(emu),
      JIT_CONFIG_DIR: configDir,
      JIT_CLOUD: 'azure',
      JIT_IP_URLS: services.map((s) => `http://127.0.0.1:${(s.address() as AddressInfo).port}/`).join(','),
      FORCE_COLOR: tty ? '1' : '0',
    };
    say('vm01 (Azure, emulated) has SSH open to the whole internet on its NIC and subnet NSGs.');
    await jit(['status', 'vm01'], env);
    say('Lock port 22 down; requests may ask for at most 1 hour.');
    await jit(['enable', 'vm01', '--port', '22', '--max-duration', '1h'], env);
    await jit(['status', 'vm01'], env);
    say(`Ask for access: jit detects your public IP (${YOUR_IP} here) and opens 22 for it alone.`);
    await jit(['request', 'vm01', '--port', '22', '--duration', '20s'], env);
    await jit(['status', 'vm01'], env);
    say('Done early? End the grant (it would also end by itself at expiry).');
    await jit(['revoke', 'vm01'], env);
    await jit(['status', 'vm01'], env);
    say('Undo the lock-down: every NSG goes back exactly as it was.');
    await jit(['disable', 'vm01', '--yes'], env);
    await jit(['status', 'vm01'], env);
  } finally {
    for (const s of services) s.close();
    await emu.close();
    rmSync(configDir, { recursive: true, force: true });
  }
}

await main();
