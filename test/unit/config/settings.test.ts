import { describe, expect, it } from 'vitest';
import type { ConfigKey } from '../../../src/config/schema.js';
import { resolveSettings } from '../../../src/config/store.js';
import { DEFAULT_IP_SERVICES } from '../../../src/ip/services.js';

const SUB_CONFIG = '11111111-1111-1111-1111-111111111111';
const SUB_ENV = '22222222-2222-2222-2222-222222222222';
const SUB_FLAG = '33333333-3333-3333-3333-333333333333';

/** [key, config value, environment, flag value, canonical value of each layer] */
const LAYERS: [ConfigKey, string, Record<string, string>, string | undefined, [string, string, string]][] = [
  ['cloud', 'azure', { JIT_CLOUD: 'aws' }, 'Azure', ['azure', 'aws', 'azure']],
  ['subscription', SUB_CONFIG, { AZURE_SUBSCRIPTION_ID: SUB_ENV }, SUB_FLAG, [SUB_CONFIG, SUB_ENV, SUB_FLAG]],
  [
    'resource-group',
    'rg-config',
    { JIT_RESOURCE_GROUP: 'rg-env' },
    'rg-flag',
    ['rg-config', 'rg-env', 'rg-flag'],
  ],
  [
    'region',
    'eu-west-1',
    { AWS_REGION: 'us-east-1' },
    'ap-south-1',
    ['eu-west-1', 'us-east-1', 'ap-south-1'],
  ],
  ['profile', 'config', { AWS_PROFILE: 'env' }, 'flag', ['config', 'env', 'flag']],
  ['duration', '2h', { JIT_DURATION: 'PT30M' }, '90m', ['2h', '30m', '1h30m']],
  [
    'ip.services',
    'https://config.example',
    { JIT_IP_URLS: 'http://127.0.0.1:9/ip' },
    undefined,
    ['https://config.example', 'http://127.0.0.1:9/ip', ''],
  ],
];

describe('settings precedence: defaults < config file < environment < flags', () => {
  it('has defaults for duration, IP services and Azure cloud, and nothing else', () => {
    expect(resolveSettings({ flags: {}, env: {}, config: {} })).toEqual({
      duration: { value: '1h', source: 'default' },
      'ip.services': { value: DEFAULT_IP_SERVICES.join(','), source: 'default' },
      'azure-cloud': { value: 'AzurePublicCloud', source: 'default' },
    });
  });

  it.each(LAYERS)(
    '%s: each layer overrides the one below',
    (key, stored, env, flag, [fromConfig, fromEnv, fromFlag]) => {
      const config = { [key]: stored };
      expect(resolveSettings({ flags: {}, env: {}, config })[key]).toEqual({
        value: fromConfig,
        source: 'config',
      });
      expect(resolveSettings({ flags: {}, env, config })[key]).toEqual({ value: fromEnv, source: 'env' });
      if (flag !== undefined) {
        expect(resolveSettings({ flags: { [key]: flag }, env, config })[key]).toEqual({
          value: fromFlag,
          source: 'flag',
        });
      }
    },
  );

  it('reads AWS_REGION before AWS_DEFAULT_REGION, and treats empty variables as unset', () => {
    const resolve = (env: Record<string, string>) => resolveSettings({ flags: {}, env, config: {} }).region;
    expect(resolve({ AWS_DEFAULT_REGION: 'eu-north-1' })).toEqual({ value: 'eu-north-1', source: 'env' });
    expect(resolve({ AWS_REGION: 'eu-west-3', AWS_DEFAULT_REGION: 'eu-north-1' })).toEqual({
      value: 'eu-west-3',
      source: 'env',
    });
    expect(resolve({ AWS_REGION: '', AWS_DEFAULT_REGION: 'eu-north-1' })).toEqual({
      value: 'eu-north-1',
      source: 'env',
    });
    expect(
      resolveSettings({ flags: {}, env: { JIT_DURATION: '' }, config: { duration: '2h' } }).duration,
    ).toEqual({ value: '2h', source: 'config' });
  });

  it('takes azure-cloud from config and flag only', () => {
    const config = { 'azure-cloud': 'AzureChinaCloud' };
    expect(resolveSettings({ flags: {}, env: {}, config })['azure-cloud']).toEqual({
      value: 'AzureChinaCloud',
      source: 'config',
    });
    expect(
      resolveSettings({ flags: { 'azure-cloud': 'azureusgovernment' }, env: {}, config })['azure-cloud'],
    ).toEqual({ value: 'AzureUSGovernment', source: 'flag' });
  });

  it.each([
    ['a flag', { flags: { region: 'mars-1' }, env: {}, config: {} }, '--region "mars-1"', undefined],
    [
      'a variable',
      { flags: {}, env: { AWS_REGION: 'mars-1' }, config: { region: 'eu-west-1' } },
      'AWS_REGION "mars-1"',
      'Fix or unset the environment variable AWS_REGION.',
    ],
    [
      'the config file',
      { flags: {}, env: {}, config: { duration: '36h' } },
      'config key duration "36h"',
      'Change it with `jit config set duration <value>` or remove it with `jit config unset duration`.',
    ],
  ])(
    'names %s holding an invalid value instead of falling back to a lower layer',
    (_, layers, label, hint) => {
      expect(() => resolveSettings(layers)).toThrow(
        expect.objectContaining({
          code: 'JIT_INVALID_CONFIG',
          message: expect.stringContaining(label),
          hint,
        }),
      );
    },
  );
});

describe('a hand-edited value quoted in an error is cut and printable', () => {
  it.each(['region', 'duration', 'cloud', 'ip.services', 'subscription'] as const)('%s', (key) => {
    const huge = `\u001b]0;pwned\u0007\r\nforged line${'x'.repeat(10_000)}`;
    let message = '';
    try {
      resolveSettings({ flags: {}, env: {}, config: { [key]: huge } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`config key ${key}`);
    expect(message).toContain('\\x1b]0;pwned\\x07\\r\\nforged line');
    expect(message).toMatch(/…\(\d+ more characters\)/);
    expect(message.length).toBeLessThan(400);
    expect(message).not.toMatch(/[\u0000-\u001f]/);
  });
});
