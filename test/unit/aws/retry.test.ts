// The clients are built with a bounded retry: a throttled call is retried maxAttempts times by the
// SDK, then mapped to JIT_AWS_THROTTLED. A loopback server plays EC2 answering RequestLimitExceeded.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec2ApiOver } from '../../../src/clouds/aws/ec2-api.js';
import { buildAwsClients, MAX_ATTEMPTS } from '../../../src/clouds/aws/index.js';

const THROTTLED = `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-1</RequestID></Response>`;

let server: Server;
let url: string;
let requests = 0;
const ENV = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};
const saved = new Map(Object.keys(ENV).map((key) => [key, process.env[key]]));

beforeAll(async () => {
  Object.assign(process.env, ENV);
  server = createServer((request, response) => {
    requests++;
    request.resume();
    response.writeHead(503, { 'content-type': 'text/xml' }).end(THROTTLED);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  for (const [key, value] of saved) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe('throttling', () => {
  it('is retried up to maxAttempts, then becomes JIT_AWS_THROTTLED', async () => {
    const { ec2 } = buildAwsClients({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL_EC2: url }, maxAttempts: 3 });
    requests = 0;

    await expect(ec2ApiOver(ec2).describeInstances({})).rejects.toMatchObject({
      code: 'JIT_AWS_THROTTLED',
      details: { awsCode: 'RequestLimitExceeded' },
    });
    expect(requests).toBe(3);
  });

  it('gets MAX_ATTEMPTS by default', async () => {
    const { ec2, sts } = buildAwsClients({ region: 'eu-west-1', env: {} });

    expect(await ec2.config.maxAttempts()).toBe(MAX_ATTEMPTS);
    expect(await sts.config.maxAttempts()).toBe(MAX_ATTEMPTS);
  });
});
