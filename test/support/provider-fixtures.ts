/**
 * What most provider tests enable, on either cloud: a policy opening 22/tcp, and `jit enable`'s
 * options with no flags given.
 */
import { buildPolicy } from '../../src/core/policy.js';
import type { EnableOptions } from '../../src/core/ports.js';

export const SSH_POLICY = buildPolicy({ ports: [{ from: 22, to: 22, protocol: 'tcp' }] });

export const ENABLE_DEFAULTS: EnableOptions = { dryRun: false, includeNarrow: false, isolate: false };
