/**
 * What the CLI says about a detection: the address with its evidence, the warnings
 * docs/ip-detection.md ("Agreement") describes (only one service answered, services disagreed),
 * and the error when nothing was found.
 */
import type { Notice, WarningCode } from './codes.js';
import { ProviderError } from './errors.js';
import type { DetectedAddress, IpDetection, ServiceAnswer } from './ports.js';

/** A service by its host (and port), which is what a human recognises: "api.ipify.org". */
function serviceName(url: string): string {
  return new URL(url).host;
}

function names(urls: readonly string[]): string {
  return urls.map(serviceName).join(', ');
}

/** e.g. "8.8.4.4 (agreed by api.ipify.org, icanhazip.com)". */
export function describeDetectedAddress(found: DetectedAddress): string {
  switch (found.agreement) {
    case 'agreed':
      return `${found.address} (agreed by ${names(found.services)})`;
    case 'single':
      return `${found.address} (only ${names(found.services)} answered)`;
    case 'disagreed':
      return `${found.address} (most votes: ${names(found.services)})`;
  }
}

/** One line per detected family whose evidence is weak or contested. */
export function detectionWarnings(detection: IpDetection): Notice<WarningCode>[] {
  const warnings: Notice<WarningCode>[] = [];
  for (const found of [detection.v4, detection.v6]) {
    if (found === undefined) continue;
    const answered = detection.answers.filter(
      (answer) => answer.family === found.family && answer.address !== undefined,
    );
    if (found.agreement === 'single') {
      warnings.push({ code: 'JIT_IP_SINGLE_SERVICE', message: `IPv${found.family}: only one service answered (${names(found.services)}).` });
    } else if (answered.some((answer) => answer.address !== found.address)) {
      const said = answered.map((answer) => `${serviceName(answer.url)} said ${answer.address}`);
      warnings.push({ code: 'JIT_IP_SERVICES_DISAGREE', message: `IPv${found.family}: services disagreed: ${said.join(', ')}.` });
    }
  }
  return warnings;
}

/**
 * The address a grant should use: the one of the family asked for, IPv4 first when either will do
 * (most VMs are reached over IPv4). Throws, naming what each service said, when there is none.
 */
export function requireDetectedAddress(
  detection: IpDetection,
  prefer: 4 | 6 | 'any' = 'any',
): DetectedAddress {
  const found = prefer === 4 ? detection.v4 : prefer === 6 ? detection.v6 : (detection.v4 ?? detection.v6);
  if (found !== undefined) return found;
  const failed = detection.answers.filter(
    (answer): answer is ServiceAnswer & { error: string } =>
      answer.error !== undefined && (prefer === 'any' || answer.family === prefer),
  );
  const why = failed.map((answer) => `${serviceName(answer.url)} over IPv${answer.family}: ${answer.error}`);
  throw new ProviderError(
    'JIT_IP_NOT_DETECTED',
    `Could not detect your public ${prefer === 'any' ? 'IP' : `IPv${prefer}`} address` +
    (why.length === 0 ? ': no service to ask.' : ` (${why.join('; ')}).`),
    { hint: 'Pass --source <your IP> or set JIT_IP_URLS', details: { answers: failed } },
  );
}
