/**
 * The real SDK and identity errors, as the emulator and the fake `az` produce them, mapped to
 * JitErrors with the exit codes of docs/cli.md; and who the requester is.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeAzEnv } from '../../emulators/arm/server.js';
import { ENABLE_DEFAULTS as ENABLE, SSH_POLICY as SSH } from '../../support/provider-fixtures.js';
import { ruleNames, SUB, seedVm01, useHarness } from './support.js';

const h = useHarness();
beforeEach(() => {
  seedVm01(h.emu);
  // Tests below change the fake az (FAKE_AZ_FAIL, FAKE_AZ_APPID, FAKE_AZ_LOG): start each from the default.
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(fakeAzEnv())) vi.stubEnv(name, value);
});

describe('errors from Azure', () => {
  it('a read the identity may not do: exit 4, naming the permission ARM says is missing', async () => {
    h.emu.faults.add({
      method: 'GET',
      pathIncludes: '/networkInterfaces/',
      status: 403,
      message: "The client 'alice@example.com' with object id 'x' does not have authorization to perform action 'Microsoft.Network/networkInterfaces/read' over scope '/subscriptions/…/vm01-nic' or the scope is invalid.",
    });
    const provider = await h.provider();
    const error = await provider.resolveTarget('vm01').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_FORBIDDEN', exitCode: 4, details: { armCode: 'AuthorizationFailed', status: 403 } });
    expect((error as Error).message).toBe(
      'Azure refused reading network interface vm01-nic: the identity lacks the permission Microsoft.Network/networkInterfaces/read (403 AuthorizationFailed).',
    );
  });

  it('nobody signed in to the Azure CLI: exit 4 with the hint to run az login', async () => {
    vi.stubEnv('FAKE_AZ_FAIL', '1');
    const provider = await h.provider({ subscription: SUB });
    for (const call of [() => provider.resolveTarget('vm01'), () => provider.whoami()]) {
      await expect(call()).rejects.toMatchObject({ code: 'JIT_AZURE_NOT_SIGNED_IN', exitCode: 4, hint: expect.stringMatching(/az login/) });
    }
    expect(h.emu.log).toEqual([]);
  });

  it('throttling the SDK does not retry (429 without a retry header): a clear message, exit 1', async () => {
    h.emu.faults.add({ method: 'GET', status: 429, code: 'TooManyRequests', message: 'Number of read requests exceeded the limit.' });
    const provider = await h.provider();
    await expect(provider.resolveTarget('vm01')).rejects.toMatchObject({ code: 'JIT_AZURE_THROTTLED', exitCode: 1, message: expect.stringMatching(/throttling/) });
  });

  it('throttling with retry-after-ms is waited out by the SDK', async () => {
    const throttle = h.emu.faults.add({ method: 'GET', status: 429, code: 'TooManyRequests', retryAfterMs: 10, times: 2 });
    const provider = await h.provider();
    expect((await provider.resolveTarget('vm01')).name).toBe('vm01');
    expect(throttle.hits).toBe(2);
  });

  it('a service that keeps failing: exit 1 after the SDK\'s own retries', async () => {
    h.emu.faults.add({ method: 'GET', pathIncludes: '/virtualNetworks/', status: 503, code: 'ServiceUnavailable', message: 'try later' });
    const provider = await h.provider();
    await expect(provider.resolveTarget('vm01')).rejects.toMatchObject({ code: 'JIT_AZURE_UNAVAILABLE', exitCode: 1 });
  });

  it('a write whose long-running operation fails (a plain Error, not a RestError) is mapped by its code and rolled back', async () => {
    h.emu.faults.add({ method: 'PUT', pathIncludes: '/vm01-nsg/securityRules/', status: 500, code: 'InternalServerError', message: 'NRP broke', asyncFailure: true });
    const provider = await h.provider();
    const target = await provider.resolveTarget('vm01');
    const error = await provider.enable(target, SSH, ENABLE).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JIT_AZURE_ERROR', exitCode: 1, details: { armCode: 'InternalServerError', armMessage: 'NRP broke' } });
    // The failed rule (left "Failed" by the operation) and the other NSG's rule are both removed.
    expect(ruleNames(h.emu, 'vm01-nsg')).toEqual(['SSH']);
    expect(ruleNames(h.emu, 'vnet-jit-default-nsg')).toEqual(['Allow-SSH-Internet']);
  });
});

describe('whoami', () => {
  it('names the user for a user token, the application for a service principal', async () => {
    expect(await (await h.provider()).whoami()).toBe('alice@example.com');
    vi.stubEnv('FAKE_AZ_APPID', '5f0e2a4c-1111-4111-8111-000000000001');
    expect(await (await h.provider()).whoami()).toBe('5f0e2a4c-1111-4111-8111-000000000001');
  });

  it('one token for the whole command: whoami, the network client and the compute client share it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jit-az-log-'));
    try {
      const log = path.join(dir, 'az.log');
      vi.stubEnv('FAKE_AZ_LOG', log);
      const provider = await h.provider();
      const [target, me] = await Promise.all([provider.resolveTarget('vm01'), provider.whoami()]);
      await provider.enable(target, SSH, ENABLE);
      expect(me).toBe('alice@example.com');
      const calls = readFileSync(log, 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { args: string[] }).args.slice(0, 2).join(' '));
      expect(calls.sort()).toEqual(['account get-access-token', 'account show']);
      expect(h.emu.requests({ method: 'PATCH' })).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
