/**
 * The Azure Firewall on a VM's path, read and written (docs/azure-firewall.md).
 *
 * Finding it: a firewall whose IP configuration sits in the `AzureFirewallSubnet` of the VM's own
 * virtual network, or whose private address is where the VM subnet's route table sends 0.0.0.0/0
 * (hub and spoke). Nothing is read for a VM with neither (no `AzureFirewallSubnet` in its VNet, no
 * default route to an appliance): an ordinary VM costs no extra call.
 *
 * Classic rules live on the firewall (`natRuleCollections`), and the only way to change one is a PUT
 * of the whole firewall; with a Firewall Policy they live in rule collection groups, each PUT whole
 * (Azure/azure-sdk-for-python#24182). Each write so carries the etag of the read it was planned from
 * (If-Match): a concurrent writer makes it fail with 412, and it is planned again from a fresh read,
 * so no grant's rule is lost. Azure also refuses a second update of a firewall while one runs ("parallel
 * updates aren't supported", MicrosoftDocs/azure-docs#64513): 409 AnotherOperationInProgress, retried
 * too. A firewall update takes minutes in Azure, so the retries here wait longer than NSG writes do.
 */
import { ProviderError } from '../../core/errors.js';
import type { EditRuntime } from './write-retry.js';
import type { AzureApi, AzureFirewall, FirewallPolicyRuleCollectionGroup, NetworkInterface } from './arm-api.js';
import { type ArmId, idKey, parentId, parseArmId, sameId, tryParseArmId } from './arm-id.js';
import { isNotFound, isRetryableWrite, retryAfterMsOf } from './errors.js';
import {
  endpointOf,
  exposingRules,
  firewallWithJitRules,
  type FirewallEndpoint,
  freePriority,
  jitGroup,
  natRuleLabel,
  nextJitRules,
} from './firewall-plan.js';
import {
  classicNatRules,
  dnatRulePrefix,
  type FirewallRuleRef,
  isJitNatRule,
  JIT_GROUP,
  type NatRuleView,
  policyNatRules,
  vmNameOfDnatRule,
} from './firewall-rules.js';
import type { NetworkLookup, VmNetwork } from './network.js';
import { parseGrantDescription } from './rules.js';
import type { PortRange } from '../../core/model.js';
import type { CloudGrant } from '../../core/ports.js';

export type ApiFor = (subscriptionId: string) => Promise<AzureApi>;

export interface FirewallSnapshot {
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  /** The Firewall Policy governing it, if any: jit's rules are then in its rule collection group `jit-access`. */
  policy?: ArmId;
  /** Its public addresses: where clients connect. */
  publicAddresses: string[];
  /** Its `AzureFirewallSubnet` prefixes: DNAT traffic reaches the VM from one of these addresses. */
  sourcePrefixes: string[];
  /** Every DNAT rule: all classic collections, or all rule collection groups of the policy. */
  natRules: NatRuleView[];
  /** The firewall as read (the base of a classic PUT). */
  firewall: AzureFirewall;
  /** Policy: jit's group as read (with its etag), and the priorities of the other groups. */
  group?: FirewallPolicyRuleCollectionGroup;
  groupPriorities: number[];
  /** Written by this process since it was read: the next write reads it again first. */
  stale?: boolean;
}

/** Attempts of one firewall write; each waits up to FIREWALL_BACKOFF_CAP_MS (a firewall update takes minutes). */
const FIREWALL_MAX_ATTEMPTS = 30;
const FIREWALL_BACKOFF_BASE_MS = 250;
const FIREWALL_BACKOFF_CAP_MS = 8_000;

async function retryFirewallWrite<T>(runtime: EditRuntime, write: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write(attempt);
    } catch (error) {
      if (!isRetryableWrite(error) || attempt + 1 >= FIREWALL_MAX_ATTEMPTS) throw error;
      const backoff = Math.min(FIREWALL_BACKOFF_CAP_MS, FIREWALL_BACKOFF_BASE_MS * 2 ** Math.min(attempt, 6));
      const wait = Math.max(backoff * (0.5 + runtime.random() / 2), Math.min(retryAfterMsOf(error) ?? 0, 30_000));
      await runtime.sleep(wait);
    }
  }
}

const lower = (text: string | undefined) => (text ?? '').toLowerCase();

/** Whether the VM's network hints at a firewall at all (no call is made otherwise). */
export function mayHaveFirewall(network: VmNetwork): boolean {
  return network.paths.some((path) => path.firewallSubnet === true || path.defaultNextHop !== undefined);
}

/** The firewall among `firewalls` that guards one of the VM's subnets. */
export function firewallOnPath(network: VmNetwork, firewalls: readonly AzureFirewall[]): AzureFirewall | undefined {
  const hubSubnets = new Set(network.paths.flatMap((path) => (path.vnetId ? [idKey(`${path.vnetId}/subnets/AzureFirewallSubnet`)] : [])));
  const nextHops = new Set(network.paths.flatMap((path) => (path.defaultNextHop ? [path.defaultNextHop] : [])));
  const configs = (fw: AzureFirewall) => fw.ipConfigurations ?? [];
  return (
    firewalls.find((fw) => configs(fw).some((c) => !!c.privateIPAddress && nextHops.has(c.privateIPAddress))) ??
    firewalls.find((fw) => configs(fw).some((c) => c.subnet?.id !== undefined && hubSubnets.has(idKey(c.subnet.id))))
  );
}

/** Reads jit's group of a policy; undefined when it does not exist. */
async function readJitGroup(api: AzureApi, policy: ArmId): Promise<FirewallPolicyRuleCollectionGroup | undefined> {
  try {
    return await api.getRuleCollectionGroup(policy.resourceGroup, policy.name, JIT_GROUP);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Every DNAT rule of a firewall (reading its policy's groups), and what a policy write needs. */
async function readRules(
  apiFor: ApiFor,
  firewall: AzureFirewall,
): Promise<Pick<FirewallSnapshot, 'natRules' | 'group' | 'groupPriorities' | 'policy'>> {
  const policy = firewall.firewallPolicy?.id ? tryParseArmId(firewall.firewallPolicy.id) : undefined;
  if (!policy) return { natRules: classicNatRules(firewall), groupPriorities: [] };
  const api = await apiFor(policy.subscriptionId);
  const read = await api.getFirewallPolicy(policy.resourceGroup, policy.name);
  const groups = await Promise.all(
    (read.ruleCollectionGroups ?? []).flatMap((ref) => {
      const id = ref.id ? tryParseArmId(ref.id) : undefined;
      return id?.child
        ? [api.getRuleCollectionGroup(policy.resourceGroup, policy.name, id.child.name).catch((error: unknown) => {
            if (isNotFound(error)) return undefined;
            throw error;
          })]
        : [];
    }),
  );
  const present = groups.filter((g): g is FirewallPolicyRuleCollectionGroup => g !== undefined);
  const group = present.find((g) => lower(g.name) === JIT_GROUP);
  return {
    policy,
    natRules: policyNatRules(present),
    ...(group ? { group } : {}),
    groupPriorities: present.filter((g) => g !== group).map((g) => g.priority ?? 0),
  };
}

export async function snapshotFirewall(
  apiFor: ApiFor,
  lookup: NetworkLookup,
  firewall: AzureFirewall,
): Promise<FirewallSnapshot> {
  const id = parseArmId(firewall.id, 'an Azure Firewall');
  const configs = firewall.ipConfigurations ?? [];
  const [publicIps, vnets, rules] = await Promise.all([
    Promise.all(configs.map((c) => (c.publicIPAddress?.id ? lookup.publicIp(c.publicIPAddress.id) : undefined))),
    Promise.all(configs.map((c) => {
      const subnet = c.subnet?.id ? tryParseArmId(c.subnet.id) : undefined;
      return subnet ? lookup.vnet(parentId(subnet)) : undefined;
    })),
    readRules(apiFor, firewall),
  ]);
  const sourcePrefixes = configs.flatMap((c, index) => {
    const subnet = vnets[index]?.subnets?.find((s) => sameId(s.id, c.subnet?.id));
    return [...(subnet?.addressPrefix ? [subnet.addressPrefix] : []), ...(subnet?.addressPrefixes ?? [])];
  });
  return {
    id: firewall.id ?? id.id,
    name: firewall.name ?? id.name,
    subscriptionId: id.subscriptionId,
    resourceGroup: id.resourceGroup,
    publicAddresses: [...new Set(publicIps.map((ip) => ip?.ipAddress).filter((ip): ip is string => !!ip))],
    sourcePrefixes: [...new Set(sourcePrefixes)],
    firewall,
    ...rules,
  };
}

/** The firewall guarding the VM, read whole; undefined (after no call at all) for most VMs. */
export async function findFirewall(
  network: VmNetwork,
  apiFor: ApiFor,
  lookup: NetworkLookup,
): Promise<FirewallSnapshot | undefined> {
  if (!mayHaveFirewall(network)) return undefined;
  const firewalls = await (await apiFor(network.subscriptionId)).listFirewalls();
  const found = firewallOnPath(network, firewalls);
  return found ? snapshotFirewall(apiFor, lookup, found) : undefined;
}

/** The VM's IPv4 private address: what DNAT translates to (Azure Firewall DNAT is IPv4). */
export function vmAddressOf(network: VmNetwork): string | undefined {
  return network.paths.find((path) => path.family === 4 && !path.address.includes('/'))?.address;
}

// ---- writing ----------------------------------------------------------------------------------

/** The change to jit's rules planned from a fresh view of all DNAT rules. */
export type RulePlanner = (all: readonly NatRuleView[]) => { add: NatRuleView[]; remove: string[] };

/**
 * Rewrites jit's collection (classic) or group (policy): read (after the first attempt), plan, write
 * with If-Match; a lost race re-reads and re-plans. Returns jit's rules as written.
 */
export async function writeJitRules(
  apiFor: ApiFor,
  runtime: EditRuntime,
  snapshot: FirewallSnapshot,
  planner: RulePlanner,
): Promise<NatRuleView[]> {
  const api = await apiFor(snapshot.subscriptionId);
  return retryFirewallWrite(runtime, async (attempt) => {
    if (attempt > 0 || snapshot.stale) {
      const firewall = await api.getFirewall(snapshot.resourceGroup, snapshot.name);
      Object.assign(snapshot, { firewall, ...(await readRules(apiFor, firewall)) });
      if (!snapshot.policy) delete snapshot.group;
      snapshot.stale = false;
    }
    const { add, remove } = planner(snapshot.natRules);
    const jitRules = snapshot.natRules.filter(isJitNatRule);
    const next = nextJitRules(jitRules, add, remove);
    const unchanged = add.length === 0 && next.length === jitRules.length;
    if (unchanged) return next;
    if (!snapshot.policy) {
      const body = firewallWithJitRules(snapshot.firewall, next);
      await api.putFirewall(snapshot.resourceGroup, snapshot.name, body, snapshot.firewall.etag);
    } else {
      const policy = snapshot.policy;
      const policyApi = await apiFor(policy.subscriptionId);
      if (next.length === 0) {
        const { group } = snapshot;
        if (group) await policyApi.deleteRuleCollectionGroup(policy.resourceGroup, policy.name, JIT_GROUP, group.etag);
      } else {
        const priority = snapshot.group?.priority ?? freePriority(snapshot.groupPriorities);
        if (priority === undefined) {
          throw new ProviderError('JIT_AZURE_FIREWALL_NO_PRIORITY', `Firewall policy ${policy.name} has no free rule collection group priority for jit's group ${JIT_GROUP}; nothing was changed.`);
        }
        const body = jitGroup(priority, next);
        const etag = snapshot.group?.etag;
        await policyApi.putRuleCollectionGroup(policy.resourceGroup, policy.name, JIT_GROUP, body, etag);
      }
    }
    // The snapshot now says what was written (a later call in this process plans from it).
    snapshot.natRules = [...snapshot.natRules.filter((rule) => !isJitNatRule(rule)), ...next];
    snapshot.stale = true;
    return next;
  });
}

/** Removes named jit rules from the firewall (or policy) a reference points at; rules already gone are fine. */
export async function removeJitRules(
  apiFor: ApiFor,
  runtime: EditRuntime,
  lookup: NetworkLookup,
  refs: readonly FirewallRuleRef[],
): Promise<void> {
  const firewallId = refs[0]?.firewall;
  if (!firewallId) return;
  const id = parseArmId(firewallId, 'a firewall rule reference');
  const api = await apiFor(id.subscriptionId);
  let firewall: AzureFirewall;
  try {
    firewall = await api.getFirewall(id.resourceGroup, id.name);
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  const snapshot = await snapshotFirewall(apiFor, lookup, firewall);
  const names = refs.map((ref) => ref.name);
  await writeJitRules(apiFor, runtime, snapshot, () => ({ add: [], remove: names }));
}

// ---- reading grants and exposures -------------------------------------------------------------

export interface FoundFirewallRule {
  ref: FirewallRuleRef;
  rule: NatRuleView;
  target: { id: string; name: string };
  scope: Record<string, string>;
  endpoint: FirewallEndpoint;
}

function refOf(snapshot: Pick<FirewallSnapshot, 'id' | 'policy'>, rule: NatRuleView): FirewallRuleRef {
  return { firewall: snapshot.id, ...(snapshot.policy ? { policy: snapshot.policy.id } : {}), name: rule.name };
}

/** jit's DNAT rules for this VM: its name in the rule name, its address as the translated one. */
export function firewallRulesOnVm(
  network: VmNetwork,
  snapshot: FirewallSnapshot,
  scope: Record<string, string>,
): FoundFirewallRule[] {
  const prefix = dnatRulePrefix(network.name);
  const addresses = new Set(network.paths.map((path) => path.address));
  return snapshot.natRules
    .filter((rule) => isJitNatRule(rule) && rule.name.toLowerCase().startsWith(prefix))
    .filter((rule) => addresses.has(rule.translatedAddress))
    .filter((rule) => parseGrantDescription(rule.description) !== undefined)
    .map((rule) => ({
      ref: refOf(snapshot, rule),
      rule,
      target: { id: network.id, name: network.name },
      scope,
      endpoint: endpointOf(rule, snapshot.name),
    }));
}

/** The VM behind each private address, from the NIC listing. */
function vmsByAddress(nics: readonly NetworkInterface[]): Map<string, ArmId[]> {
  const map = new Map<string, ArmId[]>();
  for (const nic of nics) {
    const vm = nic.virtualMachine?.id ? tryParseArmId(nic.virtualMachine.id) : undefined;
    if (!vm) continue;
    for (const config of nic.ipConfigurations ?? []) {
      if (!config.privateIPAddress) continue;
      map.set(config.privateIPAddress, [...(map.get(config.privateIPAddress) ?? []), vm]);
    }
  }
  return map;
}

/** jit's rules on a set of firewalls (sweep): only jit's own collection or group is read. */
export async function firewallRulesInSubscription(
  apiFor: ApiFor,
  firewalls: readonly AzureFirewall[],
  nics: readonly NetworkInterface[],
  options: {
    resourceGroup: string | undefined;
    scopeOf: (vm: ArmId) => Record<string, string>;
    orphanScope: Record<string, string>;
  },
): Promise<FoundFirewallRule[]> {
  const byAddress = vmsByAddress(nics);
  const group = lower(options.resourceGroup);
  const perFirewall = await Promise.all(
    firewalls.map(async (firewall) => {
      const id = tryParseArmId(firewall.id ?? '');
      if (!id) return [];
      const policy = firewall.firewallPolicy?.id ? tryParseArmId(firewall.firewallPolicy.id) : undefined;
      const rules = policy
        ? await readJitGroup(await apiFor(policy.subscriptionId), policy).then((g) =>
            policyNatRules(g ? [{ ...g, name: JIT_GROUP }] : []),
          )
        : classicNatRules(firewall);
      const snapshot = { id: firewall.id ?? id.id, ...(policy ? { policy } : {}) };
      return rules
        .filter((rule) => isJitNatRule(rule) && parseGrantDescription(rule.description) !== undefined)
        .flatMap((rule): FoundFirewallRule[] => {
          const vmName = lower(vmNameOfDnatRule(rule.name));
          const candidates = byAddress.get(rule.translatedAddress) ?? [];
          const vm = candidates.find((candidate) => lower(candidate.name).startsWith(vmName));
          if (group && lower((vm ?? id).resourceGroup) !== group) return [];
          const endpoint = endpointOf(rule, firewall.name ?? id.name);
          const ref = refOf(snapshot, rule);
          return vm
            ? [{ ref, rule, target: { id: vm.id, name: vm.name }, scope: options.scopeOf(vm), endpoint }]
            : [{ ref, rule, target: { id: '', name: vmNameOfDnatRule(rule.name) }, scope: options.orphanScope, endpoint }];
        });
    }),
  );
  return perFirewall.flat();
}

/** User DNAT rules exposing a policy port of the VM to the internet, labelled `firewall/collection/rule`. */
export function firewallExposures(
  network: VmNetwork,
  snapshot: FirewallSnapshot,
  ports: readonly PortRange[],
): { rule: NatRuleView; label: string }[] {
  const addresses = network.paths.map((path) => path.address);
  return exposingRules(snapshot.natRules, addresses, ports).map((rule) => ({
    rule,
    label: natRuleLabel(snapshot.name, rule),
  }));
}

/** The refusal of `enable` while such rules exist (as when no NSG priority is free). */
export function exposedError(
  network: VmNetwork,
  snapshot: FirewallSnapshot,
  exposures: { rule: NatRuleView; label: string }[],
): ProviderError {
  const named = exposures.map(({ rule, label }) => `${label} (${rule.sources.join(',')} → ${rule.destination}:${rule.port} → ${rule.translatedAddress}:${rule.translatedPort})`);
  return new ProviderError(
    'JIT_AZURE_FIREWALL_EXPOSED',
    `Azure Firewall ${snapshot.name} has DNAT rules that open ${network.name} to the internet, which jit's lock-down cannot close: ${named.join('; ')}. Nothing was changed.`,
    {
      hint: 'jit never edits a firewall rule it did not create: remove those DNAT rules or narrow their source, then run `jit enable` again.',
      details: { firewall: snapshot.id, rules: exposures.map(({ label }) => label) },
    },
  );
}

/**
 * Grants read from the cloud, NSG rules and firewall rules together: one grant per grant id. The DNAT
 * rule carries the requester's address (the NSG rule of a firewall grant admits the firewall's subnet),
 * so the grant's source and endpoints come from it.
 */
export function withFirewallGrants(nsgGrants: CloudGrant[], found: readonly FoundFirewallRule[]): CloudGrant[] {
  const grants = new Map(nsgGrants.map((grant) => [grant.grantId, grant]));
  for (const { ref, rule, target, scope, endpoint } of found) {
    const meta = parseGrantDescription(rule.description);
    const source = rule.sources[0];
    if (!meta || !source) continue;
    const port: PortRange = { from: rule.translatedPort, to: rule.translatedPort, protocol: endpoint.protocol };
    const known = grants.get(meta.grantId);
    if (!known) {
      const { grantId, expiresAt, requester } = meta;
      const rules: unknown[] = [ref];
      const endpoints = [endpoint];
      grants.set(grantId, { grantId, target, scope, source, ports: [port], expiresAt, requester, rules, endpoints });
      continue;
    }
    const viaFirewall = (known.endpoints ?? []).length > 0;
    known.source = viaFirewall ? known.source : source;
    const samePort = (p: PortRange) => p.from === port.from && p.to === port.to && p.protocol === port.protocol;
    if (!known.ports.some(samePort)) known.ports.push(port);
    if (Date.parse(meta.expiresAt) < Date.parse(known.expiresAt)) known.expiresAt = meta.expiresAt;
    known.rules.unshift(ref);
    known.endpoints = [...(known.endpoints ?? []), endpoint];
    if (!known.target.id && target.id) Object.assign(known, { target, scope });
  }
  return [...grants.values()];
}
