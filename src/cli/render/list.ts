/** What `jit list` prints: each enabled VM, where it lives, its policy, and the caller's grants on it. */
import { printable as p } from '../../core/printable.js';
import type { ListResult } from '../../core/use-cases/list.js';
import { grantViewJson, policyJson, scopeJson } from './json.js';
import type { Look } from './look.js';
import { grantTable, policyText, requesterText, targetHeading } from './report.js';

export function listJson(result: ListResult) {
  return {
    requester: result.requester,
    vms: result.vms.map((vm) => ({
      cloud: vm.cloud,
      id: vm.id,
      name: vm.name,
      scope: scopeJson(vm.scope),
      state: vm.state ?? null,
      policyTag: vm.policyTag,
      policy: vm.policy ? policyJson(vm.policy) : null,
      problem: vm.problem,
      grants: vm.grants.map(grantViewJson),
    })),
  };
}

export function listText(look: Look, result: ListResult): string {
  const { c } = look;
  if (result.vms.length === 0) {
    return `${c.dim('No VM in scope has a jit policy.')} An admin enables one with \`jit enable <vm>\`; \`jit scan\` shows which VMs need it.`;
  }
  const lines: string[] = [];
  for (const vm of result.vms) {
    lines.push(...targetHeading(look, vm, vm.scope, vm.state ? `  ${c.dim(p(vm.state))}` : ''));
    lines.push(`  policy  ${vm.policy ? policyText(vm.policy) : c.red(`unreadable: ${p(vm.problem ?? '')}`)}`);
    if (vm.grants.length === 0) lines.push(`  ${c.dim('no grant of yours')}`);
    else lines.push(...grantTable(look, vm.grants, '  '));
  }
  lines.push(c.dim(`Request one with \`jit request <vm>\`; your grants are those of ${requesterText(look, result.requester)}.`));
  return lines.join('\n');
}
