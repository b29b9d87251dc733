import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, type ConfigKey, parseConfigKey, parseConfigValue } from '../../../src/config/schema.js';

const GUID = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';

/** [key, input, canonical value] */
const GOOD: [ConfigKey, string, string][] = [
  ['cloud', 'azure', 'azure'],
  ['cloud', ' AWS ', 'aws'],
  ['subscription', GUID, GUID],
  ['subscription', GUID.toUpperCase(), GUID],
  ['resource-group', 'rg-prod_01', 'rg-prod_01'],
  ['resource-group', 'My.RG(test)', 'My.RG(test)'],
  ['resource-group', 'Ressourcengruppe-Größe', 'Ressourcengruppe-Größe'],
  ['resource-group', 'r'.repeat(90), 'r'.repeat(90)],
  ['region', 'eu-west-1', 'eu-west-1'],
  ['region', 'us-gov-west-1', 'us-gov-west-1'],
  ['region', 'AP-SOUTHEAST-2', 'ap-southeast-2'],
  ['region', 'us-isob-east-1', 'us-isob-east-1'],
  ['profile', 'default', 'default'],
  ['profile', 'AdministratorAccess-123456789012', 'AdministratorAccess-123456789012'],
  ['profile', 'team.ops+jit@corp', 'team.ops+jit@corp'],
  ['azure-cloud', 'AzurePublicCloud', 'AzurePublicCloud'],
  ['azure-cloud', 'azurechinacloud', 'AzureChinaCloud'],
  ['azure-cloud', 'AZUREUSGOVERNMENT', 'AzureUSGovernment'],
  ['duration', '3h', '3h'],
  ['duration', '90m', '1h30m'],
  ['duration', 'PT15M', '15m'],
  ['duration', '1d', '1d'],
  ['ip.services', 'https://api.ipify.org', 'https://api.ipify.org'],
  [
    'ip.services',
    ' https://icanhazip.com , http://127.0.0.1:8080/ip,https://icanhazip.com,',
    'https://icanhazip.com,http://127.0.0.1:8080/ip',
  ],
];

/** [key, input, text the message must contain besides the key: the accepted form] */
const BAD: [ConfigKey, string, string][] = [
  ['cloud', 'gcp', 'use azure or aws'],
  ['cloud', '', 'use azure or aws'],
  ['subscription', 'not-a-guid', 'a GUID like 00000000-0000-0000-0000-000000000000'],
  ['subscription', `${GUID}0`, 'a GUID like'],
  ['resource-group', '', '1-90 letters, digits and . _ - ( )'],
  ['resource-group', 'rg.', 'not ending in "."'],
  ['resource-group', 'rg with space', '1-90 letters'],
  ['resource-group', 'r'.repeat(91), '1-90 letters'],
  ['resource-group', 'rg/prod', '1-90 letters'],
  ['region', 'eu-west', 'an AWS region like eu-west-1 or us-gov-west-1'],
  ['region', 'westeurope', 'an AWS region like eu-west-1'],
  ['region', 'eu_west_1', 'an AWS region like eu-west-1'],
  ['profile', 'my profile', 'an AWS profile name'],
  ['profile', '[default]', 'an AWS profile name'],
  ['profile', '', 'an AWS profile name'],
  ['azure-cloud', 'AzureGermanCloud', 'one of AzurePublicCloud, AzureChinaCloud, AzureUSGovernment'],
  ['duration', '99h', 'durations run from 1s to 24h'],
  ['duration', '1 hour', 'a duration like 90s, 15m, 3h'],
  ['duration', '-1h', 'a duration like'],
  ['ip.services', 'http://ip.example.com', 'https:// URLs'],
  ['ip.services', 'ftp://ip.example.com', 'https:// URLs'],
  ['ip.services', ' , ', 'lists no service'],
];

describe('config keys', () => {
  it.each(GOOD)('%s accepts %j as %j', (key, input, canonical) => {
    expect(parseConfigValue(key, input)).toBe(canonical);
  });

  it.each(BAD)('%s refuses %j, naming the key and the accepted form', (key, input, form) => {
    const parse = () => parseConfigValue(key, input);
    expect(parse).toThrow(expect.objectContaining({ code: 'JIT_INVALID_CONFIG', exitCode: 2 }));
    expect(parse).toThrow(key);
    expect(parse).toThrow(form);
  });

  it('names the label it is given and carries the hint', () => {
    expect(() => parseConfigValue('region', 'nowhere', 'AWS_REGION', 'Unset it.')).toThrow(
      expect.objectContaining({
        message: 'AWS_REGION "nowhere" is not an AWS region like eu-west-1 or us-gov-west-1.',
        hint: 'Unset it.',
      }),
    );
    expect(() => parseConfigValue('duration', '2d', '--duration', 'Shorter.')).toThrow(
      expect.objectContaining({ code: 'JIT_INVALID_CONFIG', hint: 'Shorter.' }),
    );
  });

  it('every key has a good and a bad case above', () => {
    for (const key of CONFIG_KEYS) {
      expect(GOOD.some(([k]) => k === key)).toBe(true);
      expect(BAD.some(([k]) => k === key)).toBe(true);
    }
  });

  it('knows its keys and refuses others, listing the known ones', () => {
    expect(parseConfigKey('ip.services')).toBe('ip.services');
    const parse = () => parseConfigKey('resource_group');
    expect(parse).toThrow(expect.objectContaining({ code: 'JIT_UNKNOWN_CONFIG_KEY', exitCode: 2 }));
    expect(parse).toThrow(
      '"resource_group" is not a jit setting; known keys: cloud, subscription, resource-group, region, profile, azure-cloud, duration, ip.services.',
    );
  });
});
