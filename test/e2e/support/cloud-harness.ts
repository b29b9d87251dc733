/**
 * One harness per cloud emulator, so the same end-to-end behaviour (expiry, sweep, -- CMD) is
 * tested through bin/jit.js on both: a fresh VM per test, the environment a jit subprocess needs,
 * and read-outs of the cloud state (jit's allow rules, and everything a user configured).
 */
import {
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { buildAwsClients } from '../../../src/clouds/aws/index.js';
import { armSubprocessEnv, seedLinuxVm, startArmEmulator } from '../../emulators/arm/server.js';
import { startMoto } from '../../emulators/moto/moto.js';
import { createGroup, createVpc, runInstance } from '../../integration/aws/support.js';
import { baseEnv } from '../../support/cli.js';

export interface JitRuleView {
  /** Where the rule lives (NSG or security group). */
  on: string;
  name: string;
  /** Source prefix as the cloud stores it, normalised to CIDR. */
  source: string;
}

export interface CloudHarness {
  readonly cloud: 'azure' | 'aws';
  /** The environment for a jit subprocess using `configDir`. */
  env(configDir: string): Record<string, string>;
  /** Seeds a new VM with SSH open to the internet; returns what to pass jit as <vm>. */
  newVm(): Promise<string>;
  /** The VM's public address (what `jit ssh` connects to). */
  publicAddress(vm: string): Promise<string>;
  /** jit's allow rules currently on the VM's path. */
  jitAllowRules(vm: string): Promise<JitRuleView[]>;
  /** Everything not made by jit on the VM's path, in a form that compares equal when unchanged. */
  userRules(vm: string): Promise<unknown>;
  close(): Promise<void>;
}

const cidr = (prefix: string) => (prefix.includes('/') ? prefix : `${prefix}/${prefix.includes(':') ? 128 : 32}`);

export async function azureHarness(): Promise<CloudHarness> {
  const emu = await startArmEmulator();
  const vms = new Map<string, ReturnType<typeof seedLinuxVm>>();
  const nsgsOf = (vm: string) => {
    const seeded = vms.get(vm)!;
    return [seeded.nicNsgName, seeded.subnetNsgName]
      .filter((n): n is string => n !== undefined)
      .map((nsg) => ({ nsg, rules: emu.state.ruleSummary(seeded.subscriptionId, seeded.resourceGroup, nsg) }));
  };
  return {
    cloud: 'azure',
    env: (configDir) => ({ ...baseEnv(configDir), ...armSubprocessEnv(emu), JIT_CLOUD: 'azure' }),
    async newVm() {
      const name = `vm${vms.size + 1}`;
      // A resource group each: the subnet NSG is per VNet, and tests must not see each other's rules.
      vms.set(name, seedLinuxVm(emu, { vmName: name, resourceGroup: `rg-${name}`, publicIp: `20.0.0.${vms.size + 1}` }));
      return name;
    },
    publicAddress: async (vm) => `20.0.0.${vm.slice(2)}`,
    async jitAllowRules(vm) {
      return nsgsOf(vm).flatMap(({ nsg, rules }) =>
        rules
          .filter((r) => r.name.startsWith('jit-allow-'))
          .flatMap((r) => {
            // ARM returns both fields, the unused one empty.
            const list = (r.sourceAddressPrefixes as string[] | undefined) ?? [];
            const sources = list.length > 0 ? list : [r.sourceAddressPrefix as string];
            return sources.map((s) => ({ on: nsg, name: r.name, source: cidr(s) }));
          }),
      );
    },
    async userRules(vm) {
      return nsgsOf(vm).map(({ nsg, rules }) => ({ nsg, rules: rules.filter((r) => !r.name.startsWith('jit-')) }));
    },
    close: () => emu.close(),
  };
}

export async function awsHarness(): Promise<CloudHarness> {
  const moto = await startMoto();
  const awsEnv = {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // The inspecting client in this process takes its (fake) credentials from the environment too.
  process.env.AWS_ACCESS_KEY_ID = awsEnv.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = awsEnv.AWS_SECRET_ACCESS_KEY;
  const { ec2 } = buildAwsClients({ region: 'eu-west-1', env: awsEnv, maxAttempts: 1 });
  const vms = new Map<string, { instanceId: string; vpcId: string }>();
  const instance = async (vm: string) => {
    const { instanceId } = vms.get(vm)!;
    const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return answer.Reservations?.[0]?.Instances?.[0];
  };
  const rulesOf = async (groupId: string): Promise<SecurityGroupRule[]> =>
    (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] })))
      .SecurityGroupRules ?? [];
  const groupsOf = async (vm: string) =>
    (
      await ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vms.get(vm)!.vpcId] }] }),
      )
    ).SecurityGroups ?? [];
  return {
    cloud: 'aws',
    env: (configDir) => ({ ...baseEnv(configDir), ...awsEnv, JIT_CLOUD: 'aws' }),
    async newVm() {
      const name = `awsvm${vms.size + 1}`;
      const place = await createVpc(ec2);
      const app = await createGroup(ec2, place.vpcId, `app-${name}`, [
        { from: 22, cidr: '0.0.0.0/0', description: 'SSH from anywhere' },
        { from: 443, cidr: '0.0.0.0/0', description: 'HTTPS' },
      ]);
      vms.set(name, { instanceId: await runInstance(ec2, place, [app], { Name: name }), vpcId: place.vpcId });
      return name;
    },
    async publicAddress(vm) {
      return (await instance(vm))?.PublicIpAddress as string;
    },
    async jitAllowRules(vm) {
      const jitGroup = (await groupsOf(vm)).find((g) => g.GroupName === `jit-access-${vms.get(vm)!.instanceId}`);
      if (!jitGroup) return [];
      return (await rulesOf(jitGroup.GroupId!))
        .filter((r) => !r.IsEgress)
        .map((r) => ({ on: jitGroup.GroupId!, name: r.SecurityGroupRuleId!, source: cidr(r.CidrIpv4 ?? r.CidrIpv6 ?? '') }));
    },
    async userRules(vm) {
      const groups = (await groupsOf(vm)).filter((g) => !g.GroupName?.startsWith('jit-access-'));
      return Promise.all(
        groups.map(async (g) => ({
          group: g.GroupName,
          rules: (await rulesOf(g.GroupId!))
            .map((r) => [r.IsEgress, r.IpProtocol, r.FromPort, r.ToPort, r.CidrIpv4 ?? r.CidrIpv6, r.Description].join(' '))
            .sort(),
        })),
      );
    },
    close: () => moto.stop(),
  };
}
