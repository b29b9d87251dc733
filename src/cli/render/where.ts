/** Short names for where a VM lives, shared by `list` and `scan`. */

/** Where a VM lives, in a word: its resource group (Azure), or account/region (AWS). */
export function whereOf(scope: Record<string, string>): string {
  const aws = [scope.account, scope.region].filter((part): part is string => part !== undefined && part !== '');
  return scope['resource-group'] ?? (aws.length > 0 ? aws.join('/') : Object.values(scope).join('/'));
}
