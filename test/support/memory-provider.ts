/**
 * An in-memory CloudProvider for the use cases' unit tests and the in-process CLI tests: one
 * firewall per VM, rules kept as data, every write logged. It is held to the same provider contract
 * as the real providers (test/contract/memory.contract.test.ts): dry runs write nothing, closing a
 * grant removes exactly its rules, a second provider over the same `MemoryCloud` sees what the first
 * wrote ("another machine"), and the lock-down is evaluated against the VM's own rules. The real
 * providers are tested against moto and the ARM emulator with the real SDKs.
 */
import { MANAGEMENT_PORTS, type Policy, type PortRange } from '../../src/core/model.js';
import { ProviderError, UserError } from '../../src/core/errors.js';
import { encodePolicy } from '../../src/core/policy.js';
import type {
  ChangeReport,
  CloudGrant,
  CloudProvider,
  EnabledVm,
  GrantSpec,
  PortExposure,
  RoleDocuments,
  ScanFinding,
  TargetInfo,
  TargetStatus,
} from '../../src/core/ports.js';

/** A jit allow rule: one per grant, named `rule-<grantId>`. */
export interface MemoryRule {
  grantId: string;
  target: string;
  source: string;
  ports: GrantSpec['ports'];
  expiresAt: string;
  requester: string;
}

/** A rule the VM's owner made: jit never writes one, and disable leaves them as they were. */
export interface UserRule {
  name: string;
  target: string;
  port: number;
  source: string;
}

const INTERNET = new Set(['0.0.0.0/0', '::/0', '*', 'Internet', 'Any']);
const ruleRef = (grantId: string) => `rule-${grantId}`;
const covers = (range: PortRange, port: number) => range.from <= port && port <= range.to;

/** The cloud's state, shared by every provider built over it. */
export class MemoryCloud {
  readonly targets = new Map<string, TargetInfo>();
  readonly rules: MemoryRule[] = [];
  readonly userRules: UserRule[] = [];
  readonly writes: string[] = [];
  readonly lockedDown = new Set<string>();
  /** Names several VMs carry, with the resource IDs of those VMs (as Azure's resolve reports them). */
  readonly ambiguous = new Map<string, string[]>();
}

export class MemoryProvider implements CloudProvider {
  readonly cloud = 'azure' as const;
  identity = 'alice@example.com';
  /** Called before each write; a test can make it throw to simulate a cloud failure. */
  beforeWrite: (what: string) => void = () => {};

  constructor(readonly state: MemoryCloud = new MemoryCloud()) {}

  get targets(): Map<string, TargetInfo> {
    return this.state.targets;
  }

  get rules(): MemoryRule[] {
    return this.state.rules;
  }

  get writes(): string[] {
    return this.state.writes;
  }

  get lockedDown(): Set<string> {
    return this.state.lockedDown;
  }

  addVm(name: string, policy?: Policy, state = 'VM running'): TargetInfo {
    const target: TargetInfo = {
      cloud: 'azure',
      id: `/vm/${name}`,
      name,
      scope: { subscription: 'sub' },
      privateAddresses: ['10.0.0.4'],
      publicAddresses: ['20.0.0.4'],
      policyTag: policy ? encodePolicy(policy) : undefined,
      state,
    };
    this.targets.set(name, target);
    if (policy) this.lockedDown.add(name);
    return { ...target };
  }

  /** The owner's rule letting the internet reach `port` (what `scan` finds and the lock-down must beat). */
  openToInternet(vm: string, port: number): void {
    this.state.userRules.push({ name: `allow-${port}-internet`, target: vm, port, source: '0.0.0.0/0' });
  }

  private write(what: string): void {
    this.beforeWrite(what);
    this.writes.push(what);
  }

  private stored(target: TargetInfo): TargetInfo {
    const stored = this.targets.get(target.name);
    if (!stored) throw new Error(`no VM ${target.name}`);
    return stored;
  }

  private grantOf(rule: MemoryRule): CloudGrant {
    const target = this.targets.get(rule.target)!;
    return {
      grantId: rule.grantId,
      target: { id: target.id, name: target.name },
      scope: target.scope,
      source: rule.source,
      ports: rule.ports,
      expiresAt: rule.expiresAt,
      requester: rule.requester,
      rules: [ruleRef(rule.grantId)],
    };
  }

  async whoami(): Promise<string> {
    return this.identity;
  }

  /** A copy, as a cloud's answer is: what the caller holds does not change under it. */
  async resolveTarget(ref: string): Promise<TargetInfo> {
    const candidates = this.state.ambiguous.get(ref);
    if (candidates) {
      throw new UserError('JIT_TARGET_AMBIGUOUS', `${candidates.length} VMs are called ${ref}.`, { details: { candidates } });
    }
    const target = this.targets.get(ref) ?? [...this.targets.values()].find((t) => t.id === ref);
    if (!target) throw new ProviderError('JIT_TARGET_NOT_FOUND', `There is no VM ${ref}.`, { hint: 'Check the name.' });
    return { ...target };
  }

  async enable(target: TargetInfo, policy: Policy, options: { dryRun: boolean }): Promise<ChangeReport> {
    const changes = [
      { op: 'add-rule' as const, on: target.name, summary: `deny ${policy.ports.map((p) => p.from).join(',')} from the internet` },
      { op: 'set-tag' as const, on: target.name, summary: `jit-access=${encodePolicy(policy)}` },
    ];
    if (!options.dryRun) {
      this.write(`enable ${target.name}`);
      this.stored(target).policyTag = encodePolicy(policy);
      this.lockedDown.add(target.name);
    }
    return { changes, applied: !options.dryRun, notes: [] };
  }

  async disable(target: TargetInfo, options: { dryRun: boolean }): Promise<ChangeReport> {
    if (!options.dryRun) {
      this.write(`disable ${target.name}`);
      this.stored(target).policyTag = undefined;
      this.lockedDown.delete(target.name);
    }
    return { changes: [{ op: 'remove-tag', on: target.name, summary: 'jit-access' }], applied: !options.dryRun, notes: [] };
  }

  async openGrant(target: TargetInfo, grant: GrantSpec, options: { dryRun: boolean }) {
    const existing = this.rules.find((r) => r.grantId === grant.id);
    const op = existing ? ('update-rule' as const) : ('add-rule' as const);
    const report = { changes: [{ op, on: target.name, summary: `allow ${grant.source}` }], applied: !options.dryRun, notes: [] };
    if (options.dryRun) return { ...report, rules: [] };
    this.write(`${op} ${grant.id}`);
    if (existing) existing.expiresAt = grant.expiresAt;
    else {
      this.rules.push({
        grantId: grant.id,
        target: target.name,
        source: grant.source,
        ports: grant.ports,
        expiresAt: grant.expiresAt,
        requester: grant.requester,
      });
    }
    return { ...report, rules: [ruleRef(grant.id)] };
  }

  /** Removes the rules the grant names (as the ledger recorded them) and any the cloud tags with its id. */
  async closeGrant(grant: CloudGrant, options: { dryRun: boolean }): Promise<ChangeReport> {
    if (!options.dryRun) {
      this.write(`remove-rule ${grant.grantId}`);
      const named = new Set(grant.rules);
      for (let i = this.rules.length - 1; i >= 0; i--) {
        const rule = this.rules[i]!;
        if (rule.grantId === grant.grantId || named.has(ruleRef(rule.grantId))) this.rules.splice(i, 1);
      }
    }
    return { changes: [{ op: 'remove-rule', on: grant.target.name, summary: grant.grantId }], applied: !options.dryRun, notes: [] };
  }

  async listGrants(target?: TargetInfo): Promise<CloudGrant[]> {
    return this.rules.filter((r) => !target || r.target === target.name).map((r) => this.grantOf(r));
  }

  /** The internet reaches a port through an owner's rule unless the lock-down denies it first. */
  private exposure(vm: string, port: PortRange, grantSources: string[]): PortExposure {
    const lockedDown = this.lockedDown.has(vm);
    const admitting = [
      ...this.state.userRules
        .filter((r) => r.target === vm && covers(port, r.port) && INTERNET.has(r.source) && !lockedDown)
        .map((r) => r.name),
      ...this.rules
        .filter((r) => r.target === vm && INTERNET.has(r.source) && !grantSources.includes(r.source))
        .filter((r) => r.ports.some((p) => p.from <= port.to && port.from <= p.to))
        .map((r) => ruleRef(r.grantId)),
    ];
    return admitting.length > 0
      ? { port, verdict: 'exposed', rules: admitting, reason: 'a rule admits the internet' }
      : { port, verdict: 'locked', rules: [], reason: lockedDown ? 'denied by the jit lock-down' : 'no rule admits the internet' };
  }

  async status(target: TargetInfo, policy: Policy | undefined, grantSources: string[]): Promise<TargetStatus> {
    const ports = policy?.ports ?? MANAGEMENT_PORTS.map((port) => ({ from: port, to: port, protocol: 'tcp' as const }));
    return {
      target,
      exposure: ports.map((port) => this.exposure(target.name, port, grantSources)),
      lockedDown: this.lockedDown.has(target.name),
    };
  }

  async scan(): Promise<ScanFinding[]> {
    return [...this.targets.values()].flatMap((target) => {
      const open = MANAGEMENT_PORTS.map((port) => ({
        port,
        rules: this.exposure(target.name, { from: port, to: port, protocol: 'tcp' }, []).rules,
      })).filter((o) => o.rules.length > 0);
      if (open.length === 0) return [];
      const managed = target.policyTag !== undefined;
      return [{ target: { id: target.id, name: target.name }, scope: target.scope, open, managed }];
    });
  }

  async listEnabled(): Promise<EnabledVm[]> {
    return [...this.targets.values()].flatMap(({ cloud, id, name, scope, policyTag, state }): EnabledVm[] =>
      policyTag === undefined ? [] : [{ cloud, id, name, scope, policyTag, ...(state ? { state } : {}) }],
    );
  }

  role(): RoleDocuments {
    return { requester: {}, admin: {} };
  }
}
