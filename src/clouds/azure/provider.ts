/**
 * The Azure provider (docs/azure.md): CloudProvider over Network Security Groups, through the narrow seam
 * of arm-api.ts. Built by index.ts, which resolves credentials and endpoints; tests build the same
 * class against the ARM emulator.
 *
 * Reads are not repeated within one command: resolveTarget reads the VM's network once (network.ts)
 * and keeps it, and listGrants, status, enable and openGrant work from that snapshot. Writes start
 * from it too; a write that meets a concurrent writer re-reads that NSG and re-plans (nsg-edit.ts).
 */
import { ProviderError } from '../../core/errors.js';
import type { Policy } from '../../core/model.js';
import { encodePolicy, POLICY_TAG } from '../../core/policy.js';
import { settleBounded } from '../../core/bounded.js';
import type {
  ChangeReport,
  CloseGrantsOptions,
  CloseOutcome,
  CloudGrant,
  CloudProvider,
  EnabledVm,
  EnableOptions,
  GrantEndpoint,
  GrantSpec,
  Progress,
  RoleDocuments,
  RuleChange,
  ScanFinding,
  TargetInfo,
  TargetStatus,
} from '../../core/ports.js';
import { MANAGEMENT_PORTS } from '../../core/model.js';
import type { AzureFirewall, SecurityRule } from './arm-api.js';
import { idKey, parseArmId, sameId, tryParseArmId } from './arm-id.js';
import type { AzureCloud } from './environment.js';
import { isNotFound } from './errors.js';
import { openManagementPorts, portExposure } from './exposure.js';
import { requesterFromToken } from './identity.js';
import { type AzureRuleRef, grantRulesInSubscription, grantRulesOnVm, grantsFrom, parseRuleRefs } from './grant-rules.js';
import { requireNoBlockingLock } from './locks.js';
import { getLookup, listLookup, type NsgSnapshot, resolveNetwork, type VmNetwork } from './network.js';
import { NsgEdit } from './nsg-edit.js';
import { allowEdit, denyEdit, lockdownNotes, type PlannedEdit } from './plans.js';
import { requireSomeNsg, resolveVmNetwork, scopeOf, type SubscriptionApis, tagValue, targetInfoOf } from './resolve.js';
import { roleDocuments } from './role.js';
import { allDenyRuleNames, ruleSummary } from './rules.js';
import { type EditRuntime, realRuntime, retryWrite } from './write-retry.js';
import {
  byFirewall,
  firewallPaths,
  firewallRemoval,
  withFirewallExposure,
  withFirewallOpen,
} from './firewall-report.js';
import {
  exposedError,
  findFirewall,
  firewallExposures,
  firewallOnPath,
  firewallRulesInSubscription,
  firewallRulesOnVm,
  type FirewallSnapshot,
  mayHaveFirewall,
  removeJitRules,
  snapshotFirewall,
  vmAddressOf,
  withFirewallGrants,
  writeJitRules,
} from './firewall.js';
import { planGrant } from './firewall-plan.js';
import { type FirewallRuleRef, isJitNatRule, type NatRuleView, parseFirewallRefs } from './firewall-rules.js';
import { parsePrefix } from '../../core/prefix.js';

/** What index.ts resolves once: where Azure is, who we are, and clients per subscription. */
export interface AzureSession extends SubscriptionApis {
  readonly cloud: AzureCloud;
  /** An ARM access token (for whoami; never printed). */
  token(): Promise<string>;
}

const lower = (name: string | undefined) => (name ?? '').toLowerCase();

/**
 * NSGs a sweep works on at once: each lane holds one long-running operation, so ten keep a sweep
 * near the time of its slowest NSG without a burst that ARM's per-subscription write throttling
 * (429 with Retry-After, retried by deleteRule) would answer.
 */
const NSG_LANES = 10;

/** ARM tag names are case-insensitive: replace whatever casing is there. */
function withTag(tags: Record<string, string>, name: string, value: string | undefined): Record<string, string> {
  const rest = Object.fromEntries(Object.entries(tags).filter(([key]) => key.toLowerCase() !== name.toLowerCase()));
  return value === undefined ? rest : { ...rest, [name]: value };
}

function sameTags(a: Record<string, string>, b: Record<string, string>): boolean {
  const entries = (tags: Record<string, string>) =>
    JSON.stringify(Object.entries(tags).sort(([x], [y]) => x.localeCompare(y)));
  return entries(a) === entries(b);
}

export class AzureProvider implements CloudProvider {
  readonly cloud = 'azure' as const;
  /** Networks resolved by this process, by VM id: the snapshot later calls work from. */
  private readonly networks = new Map<string, VmNetwork>();
  /** The Azure Firewall on each resolved VM's path, when there is one (firewall.ts). */
  private readonly firewalls = new Map<string, FirewallSnapshot>();
  private readonly apiFor = (subscriptionId: string) => this.session.api(subscriptionId);

  constructor(
    private readonly session: AzureSession,
    private readonly settings: Partial<Record<string, string>>,
    private readonly progress: Progress,
    private readonly runtime: EditRuntime = realRuntime,
  ) {}

  async whoami(): Promise<string> {
    return requesterFromToken(await this.session.token());
  }

  async prepare(rules: unknown[]): Promise<void> {
    const subscriptions = new Set(parseRuleRefs(rules).map((ref) => parseArmId(ref.nsg, 'a rule reference').subscriptionId));
    await Promise.all([this.session.token(), ...[...subscriptions].map((id) => this.session.api(id))]);
  }

  async resolveTarget(ref: string): Promise<TargetInfo> {
    const network = await resolveVmNetwork(this.session, this.settings['resource-group'], ref);
    this.networks.set(idKey(network.id), network);
    const firewall = await findFirewall(network, this.apiFor, getLookup(this.apiFor));
    if (firewall) this.firewalls.set(idKey(network.id), firewall);
    return this.targetInfo(network);
  }

  async enable(target: TargetInfo, policy: Policy, options: EnableOptions): Promise<ChangeReport> {
    const network = await this.networkOf(target);
    requireSomeNsg(network);
    const firewall = this.firewalls.get(idKey(network.id));
    const exposures = firewall ? firewallExposures(network, firewall, policy.ports) : [];
    if (firewall && exposures.length > 0) throw exposedError(network, firewall, exposures);
    await this.requireUnlocked(network);
    const planned = this.denyEdits(network, policy);
    const notes = [
      ...[...network.nsgs.values()].flatMap((nsg) => lockdownNotes(network, nsg, policy)),
      ...network.paths
        .filter((path) => path.nsgIds.length === 0)
        .map((path) => `${path.address} has no network security group on its path: jit cannot lock that address down`),
    ];
    return this.lockdown(network, planned, encodePolicy(policy), options.dryRun, notes);
  }

  async disable(target: TargetInfo, options: { dryRun: boolean }): Promise<ChangeReport> {
    const network = await this.networkOf(target);
    const planned = this.denyEdits(network, undefined);
    return this.lockdown(network, planned, undefined, options.dryRun, []);
  }

  async openGrant(
    target: TargetInfo,
    grant: GrantSpec,
    options: { dryRun: boolean },
  ): Promise<ChangeReport & { rules: unknown[]; endpoints?: GrantEndpoint[] }> {
    const network = await this.networkOf(target);
    requireSomeNsg(network);
    const firewall = this.firewalls.get(idKey(network.id));
    if (firewall) return this.openThroughFirewall(network, firewall, grant, options);
    await this.requireUnlocked(network);
    const planned = [...network.nsgs.values()].flatMap((nsg) => {
      const plan = allowEdit(network, nsg, grant, this.runtime.random);
      return plan ? [{ nsg, plan }] : [];
    });
    if (planned.length === 0) {
      const why = `${network.name} has no private address of --source ${grant.source}'s family behind a network security group.`;
      throw new ProviderError('JIT_AZURE_NO_ADDRESS_FAMILY', why, {
        hint: 'Request from an address of the family the VM has (most VMs are IPv4 only): pass --source with an IPv4 address.',
      });
    }
    const edits = await this.edits(planned);
    const preview = edits.flatMap((edit) => edit.preview());
    if (options.dryRun) {
      const rules = preview
        .filter((change) => change.op !== 'remove-rule')
        .map((change) => ({ nsg: change.detail?.nsg, name: change.detail?.name }));
      return { changes: preview, applied: false, notes: [], rules };
    }
    await this.applyAll(network, edits);
    const rules = edits.flatMap((edit) =>
      edit.ownedRules().map((rule): AzureRuleRef => ({ nsg: edit.nsg.id, name: rule.name ?? '' })),
    );
    return { changes: edits.flatMap((edit) => edit.changes()), applied: true, notes: [], rules };
  }

  async closeGrant(grant: CloudGrant, options: { dryRun: boolean }): Promise<ChangeReport> {
    const refs = parseRuleRefs(grant.rules);
    const firewallRefs = parseFirewallRefs(grant.rules);
    const changes = [...firewallRefs.map(firewallRemoval), ...refs.map((ref) => this.removal(ref))];
    if (options.dryRun) return { changes, applied: false, notes: [] };
    const byNsg = new Map<string, AzureRuleRef[]>();
    for (const ref of refs) byNsg.set(idKey(ref.nsg), [...(byNsg.get(idKey(ref.nsg)) ?? []), ref]);
    const results = await Promise.allSettled([
      ...[...byNsg.values()].map(async (group) => {
        for (const ref of group) await this.deleteRule(ref);
      }),
      ...byFirewall(firewallRefs).map((group) => this.removeFirewallRules(group)),
    ]);
    const failure = results.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    return { changes, applied: true, notes: [] };
  }

  /**
   * closeGrant for many grants (sweep): their rules grouped by NSG, the NSGs worked on at once (at
   * most NSG_LANES), and inside one NSG one DELETE after another. An NSG takes one operation at a
   * time (a second is answered AnotherOperationInProgress; hashicorp/terraform-provider-azurerm
   * takes a lock per NSG name around every write to one), so parallel deletes in one NSG only
   * queue or bounce. One whole-NSG PUT with If-Match would be a single operation, but it is not
   * used: a client's GET-then-PUT drops every property its api-version does not know, and ARM's
   * PUT replaces the resource, so settings made with a newer api-version would be erased
   * (Azure/openapi-diff#41); and any concurrent change in the NSG (a `jit request`, a user's edit)
   * would fail it with 412 and restart the whole batch. A DELETE names one jit rule, nothing else.
   */
  async closeGrants(grants: CloudGrant[], options: CloseGrantsOptions): Promise<CloseOutcome[]> {
    const planned = grants.map((grant) => ({
      grant,
      refs: parseRuleRefs(grant.rules),
      fw: parseFirewallRefs(grant.rules),
    }));
    const report = (refs: AzureRuleRef[], fw: FirewallRuleRef[], applied: boolean): ChangeReport => ({
      changes: [...fw.map(firewallRemoval), ...refs.map((ref) => this.removal(ref))],
      applied,
      notes: [],
    });
    if (options.dryRun) return planned.map(({ grant, refs, fw }) => ({ grant, report: report(refs, fw, false) }));
    // One write per firewall (or policy) for all its rules: each write replaces the whole collection.
    const firewallFailures = new Map<string, unknown>();
    await settleBounded(byFirewall(planned.flatMap((p) => p.fw)), NSG_LANES, async (group) => {
      try {
        await this.removeFirewallRules(group);
      } catch (error) {
        firewallFailures.set(idKey(group[0]!.firewall), error);
      }
    });
    const keyOf = (ref: AzureRuleRef) => `${idKey(ref.nsg)}|${lower(ref.name)}`;
    const byNsg = new Map<string, Map<string, AzureRuleRef>>();
    for (const ref of planned.flatMap((p) => p.refs)) {
      const nsg = byNsg.get(idKey(ref.nsg)) ?? new Map<string, AzureRuleRef>();
      nsg.set(keyOf(ref), ref);
      byNsg.set(idKey(ref.nsg), nsg);
    }
    const total = [...byNsg.values()].reduce((sum, refs) => sum + refs.size, 0);
    let removed = 0;
    const failures = new Map<string, unknown>();
    await settleBounded([...byNsg.values()], NSG_LANES, async (refs) => {
      for (const ref of refs.values()) {
        try {
          await this.deleteRule(ref);
          options.progress?.(++removed, total);
        } catch (error) {
          failures.set(keyOf(ref), error);
        }
      }
    });
    return planned.map(({ grant, refs, fw }) => {
      const error = [
        ...fw.map((ref) => firewallFailures.get(idKey(ref.firewall))),
        ...refs.map((ref) => failures.get(keyOf(ref))),
      ].find((e) => e !== undefined);
      return error !== undefined ? { grant, error } : { grant, report: report(refs, fw, true) };
    });
  }

  async listGrants(target?: TargetInfo): Promise<CloudGrant[]> {
    if (target) {
      const network = await this.networkOf(target);
      const nsgGrants = grantsFrom(grantRulesOnVm(network, scopeOf(network, this.session.cloud.name)));
      const firewall = this.firewalls.get(idKey(network.id));
      if (!firewall) return nsgGrants;
      const scope = scopeOf(network, this.session.cloud.name);
      return withFirewallGrants(nsgGrants, firewallRulesOnVm(network, firewall, scope));
    }
    const subscriptionId = await this.session.defaultSubscription();
    const api = await this.session.api(subscriptionId);
    const [nsgs, nics, firewalls] = await Promise.all([api.listNsgs(), api.listNics(), api.listFirewalls()]);
    const options = {
      resourceGroup: this.settings['resource-group'],
      scopeOf: (vm: { subscriptionId: string; resourceGroup: string }) => scopeOf(vm, this.session.cloud.name),
      orphanScope: { subscription: subscriptionId, 'azure-cloud': this.session.cloud.name },
    };
    const found = grantRulesInSubscription(nsgs, nics, options);
    const onFirewalls = await firewallRulesInSubscription(this.apiFor, firewalls, nics, options);
    return withFirewallGrants(grantsFrom(found), onFirewalls);
  }

  async status(target: TargetInfo, policy: Policy | undefined, grantSources: string[]): Promise<TargetStatus> {
    const network = await this.networkOf(target);
    const own = allDenyRuleNames(network);
    const nsgs = [...network.nsgs.values()];
    const lockedDown = nsgs.length > 0 && nsgs.every((nsg) => nsg.rules.some((rule) => own.has(lower(rule.name))));
    const exposure = policy ? portExposure(network, policy.ports, grantSources) : [];
    const firewall = this.firewalls.get(idKey(network.id));
    const scope = scopeOf(network, this.session.cloud.name);
    return {
      target: this.targetInfo(network),
      exposure: firewall && policy
        ? withFirewallExposure(exposure, firewallExposures(network, firewall, policy.ports))
        : exposure,
      lockedDown,
      ...(firewall
        ? { firewall: firewallPaths(firewall, firewallRulesOnVm(network, firewall, scope)) }
        : {}),
    };
  }

  async scan(): Promise<ScanFinding[]> {
    const api = await this.session.api(await this.session.defaultSubscription());
    const [vms, nics, vnets, nsgs, routeTables] = await Promise.all([
      api.listVms(),
      api.listNics(),
      api.listVnets(),
      api.listNsgs(),
      api.listRouteTables(),
    ]);
    // Firewalls are listed only once some VM's network points at one (firewall.ts `mayHaveFirewall`).
    let listed: Promise<AzureFirewall[]> | undefined;
    const firewallList = () => (listed ??= api.listFirewalls());
    const lookup = listLookup({ nics, vnets, nsgs, routeTables });
    // Each firewall on some VM's path is read once (with its policy's groups), however many VMs it guards.
    const read = new Map<string, Promise<FirewallSnapshot>>();
    const snapshots = (firewall: AzureFirewall) => {
      const key = idKey(firewall.id ?? '');
      if (!read.has(key)) read.set(key, snapshotFirewall(this.apiFor, lookup, firewall));
      return read.get(key)!;
    };
    const group = this.settings['resource-group'];
    const inScope = vms.filter((vm) => !group || lower(tryParseArmId(vm.id ?? '')?.resourceGroup) === lower(group));
    this.progress.step(`Evaluating ${inScope.length} VM${inScope.length === 1 ? '' : 's'} against ${nsgs.length} NSGs…`);
    const findings = await Promise.all(
      inScope.map(async (vm): Promise<ScanFinding | undefined> => {
        const network = await resolveNetwork(vm, lookup);
        const firewall = mayHaveFirewall(network) ? firewallOnPath(network, await firewallList()) : undefined;
        const snapshot = firewall ? await snapshots(firewall) : undefined;
        const open = withFirewallOpen(openManagementPorts(network, MANAGEMENT_PORTS), network, snapshot);
        if (open.length === 0) return undefined;
        const managed = tagValue(network.tags, POLICY_TAG) !== undefined;
        const scope = { subscription: network.subscriptionId, 'resource-group': network.resourceGroup };
        return { target: { id: network.id, name: network.name }, scope, open, managed };
      }),
    );
    return findings.filter((finding): finding is ScanFinding => finding !== undefined);
  }

  /**
   * One paged listing (VirtualMachines_ListAll follows `nextLink`, Learn "Virtual Machines - List
   * All"), filtered here on the tag: ARM's list takes no tag filter for VMs. It carries no power
   * state (that needs `statusOnly`, a second listing), so `state` stays unknown.
   */
  async scopeInEffect(): Promise<Record<string, string>> {
    const group = this.settings['resource-group'];
    return {
      subscription: await this.session.defaultSubscription(),
      ...(group ? { 'resource-group': group } : {}),
      'azure-cloud': this.session.cloud.name,
    };
  }

  async listEnabled(): Promise<EnabledVm[]> {
    const api = await this.session.api(await this.session.defaultSubscription());
    const group = this.settings['resource-group'];
    return (await api.listVms()).flatMap((vm): EnabledVm[] => {
      const id = tryParseArmId(vm.id ?? '');
      const policyTag = tagValue(vm.tags ?? {}, POLICY_TAG);
      if (!id || policyTag === undefined) return [];
      if (group && lower(id.resourceGroup) !== lower(group)) return [];
      const scope = { subscription: id.subscriptionId, 'resource-group': id.resourceGroup };
      return [{ cloud: 'azure', id: vm.id ?? '', name: vm.name ?? id.name, scope, policyTag }];
    });
  }

  role(): RoleDocuments {
    return roleDocuments(this.settings.subscription);
  }

  // ---- resolution ----------------------------------------------------------------------------

  private async networkOf(target: TargetInfo): Promise<VmNetwork> {
    const known = this.networks.get(idKey(target.id));
    if (known) return known;
    await this.resolveTarget(target.id);
    return this.networks.get(idKey(target.id))!;
  }

  private targetInfo(network: VmNetwork): TargetInfo {
    const firewall = this.firewalls.get(idKey(network.id));
    return {
      ...targetInfoOf(network, this.session.cloud.name),
      ...(firewall ? { natAddresses: firewall.publicAddresses } : {}),
    };
  }

  // ---- writing ----------------------------------------------------------------------------------

  private denyEdits(network: VmNetwork, policy: Policy | undefined): { nsg: NsgSnapshot; plan: PlannedEdit }[] {
    const { random } = this.runtime;
    return [...network.nsgs.values()].map((nsg) => ({ nsg, plan: denyEdit(network, nsg, policy, random) }));
  }

  private async edits(planned: { nsg: NsgSnapshot; plan: PlannedEdit }[]): Promise<NsgEdit[]> {
    return Promise.all(
      planned.map(async ({ nsg, plan }) => {
        const api = await this.session.api(nsg.subscriptionId);
        return new NsgEdit(api, nsg, plan.owns, plan.planner, this.runtime);
      }),
    );
  }

  /** Deny rules on every NSG, then the policy tag; a failure anywhere undoes the rest (docs/safety.md). */
  private async lockdown(
    network: VmNetwork,
    planned: { nsg: NsgSnapshot; plan: PlannedEdit }[],
    policyTag: string | undefined,
    dryRun: boolean,
    notes: string[],
  ): Promise<ChangeReport> {
    const edits = await this.edits(planned);
    // Planning every NSG first: a "no room" failure is raised before anything is written.
    const preview = edits.flatMap((edit) => edit.preview());
    const tags = withTag(network.tags, POLICY_TAG, policyTag);
    const tagChange: RuleChange[] = sameTags(tags, network.tags)
      ? []
      : [{
          op: policyTag === undefined ? 'remove-tag' : 'set-tag',
          on: network.name,
          summary: policyTag === undefined ? POLICY_TAG : `${POLICY_TAG}=${policyTag}`,
          detail: { tag: POLICY_TAG, ...(policyTag === undefined ? {} : { value: policyTag }) },
        }];
    if (dryRun) return { changes: [...preview, ...tagChange], applied: false, notes };
    await this.applyAll(network, edits);
    try {
      await this.writeTags(network, policyTag);
    } catch (error) {
      await this.undo(network, edits, error);
    }
    return { changes: [...edits.flatMap((edit) => edit.changes()), ...tagChange], applied: true, notes };
  }

  /** Applies the edits in parallel (one per NSG); if any fails, rolls every one back and rethrows. */
  private async applyAll(network: VmNetwork, edits: NsgEdit[]): Promise<void> {
    const results = await Promise.allSettled(edits.map((edit) => edit.apply()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) await this.undo(network, edits, failure.reason);
    this.remember(network, edits);
  }

  private async undo(network: VmNetwork, edits: NsgEdit[], cause: unknown): Promise<never> {
    const failed = (await Promise.all(edits.map((edit) => edit.rollback()))).flat();
    this.remember(network, edits);
    if (failed.length > 0) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new ProviderError('JIT_AZURE_ROLLBACK_INCOMPLETE', `${reason} Undoing the rules already written failed too, for: ${failed.join(', ')}.`, {
        cause,
        hint: `Run \`jit status ${network.name}\` to see what is left; \`jit disable\` or \`jit revoke\` removes jit's rules.`,
        details: { notRolledBack: failed },
      });
    }
    this.progress.warn('Rolled back the rules already written; the network security groups are as they were.', 'JIT_AZURE_ROLLED_BACK');
    throw cause;
  }

  private remember(network: VmNetwork, edits: NsgEdit[]): void {
    for (const edit of edits) {
      const snapshot = network.nsgs.get(idKey(edit.nsg.id));
      if (snapshot) snapshot.rules = edit.currentRules();
    }
  }

  /** Before a write that opens something: no management lock may stop jit from closing it (locks.ts). */
  private async requireUnlocked(network: VmNetwork): Promise<void> {
    await requireNoBlockingLock(network, (subscriptionId) => this.session.api(subscriptionId));
  }

  /**
   * Sets or removes the policy tag through the tags API (`Merge` / `Delete` of that one tag): the VM's
   * other tags are never sent, so a concurrent change to them is never undone, and no VM write (with its
   * linked-resource checks and Microsoft.Compute/virtualMachines/write) is needed.
   */
  private async writeTags(network: VmNetwork, policyTag: string | undefined): Promise<void> {
    const tags = withTag(network.tags, POLICY_TAG, policyTag);
    if (sameTags(tags, network.tags)) return;
    const api = await this.session.api(network.subscriptionId);
    const current = Object.entries(network.tags).find(([name]) => name.toLowerCase() === POLICY_TAG.toLowerCase());
    await retryWrite(this.runtime, () =>
      policyTag === undefined
        ? api.deleteTags(network.id, Object.fromEntries(current ? [current] : []))
        : api.mergeTags(network.id, { [current?.[0] ?? POLICY_TAG]: policyTag }),
    );
    network.tags = tags;
  }

  /** Deletes one grant rule; already gone (rule or NSG) is success; lost races are retried (write-retry.ts). */
  private async deleteRule(ref: AzureRuleRef): Promise<void> {
    const nsg = parseArmId(ref.nsg, 'a rule reference');
    const api = await this.session.api(nsg.subscriptionId);
    await retryWrite(this.runtime, async () => {
      try {
        await api.deleteRule(nsg.resourceGroup, nsg.name, ref.name);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    });
    for (const network of this.networks.values()) {
      const snapshot = network.nsgs.get(idKey(ref.nsg));
      if (snapshot) snapshot.rules = snapshot.rules.filter((rule) => lower(rule.name) !== lower(ref.name));
    }
  }

  // ---- Azure Firewall (firewall.ts, firewall-plan.ts) -------------------------------------------

  /**
   * A grant through the VM's Azure Firewall: a DNAT rule for the requester alone on the firewall, and
   * the NSG allow the translated traffic needs, whose source is the firewall's subnet: DNAT to a
   * private address arrives from one of the firewall's addresses there (docs/azure-firewall.md, "What
   * the VM sees"). The NSG rules are written first; if the firewall write then fails, they are undone.
   */
  private async openThroughFirewall(
    network: VmNetwork,
    firewall: FirewallSnapshot,
    grant: GrantSpec,
    options: { dryRun: boolean },
  ): Promise<ChangeReport & { rules: unknown[]; endpoints: GrantEndpoint[] }> {
    const vmAddress = vmAddressOf(network);
    const firewallAddress = firewall.publicAddresses[0];
    const firewallSource = firewall.sourcePrefixes[0];
    if (!vmAddress || !firewallAddress || !firewallSource || parsePrefix(grant.source, '--source').family !== 4) {
      throw new ProviderError(
        'JIT_AZURE_FIREWALL_UNUSABLE',
        `${network.name} is behind Azure Firewall ${firewall.name}, but ${!vmAddress ? 'the VM has no IPv4 private address' : !firewallAddress ? 'the firewall has no public IP address' : !firewallSource ? "the firewall's subnet address is unknown" : `--source ${grant.source} is not IPv4`}: a grant is a DNAT rule from an IPv4 address to the VM. Nothing was changed.`,
        { hint: 'Request from an IPv4 address (--source), or give the firewall a public IP address.' },
      );
    }
    const plan = (all: readonly NatRuleView[]) =>
      planGrant({ vmName: network.name, vmAddress, firewallName: firewall.name, firewallAddress, grant, all });
    const preview = plan(firewall.natRules);
    const nsgGrant: GrantSpec = { ...grant, source: firewallSource };
    const planned = [...network.nsgs.values()].flatMap((nsg) => {
      const edit = allowEdit(network, nsg, nsgGrant, this.runtime.random);
      return edit ? [{ nsg, plan: edit }] : [];
    });
    const edits = await this.edits(planned);
    const dnatChanges = (rules: NatRuleView[]): RuleChange[] =>
      rules.map((rule) => ({
        op: 'add-rule',
        on: firewall.name,
        summary: `${rule.name} DNAT ${rule.protocols.join('+')} ${rule.sources.join(',')} → ${rule.destination}:${rule.port} → ${rule.translatedAddress}:${rule.translatedPort}`,
        detail: { firewall: firewall.id, ...(firewall.policy ? { policy: firewall.policy.id } : {}), ...rule },
      }));
    const refs = (rules: NatRuleView[]): FirewallRuleRef[] =>
      rules.map((rule) => ({
        firewall: firewall.id,
        ...(firewall.policy ? { policy: firewall.policy.id } : {}),
        name: rule.name,
      }));
    const nsgPreview = edits.flatMap((edit) => edit.preview());
    if (options.dryRun) {
      const nsgRefs = nsgPreview.filter((c) => c.op !== 'remove-rule').map((c) => ({ nsg: c.detail?.nsg, name: c.detail?.name }));
      return {
        changes: [...dnatChanges(preview.rules), ...nsgPreview],
        applied: false,
        notes: [],
        rules: [...refs(preview.rules), ...nsgRefs],
        endpoints: preview.endpoints,
      };
    }
    await this.requireUnlocked(network);
    await this.applyAll(network, edits);
    let written = preview;
    try {
      await writeJitRules(this.apiFor, this.runtime, firewall, (all) => {
        written = plan(all);
        return { add: written.rules, remove: [] };
      });
    } catch (error) {
      await this.undo(network, edits, error);
    }
    const nsgRefs = edits.flatMap((edit) => edit.ownedRules().map((rule): AzureRuleRef => ({ nsg: edit.nsg.id, name: rule.name ?? '' })));
    return {
      changes: [...dnatChanges(written.rules), ...edits.flatMap((edit) => edit.changes())],
      applied: true,
      notes: [],
      rules: [...refs(written.rules), ...nsgRefs],
      endpoints: written.endpoints,
    };
  }

  /** Removes some of jit's DNAT rules from one firewall (or its policy's jit group), in one write. */
  private async removeFirewallRules(refs: FirewallRuleRef[]): Promise<void> {
    await removeJitRules(this.apiFor, this.runtime, getLookup(this.apiFor), refs);
    const names = new Set(refs.map((ref) => ref.name.toLowerCase()));
    for (const snapshot of this.firewalls.values()) {
      if (!sameId(snapshot.id, refs[0]?.firewall)) continue;
      const removed = (rule: NatRuleView) => isJitNatRule(rule) && names.has(rule.name.toLowerCase());
      snapshot.natRules = snapshot.natRules.filter((rule) => !removed(rule));
      snapshot.stale = true;
    }
  }

  private removal(ref: AzureRuleRef): RuleChange {
    const known = this.cachedRule(ref);
    return {
      op: 'remove-rule',
      on: parseArmId(ref.nsg, 'a rule reference').name,
      summary: known ? ruleSummary(known) : ref.name,
      detail: { nsg: ref.nsg, name: ref.name },
    };
  }

  private cachedRule(ref: AzureRuleRef): SecurityRule | undefined {
    for (const network of this.networks.values()) {
      const rule = network.nsgs.get(idKey(ref.nsg))?.rules.find((r) => lower(r.name) === lower(ref.name));
      if (rule) return rule;
    }
    return undefined;
  }
}
