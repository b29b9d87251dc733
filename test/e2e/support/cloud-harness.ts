/**
 * One harness per cloud emulator, so the same end-to-end behaviour (expiry, sweep, -- CMD, faults)
 * is tested through bin/jit.js on both: a fresh VM per test, the environment a jit subprocess needs,
 * read-outs of the cloud state (jit's allow rules, and everything a user configured), and forged
 * rules that carry jit's metadata without jit having written them (the fault suite's hostile input).
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { expect } from 'vitest';
import { grantDescription as awsGrantDescription, grantTags } from '../../../src/clouds/aws/grant-metadata.js';
import { buildAwsClients } from '../../../src/clouds/aws/index.js';
import { allowRuleName, grantDescription as azureGrantDescription } from '../../../src/clouds/azure/rules.js';
import { armSubprocessEnv, fakeAzEnv, seedLinuxVm, startArmEmulator } from '../../emulators/arm/server.js';
import { startMoto } from '../../emulators/moto/moto.js';
import { createGroup, createVpc, runInstance } from '../../integration/aws/support.js';
import { baseEnv, type CliResult } from '../../support/cli.js';
import { azureProviderTrusting, inProcessJit, setProcessEnv } from '../../support/in-process-jit.js';

interface JitRuleView {
  /** Where the rule lives (NSG or security group). */
  on: string;
  name: string;
  /** Source prefix as the cloud stores it, normalised to CIDR. */
  source: string;
}

/**
 * A rule written straight into the cloud, bypassing jit, with jit's grant metadata in the format jit
 * writes (the product's own formatters, so a forgery stays indistinguishable from the real thing
 * when that format changes).
 */
export interface ForgedRule {
  /**
   * `jit`: where jit keeps grants (AWS: the instance's `jit-access-<instance-id>` group; Azure: a
   * rule named `jit-allow-<vm>-<grant id>` on every NSG of the VM's path). `user`: where jit does not
   * (AWS: the instance's own non-jit group; Azure: a rule of another name, on the NIC's NSG).
   */
  place: 'jit' | 'user';
  /** A CIDR; Azure also takes `*` and service tags. */
  source: string;
  port: number;
  grantId: string;
  /** ISO 8601. */
  expiresAt: string;
  requester: string;
  /** Azure, `user` rules: the rule's name (default `monitoring-<grant id>`). */
  name?: string;
}

export interface CloudHarness {
  readonly cloud: 'azure' | 'aws';
  /** The environment for a jit subprocess using `configDir`. */
  env(configDir: string): Record<string, string>;
  /**
   * jit run in this process (test/support/in-process-jit.ts): for the steps a test only needs done,
   * such as enabling a VM before the request it is about.
   */
  jitInProcess(configDir: string, argv: string[]): Promise<CliResult>;
  /** Seeds a new VM with SSH open to the internet; returns what to pass jit as <vm>. */
  newVm(): Promise<string>;
  /** The VM's public address (what `jit ssh` connects to). */
  publicAddress(vm: string): Promise<string>;
  /** jit's allow rules currently on the VM's path. */
  jitAllowRules(vm: string): Promise<JitRuleView[]>;
  /** Everything not made by jit on the VM's path, in a form that compares equal when unchanged. */
  userRules(vm: string): Promise<unknown>;
  /**
   * Writes a rule as a forger or a user would, ahead of every deny rule, so a broad source really
   * admits the internet. Returns its handle for `ruleState` (AWS: the rule id; Azure: its name).
   */
  forgeRule(vm: string, rule: ForgedRule): Promise<string>;
  /** Everything the cloud stores about that rule, as text; undefined once it is gone. */
  ruleState(vm: string, handle: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Requests in the expiry and fault tests come from here; enabledVm allows it (TEST-NET-2, never routed). */
const POLICY_SOURCES = '198.51.100.0/24';

/**
 * A new VM with `jit enable` done for port 22 (sources in POLICY_SOURCES), with the config
 * directory `dir`. Set-up, in this process: the tests are about what follows (jitInProcess).
 */
export async function enabledVm(cloud: CloudHarness, dir: string): Promise<string> {
  const vm = await cloud.newVm();
  const result = await cloud.jitInProcess(dir, ['enable', vm, '--port', '22', '--allow-source', POLICY_SOURCES, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return vm;
}

/** The sources of jit's allow rules on the VM, each once, sorted. */
export async function allowedSources(cloud: CloudHarness, vm: string): Promise<string[]> {
  return [...new Set((await cloud.jitAllowRules(vm)).map((r) => r.source))].sort();
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
  const env = (configDir: string) => ({ ...baseEnv(configDir), ...armSubprocessEnv(emu), JIT_CLOUD: 'azure' });
  const restoreEnv = setProcessEnv(fakeAzEnv());
  const loadProvider = azureProviderTrusting(emu.caCert);
  return {
    cloud: 'azure',
    env,
    jitInProcess: (configDir, argv) => inProcessJit(configDir, env(configDir), loadProvider)(argv),
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
    async forgeRule(vm, rule) {
      const seeded = vms.get(vm)!;
      const nic = emu.state.getNic(seeded.subscriptionId, seeded.resourceGroup, `${vm}-nic`);
      const configs = nic?.properties.ipConfigurations as { properties: { privateIPAddress: string } }[];
      const name = rule.place === 'jit' ? allowRuleName(vm, rule.grantId, 'tcp', false) : (rule.name ?? `monitoring-${rule.grantId}`);
      // A grant's rules sit on every NSG of the path (both must allow); a user's rule on the NIC's.
      const nsgs = rule.place === 'jit' ? nsgsOf(vm) : nsgsOf(vm).slice(0, 1);
      for (const { nsg, rules } of nsgs) {
        // The lowest free priority: ahead of jit's deny rules, which sit just before the broad rules.
        const taken = new Set(rules.filter((r) => r.direction === 'Inbound').map((r) => Number(r.priority)));
        let priority = 100;
        while (taken.has(priority)) priority += 1;
        emu.state.putRule(seeded.subscriptionId, seeded.resourceGroup, nsg, {
          name,
          priority,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          sourceAddressPrefix: rule.source,
          sourcePortRange: '*',
          destinationAddressPrefix: configs[0]!.properties.privateIPAddress,
          destinationPortRange: String(rule.port),
          description: azureGrantDescription(rule),
        });
      }
      return name;
    },
    async ruleState(vm, handle) {
      const found = nsgsOf(vm).flatMap(({ nsg, rules }) =>
        rules.filter((r) => r.name === handle).map((r) => ({ nsg, ...r })),
      );
      return found.length > 0 ? JSON.stringify(found) : undefined;
    },
    close: async () => {
      restoreEnv();
      await emu.close();
    },
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
  // Retries: moto answers 500 when the machine is overloaded, and a read-out that fails on that would
  // fail a test for a reason that has nothing to do with jit.
  const { ec2 } = buildAwsClients({ region: 'eu-west-1', env: awsEnv, maxAttempts: 3 });
  const awsJitEnv = (configDir: string) => ({ ...baseEnv(configDir), ...awsEnv, JIT_CLOUD: 'aws' });
  const vms = new Map<string, { instanceId: string; vpcId: string }>();
  let made = 0;
  const instance = async (vm: string) => {
    const { instanceId } = vms.get(vm)!;
    const answer = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return answer.Reservations?.[0]?.Instances?.[0];
  };
  const rulesOf = async (groupId: string): Promise<SecurityGroupRule[]> =>
    (await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [groupId] }] })))
      .SecurityGroupRules ?? [];
  // Found once: jit keeps one group per instance for as long as jit is enabled on it, and the fault
  // suite polls it several times a second.
  const jitGroups = new Map<string, string>();
  const jitGroupOf = async (vm: string) => {
    const known = jitGroups.get(vm);
    if (known) return known;
    const group = (await groupsOf(vm)).find((g) => g.GroupName === `jit-access-${vms.get(vm)!.instanceId}`)?.GroupId;
    if (group) jitGroups.set(vm, group);
    return group;
  };
  const groupsOf = async (vm: string) =>
    (
      await ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vms.get(vm)!.vpcId] }] }),
      )
    ).SecurityGroups ?? [];
  return {
    cloud: 'aws',
    env: awsJitEnv,
    jitInProcess: (configDir, argv) => inProcessJit(configDir, awsJitEnv(configDir))(argv),
    async newVm() {
      // Numbered before the first await: VMs made at once must not share a name.
      const name = `awsvm${++made}`;
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
      const jitGroup = await jitGroupOf(vm);
      if (!jitGroup) return [];
      return (await rulesOf(jitGroup))
        .filter((r) => !r.IsEgress)
        .map((r) => ({ on: jitGroup, name: r.SecurityGroupRuleId!, source: cidr(r.CidrIpv4 ?? r.CidrIpv6 ?? '') }));
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
    async forgeRule(vm, rule) {
      const group =
        rule.place === 'jit'
          ? await jitGroupOf(vm)
          : (await groupsOf(vm)).find((g) => g.GroupName === `app-${vm}`)?.GroupId;
      if (!group) throw new Error(`no ${rule.place} group for ${vm} (is jit enabled on it?)`);
      // What jit's grant write sends: the rule with its description, tagged in the same call. EC2
      // takes TagSpecifications on this call and answers with the new SecurityGroupRules, ids and
      // tags included (AWS CLI reference, `ec2 authorize-security-group-ingress --tag-specifications`;
      // API reference AuthorizeSecurityGroupIngress). A later rule with the same protocol, ports and
      // CIDR in the same group is refused as a duplicate, so a forged rule in jit's group occupies
      // that slot for jit's own grant too.
      const answer = await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: group,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: rule.port,
              ToPort: rule.port,
              IpRanges: [{ CidrIp: rule.source, Description: awsGrantDescription(rule) }],
            },
          ],
          TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: grantTags(rule) }],
        }),
      );
      return answer.SecurityGroupRules![0]!.SecurityGroupRuleId!;
    },
    async ruleState(vm, handle) {
      const groups = await groupsOf(vm);
      const rules = (await Promise.all(groups.map((g) => rulesOf(g.GroupId!)))).flat();
      const found = rules.find((r) => r.SecurityGroupRuleId === handle);
      return found && JSON.stringify(found);
    },
    close: () => moto.stop(),
  };
}
