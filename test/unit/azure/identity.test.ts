/** The requester from an ARM token, and one token per process (src/clouds/azure/identity.ts). */
import { describe, expect, it } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { requesterFromToken, SharedTokenCredential } from '../../../src/clouds/azure/identity.js';

const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
const CLI_APP = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

describe('requesterFromToken', () => {
  it.each([
    ['a user from az (appid is the CLI\'s)', { upn: 'alice@example.com', unique_name: 'alice@example.com', appid: CLI_APP, idtyp: 'user' }, 'alice@example.com'],
    ['a guest user without upn', { unique_name: 'live.com#bob@example.org', appid: CLI_APP }, 'live.com#bob@example.org'],
    ['a v2 user token', { preferred_username: 'carol@example.com', azp: CLI_APP }, 'carol@example.com'],
    ['a service principal (idtyp app)', { appid: '5f0e2a4c-0000-4000-8000-000000000001', idtyp: 'app' }, '5f0e2a4c-0000-4000-8000-000000000001'],
    ['a service principal without the optional idtyp claim', { appid: '5f0e2a4c-0000-4000-8000-000000000002', oid: 'x' }, '5f0e2a4c-0000-4000-8000-000000000002'],
    ['an app token even if it carried a user claim', { appid: 'app-3', idtyp: 'app', unique_name: 'ignored' }, 'app-3'],
  ])('%s', (_label, claims, expected) => {
    expect(requesterFromToken(jwt(claims))).toBe(expected);
  });

  it('refuses a token that names nobody, without echoing the token', () => {
    const token = jwt({ oid: 'x' });
    expect(() => requesterFromToken(token)).toThrow(expect.objectContaining({ code: 'JIT_AZURE_IDENTITY_UNKNOWN', exitCode: 4 }));
    let refusal: unknown;
    try {
      requesterFromToken('not-a-jwt-secret');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'JIT_AZURE_IDENTITY_UNKNOWN' });
    expect(JSON.stringify({ ...(refusal as object), message: (refusal as Error).message })).not.toContain('not-a-jwt-secret');
  });
});

describe('SharedTokenCredential', () => {
  function counting(results: (() => Promise<AccessToken | null>)[]): TokenCredential & { calls: number } {
    const credential = {
      calls: 0,
      getToken: () => {
        const next = results[credential.calls] ?? results.at(-1)!;
        credential.calls += 1;
        return next();
      },
    };
    return credential;
  }
  const token = (expiresInMs: number): AccessToken => ({ token: 't', expiresOnTimestamp: Date.now() + expiresInMs });

  it('asks the inner credential once for concurrent and later callers of one scope', async () => {
    const inner = counting([async () => token(3_600_000)]);
    const shared = new SharedTokenCredential(inner);
    await Promise.all([shared.getToken('s/.default'), shared.getToken(['s/.default']), shared.getToken('s/.default')]);
    await shared.getToken('s/.default');
    expect(inner.calls).toBe(1);
    await shared.getToken('other/.default');
    expect(inner.calls).toBe(2);
  });

  it('asks again when the token is about to expire, and after a failure', async () => {
    const inner = counting([async () => token(60_000), async () => Promise.reject(new Error('az failed')), async () => token(3_600_000)]);
    const shared = new SharedTokenCredential(inner);
    await shared.getToken('s');
    await expect(shared.getToken('s')).rejects.toThrow('az failed');
    await shared.getToken('s');
    expect(inner.calls).toBe(3);
  });

  it('passes claims challenges through uncached', async () => {
    const inner = counting([async () => token(3_600_000)]);
    const shared = new SharedTokenCredential(inner);
    await shared.getToken('s');
    await shared.getToken('s', { claims: '{"access_token":{}}' });
    expect(inner.calls).toBe(2);
  });
});
