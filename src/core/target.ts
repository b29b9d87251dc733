/**
 * Target references (docs/cli.md, "Targets"): the cloud is inferred from the form (`i-…` → aws,
 * `/subscriptions/…` → azure) unless --cloud or the config names it; a bare name needs one of them.
 */
import { UserError } from './errors.js';
import { CLOUDS, type CloudName, type TargetRef } from './model.js';
import { quoted } from './printable.js';

const EC2_INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** ARM resource ID of a VM; segment names are case-insensitive in ARM. */
const AZURE_VM_ID =
  /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Compute\/virtualMachines\/[-\w.]{1,64}$/i;
/** Azure VM names (1-64: letters, digits, '-', '_', '.') and EC2 Name tags share this safe subset. */
const VM_NAME = /^[A-Za-z0-9][-\w.]{0,63}$/;

export const TARGET_FORM =
  'a VM name (e.g. vm01), an Azure VM resource ID (/subscriptions/…/virtualMachines/vm01) or an EC2 instance ID (i-0123456789abcdef0)';

export function parseCloud(input: string, flag: string): CloudName {
  const cloud = input.trim().toLowerCase();
  if ((CLOUDS as readonly string[]).includes(cloud)) return cloud as CloudName;
  throw new UserError('JIT_INVALID_CLOUD', `${flag} ${quoted(input)} is not a cloud: use azure or aws.`);
}

/**
 * `explicit` is what --cloud says; `fallback` the default from JIT_CLOUD or the config. An explicit
 * --cloud wins over the form, so an Azure VM that happens to be called "i-0123abcd" can still be
 * named; the form wins over a default, so `cloud=azure` in the config does not send an EC2
 * instance ID to Azure (docs/cli.md, "Targets").
 */
export function parseTarget(input: string, explicit: CloudName | undefined, fallback?: CloudName): TargetRef {
  const ref = input.trim();
  if (ref.startsWith('/')) {
    if (!AZURE_VM_ID.test(ref)) {
      throw new UserError('JIT_INVALID_TARGET', `<vm> "${input}" is not an Azure VM resource ID.`, {
        hint: 'The form is /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<name>.',
      });
    }
    return { cloud: 'azure', ref };
  }
  if (!VM_NAME.test(ref)) {
    throw new UserError('JIT_INVALID_TARGET', `<vm> "${input}" is not ${TARGET_FORM}.`);
  }
  const inferred = EC2_INSTANCE_ID.test(ref) ? 'aws' : undefined;
  const chosen = explicit ?? inferred ?? fallback;
  if (!chosen) {
    throw new UserError('JIT_CLOUD_UNKNOWN', `Cannot tell which cloud "${ref}" is on.`, {
      hint: 'Pass --cloud azure|aws, or set a default with `jit config set cloud azure`.',
    });
  }
  return { cloud: chosen, ref };
}

/** Whether the target's own form named its cloud (an instance ID or a resource ID), rather than a setting. */
export function formNamesCloud(input: string): boolean {
  const ref = input.trim();
  return ref.startsWith('/') || EC2_INSTANCE_ID.test(ref);
}
