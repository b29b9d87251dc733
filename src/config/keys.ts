/** The keys of `jit config`, on their own so that declaring the command (help text) loads no validator. */
export const CONFIG_KEYS = [
  'cloud',
  'subscription',
  'resource-group',
  'region',
  'profile',
  'azure-cloud',
  'duration',
  'ip.services',
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];
