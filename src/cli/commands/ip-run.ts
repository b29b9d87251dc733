/**
 * What `jit ip` does: the public address(es) a request would grant, and which services agreed
 * (docs/ip-detection.md).
 */
import type { Command } from 'commander';
import type { DetectedAddress, IpDetection } from '../../core/ports.js';
import type { Prefix } from '../../core/prefix.js';
import { appContext } from '../app-context.js';
import type { CliRun } from '../run.js';
import { sourceFlag } from '../validate.js';

interface FamilyResult {
  address: string;
  prefix: string;
  /** agreed / single / disagreed as detected; `given` when --source named it. */
  agreement: DetectedAddress['agreement'] | 'given';
  services: string[];
}

export interface IpResult {
  source: 'detected' | 'flag';
  v4: FamilyResult | null;
  v6: FamilyResult | null;
  answers: { url: string; family: 4 | 6; address: string | null; error: string | null; ms: number }[];
}

function fromFlag(prefix: Prefix): IpResult {
  const given: FamilyResult = {
    address: prefix.address,
    prefix: prefix.cidr,
    agreement: 'given',
    services: [],
  };
  return {
    source: 'flag',
    v4: prefix.family === 4 ? given : null,
    v6: prefix.family === 6 ? given : null,
    answers: [],
  };
}

function fromDetection(detection: IpDetection): IpResult {
  const family = (found: DetectedAddress | undefined): FamilyResult | null =>
    found
      ? {
          address: found.address,
          prefix: `${found.address}/${found.family === 4 ? 32 : 128}`,
          agreement: found.agreement,
          services: found.services,
        }
      : null;
  return {
    source: 'detected',
    v4: family(detection.v4),
    v6: family(detection.v6),
    // Every key present, null when a service gave no address or no error (docs/json.md).
    answers: detection.answers.map((a) => ({
      url: a.url,
      family: a.family,
      address: a.address ?? null,
      error: a.error ?? null,
      ms: a.ms,
    })),
  };
}

export async function ip(run: CliRun, options: { source?: string }, command: Command): Promise<void> {
  const ctx = appContext(run, command);
  const { out } = ctx;
  const given = sourceFlag(options.source);
  if (given) {
    out.result(fromFlag(given), (c) => `IPv${given.family}  ${c.bold(given.cidr)}  (given with --source)`, () => [given.address]);
    return;
  }
  const { describeDetectedAddress, detectionWarnings, requireDetectedAddress } = await import('../../ip/index.js');
  const progress = await out.progress();
  let detection;
  try {
    progress.step('Asking the IP services…');
    detection = await (await ctx.ipDetector()).detect();
  } finally {
    progress.stop();
  }
  requireDetectedAddress(detection);
  for (const warning of detectionWarnings(detection)) out.warn(warning);
  out.result(fromDetection(detection), (c) =>
    [detection.v4, detection.v6]
      .map((found, i) => {
        const label = `IPv${i === 0 ? 4 : 6}`;
        return found
          ? `${label}  ${c.bold(found.address)}  ${describeDetectedAddress(found).slice(found.address.length + 1)}`
          : `${label}  ${c.dim('not detected')}`;
      })
      .join('\n'),
  // --quiet: the addresses alone, IPv4 first.
  () => [detection.v4?.address, detection.v6?.address].filter((a): a is string => a !== undefined),
  );
}
