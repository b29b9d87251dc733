/**
 * An in-memory CloudProvider for the core use cases' unit tests: one firewall per VM, rules kept as
 * data, every write logged. It implements the contract honestly (dry runs write nothing, closing a
 * grant removes exactly its rules) so the use cases can be tested without a cloud; the real
 * providers are tested against moto and the ARM emulator with the real SDKs.
 */
import { encodePolicy } from '../../src/core/policy.js';
import type {
  ChangeReport,
  CloudGrant,
  CloudProvider,
  GrantSpec,
  RoleDocuments,
  TargetInfo,
  TargetStatus,
} from '../../src/core/ports.js';
import type { Policy } from '../../src/core/model.js';

export interface MemoryRule {
  grantId: string;
  target: string;
  source: string;
  ports: GrantSpec['ports'];
  expiresAt: string;
  requester: string;
}

export class MemoryProvider implements CloudProvider {
  readonly cloud = 'azure' as const;
  readonly targets = new Map<string, TargetInfo>();
  readonly rules: MemoryRule[] = [];
  readonly writes: string[] = [];
  lockedDown = new Set<string>();
  identity = 'alice@example.com';
  /** Called before each write; a test can make it throw to simulate a cloud failure. */
  beforeWrite: (what: string) => void = () => {};

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
    return target;
  }

  private write(what: string): void {
    this.beforeWrite(what);
    this.writes.push(what);
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
      rules: [`rule-${rule.grantId}`],
    };
  }

  async whoami(): Promise<string> {
    return this.identity;
  }

  async resolveTarget(ref: string): Promise<TargetInfo> {
    const target = this.targets.get(ref) ?? [...this.targets.values()].find((t) => t.id === ref);
    if (!target) throw new Error(`no VM ${ref}`);
    return target;
  }

  async enable(target: TargetInfo, policy: Policy, options: { dryRun: boolean }): Promise<ChangeReport> {
    const changes = [{ op: 'set-tag' as const, on: target.name, summary: `jit-access=${encodePolicy(policy)}` }];
    if (!options.dryRun) {
      this.write(`enable ${target.name}`);
      target.policyTag = encodePolicy(policy);
      this.lockedDown.add(target.name);
    }
    return { changes, applied: !options.dryRun, notes: [] };
  }

  async disable(target: TargetInfo, options: { dryRun: boolean }): Promise<ChangeReport> {
    if (!options.dryRun) {
      this.write(`disable ${target.name}`);
      target.policyTag = undefined;
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
    return { ...report, rules: [`rule-${grant.id}`] };
  }

  async closeGrant(grant: CloudGrant, options: { dryRun: boolean }): Promise<ChangeReport> {
    if (!options.dryRun) {
      this.write(`remove-rule ${grant.grantId}`);
      const i = this.rules.findIndex((r) => r.grantId === grant.grantId);
      if (i !== -1) this.rules.splice(i, 1);
    }
    return { changes: [{ op: 'remove-rule', on: grant.target.name, summary: grant.grantId }], applied: !options.dryRun, notes: [] };
  }

  async listGrants(target?: TargetInfo): Promise<CloudGrant[]> {
    return this.rules.filter((r) => !target || r.target === target.name).map((r) => this.grantOf(r));
  }

  async status(target: TargetInfo, _policy: Policy | undefined, _grantSources: string[]): Promise<TargetStatus> {
    return { target, exposure: [], lockedDown: this.lockedDown.has(target.name) };
  }

  async scan() {
    return [];
  }

  role(): RoleDocuments {
    return { requester: {}, admin: {} };
  }
}
