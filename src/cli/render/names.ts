/**
 * Short names for people: a target as `resource-group/vm` (Azure) or `name (i-…)` (AWS), and a
 * requester as the user it is, not the whole ARN. The full forms are in --json, and with --verbose.
 * Callers make the result printable (it is cloud data).
 */

const AZURE_GROUP = /\/resourceGroups\/([^/]+)\//i;

/** The resource group an Azure resource id names; undefined for anything else (an EC2 id). */
export function resourceGroupOf(id: string): string | undefined {
  return AZURE_GROUP.exec(id)?.[1];
}

/** `rg-web/vm01` on Azure; `web (i-0abc…)` on AWS, or the instance id alone when it has no Name. */
export function shortTarget(target: { id: string; name: string }, scope: Record<string, string> = {}): string {
  if (target.id.startsWith('/')) {
    const group = scope['resource-group'] ?? resourceGroupOf(target.id);
    return group ? `${group}/${target.name}` : target.name;
  }
  if (/^i-[0-9a-f]+$/.test(target.id)) return target.name === target.id || target.name === '' ? target.id : `${target.name} (${target.id})`;
  return target.name;
}

/**
 * The user behind a requester: an STS assumed role's session name
 * (`arn:aws:sts::123:assumed-role/Role/alice` → `alice`), an IAM user's name
 * (`arn:aws:iam::123:user/team/bob` → `bob`), or, for anything else (an Azure UPN or application
 * id, the account root), the requester as it is. The session name is the ARN's last part (STS API
 * reference, AssumedRoleUser and AssumeRole's RoleSessionName: "included as part of the ARN");
 * a user's path comes before its name (IAM User Guide, "IAM identifiers").
 */
export function shortRequester(requester: string): string {
  const arn = /^arn:aws[a-z-]*:(sts|iam)::\d*:(assumed-role|user|federated-user)\/(.+)$/.exec(requester);
  if (!arn) return requester;
  const last = arn[3]!.split('/').at(-1);
  return last !== undefined && last !== '' ? last : requester;
}
