import { describe, expect, it } from 'vitest';
import { checkEndpointVariables } from '../../../src/config/endpoints.js';

describe('endpoint variables', () => {
  it.each([
    [{ AWS_ENDPOINT_URL: '::::' }, /^AWS_ENDPOINT_URL "::::" is not an http:\/\/ or https:\/\/ URL\.$/],
    [{ AWS_ENDPOINT_URL_EC2: 'localhost:4566' }, /^AWS_ENDPOINT_URL_EC2 "localhost:4566" is not an http:\/\/ or https:\/\/ URL/],
    [{ AWS_ENDPOINT_URL_STS: 'ftp://sts.example' }, /^AWS_ENDPOINT_URL_STS "ftp:\/\/sts.example"/],
    [{ AWS_ENDPOINT_URL: 'http://' }, /^AWS_ENDPOINT_URL "http:\/\/"/],
    [{ JIT_AZURE_ENDPOINT: 'http://127.0.0.1:8443' }, /^JIT_AZURE_ENDPOINT "http:\/\/127.0.0.1:8443" is not an https:\/\/ URL\.$/],
    [{ JIT_AZURE_ENDPOINT: 'management.azure.com' }, /^JIT_AZURE_ENDPOINT "management.azure.com"/],
    [{ JIT_AZURE_ENDPOINT: `https://\u001b]0;x\u0007${'a'.repeat(5000)}` }, /^JIT_AZURE_ENDPOINT "https:\/\/\\x1b]0;x\\x07a+…\(4934 more characters\)"/],
  ])('case %# is refused, naming the variable and the form (exit 2)', (env, message) => {
    let thrown: unknown;
    try {
      checkEndpointVariables(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'JIT_INVALID_CONFIG', exitCode: 2, message: expect.stringMatching(message) });
    const name = Object.keys(env)[0]!;
    expect((thrown as { hint: string }).hint).toMatch(new RegExp(`e\\.g\\. https://.*unset ${name}`));
  });

  it.each([
    [{}],
    [{ AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_EC2: '', JIT_AZURE_ENDPOINT: '' }],
    [{ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_ENDPOINT_URL_EC2: 'https://ec2.eu-west-1.amazonaws.com/' }],
    [{ AWS_ENDPOINT_URL_STS: 'https://sts.eu-west-1.amazonaws.com', JIT_AZURE_ENDPOINT: 'https://127.0.0.1:8443/' }],
    // The SDK ignores the variables then, and so does jit: nothing to check.
    [{ AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true', AWS_ENDPOINT_URL: '::::' }],
  ])('%j is accepted', (env) => {
    expect(() => checkEndpointVariables(env)).not.toThrow();
  });
});
