/** What `jit list` prints: each enabled VM, where it lives, its policy, and the caller's grants on it. */
import type { ChalkInstance } from 'chalk';
import type { Policy } from '../../core/model.js';
import { printable as p } from '../../core/printable.js';
import type { ListResult } from '../../core/use-cases/list.js';
import { grantLine, policyText } from './report.js';
import { whereOf } from './where.js';

/** The policy in --json: its fields by name, sources as CIDRs (docs/json.md, "The types"). */
function policyJson(policy: Policy) {
  return {
    ports: policy.ports,
    maxDuration: policy.maxDuration,
    allowSources: policy.allowSources.map((prefix) => prefix.cidr),
    requireJustification: policy.requireJustification,
  };
}

export function listJson(result: ListResult) {
  return {
    requester: result.requester,
    vms: result.vms.map(({ policy, ...vm }) => ({ ...vm, policy: policy ? policyJson(policy) : null })),
  };
}

export function listText(c: ChalkInstance, result: ListResult): string {
  if (result.vms.length === 0) {
    return `${c.dim('No VM in scope has a jit policy.')} An admin enables one with \`jit enable <vm>\`; \`jit scan\` shows which VMs need it.`;
  }
  const lines: string[] = [];
  for (const vm of result.vms) {
    const state = vm.state ? `  ${c.dim(p(vm.state))}` : '';
    lines.push(`${c.bold(p(vm.name))}  ${c.dim(p(whereOf(vm.scope)))}${state}`);
    lines.push(`  policy  ${vm.policy ? policyText(vm.policy) : c.red(`unreadable: ${p(vm.problem ?? '')}`)}`);
    if (vm.grants.length === 0) lines.push(`  ${c.dim('no grant of yours')}`);
    for (const grant of vm.grants) lines.push(grantLine(c, grant));
  }
  lines.push(c.dim(`Request one with \`jit request <vm>\`; your grants are those of ${p(result.requester)}.`));
  return lines.join('\n');
}
