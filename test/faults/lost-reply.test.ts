/**
 * Writes whose outcome jit cannot know: the grant stays tracked and its rule is gone at expiry (or
 * at once, for a write that failed), with no jit command run after the request.
 *
 * - AWS: EC2 applies AuthorizeSecurityGroupIngress but the reply is lost (the EC2 fault proxy drops
 *   the connection). The SDK retries and meets jit's own rule (InvalidPermission.Duplicate).
 * - Azure: the grant's PUT fails on one NSG and the rollback's DELETE fails on the other, so a rule
 *   is left behind by a request that reported failure.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { armSubprocessEnv, seedLinuxVm, startArmEmulator, type ArmEmulator } from '../emulators/arm/server.js';
import { startEc2FaultProxy, type Ec2FaultProxy } from '../emulators/ec2-proxy/proxy.js';
import { awsHarness, type CloudHarness } from '../e2e/support/cloud-harness.js';
import { baseEnv, runBin, tempConfigDir } from '../support/cli.js';

const dirs: { dir: string; cleanup: () => void }[] = [];
const newDir = () => {
  const made = tempConfigDir();
  dirs.push(made);
  return made.dir;
};
const schedulerPid = (dir: string) => {
  try {
    return Number(readFileSync(path.join(dir, 'scheduler.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
};

afterEach(() => {
  // Every scheduler a test started ends with it.
  for (const { dir } of dirs) {
    const pid = schedulerPid(dir);
    try {
      if (pid) process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});
afterAll(() => {
  for (const { cleanup } of dirs.splice(0)) cleanup();
});

describe('AWS: a reply lost after EC2 applied the grant', () => {
  let aws: CloudHarness;
  let proxy: Ec2FaultProxy;
  beforeAll(async () => {
    aws = await awsHarness();
    proxy = await startEc2FaultProxy({ target: aws.env('/tmp').AWS_ENDPOINT_URL! });
  });
  afterAll(async () => {
    await proxy?.close();
    await aws?.close();
  });

  it('is a success on the retry, and the rule is gone at expiry with no jit command run', async () => {
    const dir = newDir();
    const env = { ...aws.env(dir), AWS_ENDPOINT_URL_EC2: proxy.url };
    const vm = await aws.newVm();
    expect((await runBin(['enable', vm, '--allow-source', '198.51.100.0/24', '--json'], { env })).code).toBe(0);
    proxy.loseReplyAfterApply('AuthorizeSecurityGroupIngress', 1);

    const result = await runBin(['request', vm, '-p', '22', '-d', '5s', '--source', '198.51.100.7', '--json'], { env });

    expect(result.code, result.stderr).toBe(0);
    expect(proxy.calls.filter((c) => c.action === 'AuthorizeSecurityGroupIngress').map((c) => c.status)).toEqual([0, 400]);
    expect((await aws.jitAllowRules(vm)).map((r) => r.source)).toEqual(['198.51.100.7/32']);
    const { grant } = JSON.parse(result.stdout);
    expect(grant.state).toBe('active');
    const expiresAt = Date.parse(grant.expiresAt);
    const timeout = expiresAt - Date.now() + 5000;
    await vi.waitFor(async () => expect(await aws.jitAllowRules(vm)).toEqual([]), { timeout, interval: 200 });
    expect(Date.now() - expiresAt).toBeLessThanOrEqual(5000);
  }, 60_000);
});

describe('Azure: a rollback whose DELETE fails', () => {
  let emu: ArmEmulator;
  beforeAll(async () => {
    emu = await startArmEmulator();
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('leaves a failed grant that the scheduler closes at once, with no jit command run', async () => {
    const dir = newDir();
    const vm = seedLinuxVm(emu, { vmName: 'vmlost', resourceGroup: 'rg-lost', publicIp: '20.0.0.9' });
    const env = { ...baseEnv(dir), ...armSubprocessEnv(emu), JIT_CLOUD: 'azure' };
    expect((await runBin(['enable', 'vmlost', '--allow-source', '198.51.100.0/24', '--json'], { env })).code).toBe(0);
    const allowRules = () =>
      [vm.nicNsgName, vm.subnetNsgName]
        .flatMap((nsg) => emu.state.ruleSummary(vm.subscriptionId, vm.resourceGroup, nsg!))
        .filter((r) => r.name.startsWith('jit-allow-'));
    // The subnet NSG refuses the grant; the NIC NSG took it, and refuses the rollback's delete once.
    emu.faults.add({ method: 'PUT', pathIncludes: `/networkSecurityGroups/${vm.subnetNsgName}/securityRules/jit-allow-`, status: 403 });
    emu.faults.add({ method: 'DELETE', pathIncludes: `/networkSecurityGroups/${vm.nicNsgName}/securityRules/jit-allow-`, status: 403, times: 1 });

    const result = await runBin(['request', 'vmlost', '-p', '22', '-d', '1h', '--source', '198.51.100.8', '--json'], { env });

    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error.code).toBe('JIT_AZURE_ROLLBACK_INCOMPLETE');
    const ledger = JSON.parse(readFileSync(path.join(dir, 'grants.json'), 'utf8'));
    expect(ledger.grants.map((g: { state: string }) => g.state)).toEqual([expect.stringMatching(/failed|revoked/)]);
    // Nothing else is run: the scheduler, made sure of before the write, removes the leftover rule.
    await vi.waitFor(() => expect(allowRules()).toEqual([]), { timeout: 15_000, interval: 200 });
  }, 60_000);
});
