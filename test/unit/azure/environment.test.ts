/** Sovereign clouds and the endpoint override (src/clouds/azure/environment.ts). */
import { describe, expect, it } from 'vitest';
import { azureCloud } from '../../../src/clouds/azure/environment.js';

describe('azureCloud', () => {
  it.each([
    [undefined, 'https://management.azure.com', 'https://management.azure.com/.default', 'https://login.microsoftonline.com'],
    ['AzurePublicCloud', 'https://management.azure.com', 'https://management.azure.com/.default', 'https://login.microsoftonline.com'],
    ['AzureChinaCloud', 'https://management.chinacloudapi.cn', 'https://management.chinacloudapi.cn/.default', 'https://login.chinacloudapi.cn'],
    ['azureusgovernment', 'https://management.usgovcloudapi.net', 'https://management.usgovcloudapi.net/.default', 'https://login.microsoftonline.us'],
  ])('%s', (name, resourceManager, scope, authorityHost) => {
    expect(azureCloud(name, undefined)).toMatchObject({ resourceManager, scope, authorityHost });
  });

  it('sends requests to JIT_AZURE_ENDPOINT and keeps the cloud\'s token scope', () => {
    expect(azureCloud('AzureChinaCloud', 'https://127.0.0.1:8443/')).toMatchObject({
      name: 'AzureChinaCloud',
      resourceManager: 'https://127.0.0.1:8443',
      scope: 'https://management.chinacloudapi.cn/.default',
    });
  });

  it('refuses an endpoint that is not https (the bearer policy would send no token) and an unknown cloud', () => {
    expect(() => azureCloud(undefined, 'http://127.0.0.1:8080')).toThrow(expect.objectContaining({ code: 'JIT_INVALID_CONFIG', exitCode: 2 }));
    expect(() => azureCloud(undefined, 'management.azure.com')).toThrow(/JIT_AZURE_ENDPOINT "management.azure.com" is not an https:\/\/ URL/);
    expect(() => azureCloud('AzureGermanCloud', undefined)).toThrow(/azure-cloud "AzureGermanCloud" is not one of/);
  });
});
