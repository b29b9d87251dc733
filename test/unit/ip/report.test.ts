import { describe, expect, it } from 'vitest';
import { type JitError, ProviderError } from '../../../src/core/errors.js';
import type { DetectedAddress, IpDetection } from '../../../src/core/ports.js';
import {
  describeDetectedAddress,
  detectionWarnings,
  requireDetectedAddress,
} from '../../../src/core/ip-evidence.js';

const IPIFY = 'https://api.ipify.org';
const AMAZON = 'https://checkip.amazonaws.com';
const CLOUDFLARE = 'https://1.1.1.1/cdn-cgi/trace';

const v4: DetectedAddress = { family: 4, address: '8.8.4.4', agreement: 'agreed', services: [IPIFY, AMAZON] };
const v6: DetectedAddress = {
  family: 6,
  address: '2606:4700:4700::1111',
  agreement: 'single',
  services: [IPIFY],
};

describe('describeDetectedAddress', () => {
  it.each<[DetectedAddress, string]>([
    [v4, '8.8.4.4 (agreed by api.ipify.org, checkip.amazonaws.com)'],
    [v6, '2606:4700:4700::1111 (only api.ipify.org answered)'],
    [{ ...v4, agreement: 'disagreed', services: [CLOUDFLARE] }, '8.8.4.4 (most votes: 1.1.1.1)'],
    [
      { ...v4, agreement: 'single', services: ['http://127.0.0.1:8080/ip'] },
      '8.8.4.4 (only 127.0.0.1:8080 answered)',
    ],
  ])('describes %j', (found, text) => {
    expect(describeDetectedAddress(found)).toBe(text);
  });
});

describe('detectionWarnings', () => {
  it('says nothing when two services agreed and none contradicted them', () => {
    const detection: IpDetection = {
      v4,
      answers: [
        { url: IPIFY, family: 4, address: '8.8.4.4', ms: 30 },
        { url: AMAZON, family: 4, address: '8.8.4.4', ms: 40 },
        { url: CLOUDFLARE, family: 4, error: 'timeout', ms: 3000 },
      ],
    };
    expect(detectionWarnings(detection)).toEqual([]);
  });

  it('warns when only one service answered', () => {
    const detection: IpDetection = {
      v6,
      answers: [
        { url: IPIFY, family: 6, address: v6.address, ms: 30 },
        { url: AMAZON, family: 6, error: 'HTTP 503', ms: 40 },
      ],
    };
    expect(detectionWarnings(detection)).toEqual([{ code: 'JIT_IP_SINGLE_SERVICE', message: 'IPv6: only one service answered (api.ipify.org).' }]);
  });

  it('warns when services disagreed, even if two of them agreed', () => {
    const detection: IpDetection = {
      v4,
      answers: [
        { url: IPIFY, family: 4, address: '8.8.4.4', ms: 30 },
        { url: CLOUDFLARE, family: 4, address: '1.0.0.1', ms: 35 },
        { url: AMAZON, family: 4, address: '8.8.4.4', ms: 40 },
      ],
    };
    expect(detectionWarnings(detection)).toEqual([
      {
        code: 'JIT_IP_SERVICES_DISAGREE',
        message: 'IPv4: services disagreed: api.ipify.org said 8.8.4.4, 1.1.1.1 said 1.0.0.1, checkip.amazonaws.com said 8.8.4.4.',
      },
    ]);
  });
});

describe('requireDetectedAddress', () => {
  const both: IpDetection = { v4, v6, answers: [] };
  const onlyV6: IpDetection = {
    v6,
    answers: [
      { url: IPIFY, family: 4, error: 'timeout', ms: 3000 },
      { url: CLOUDFLARE, family: 4, error: 'answered 10.0.0.1 (private)', ms: 20 },
      { url: IPIFY, family: 6, address: v6.address, ms: 30 },
    ],
  };

  it('prefers IPv4 when either will do', () => {
    expect(requireDetectedAddress(both)).toBe(v4);
    expect(requireDetectedAddress(onlyV6)).toBe(v6);
    expect(requireDetectedAddress(both, 6)).toBe(v6);
  });

  it('throws JIT_IP_NOT_DETECTED naming what each service of that family said', () => {
    let thrown: unknown;
    try {
      requireDetectedAddress(onlyV6, 4);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProviderError);
    const error = thrown as JitError;
    expect(error.code).toBe('JIT_IP_NOT_DETECTED');
    expect(error.exitCode).toBe(1);
    expect(error.hint).toBe('Pass --source <your IP> or set JIT_IP_URLS');
    expect(error.message).toBe(
      'Could not detect your public IPv4 address (api.ipify.org over IPv4: timeout; ' +
      '1.1.1.1 over IPv4: answered 10.0.0.1 (private)).',
    );
  });

  it('throws when there was no service to ask', () => {
    expect(() => requireDetectedAddress({ answers: [] })).toThrow(
      'Could not detect your public IP address: no service to ask.',
    );
  });
});
