/**
 * Who is asking (docs/azure.md, "Auth and endpoints": the requester is the cloud identity behind
 * the credential) and one token for the whole process.
 *
 * Each SDK client's bearer-token policy caches its own token, so the network client, the compute
 * client and `whoami` would each ask the credential, and with the Azure CLI credential each ask is an
 * `az account get-access-token` subprocess (@azure/identity `azureCliCredential.js`). SharedToken-
 * Credential hands all of them the same token, refreshed shortly before it expires.
 *
 * The token is read, never printed or logged: only the identity claims leave this file.
 */
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { AuthError } from '../../core/errors.js';

/** Refresh this long before expiry, so a request started just before it never carries a dead token. */
const REFRESH_MARGIN_MS = 5 * 60_000;

interface CachedToken {
  token: Promise<AccessToken | null>;
  /** Unknown while the first request is in flight: callers then share that request. */
  expiresOnTimestamp?: number;
}

export class SharedTokenCredential implements TokenCredential {
  private readonly cache = new Map<string, CachedToken>();

  constructor(private readonly inner: TokenCredential) {}

  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
    // A claims challenge (continuous access evaluation) or another tenant needs a token of its own.
    if (options?.claims !== undefined || options?.tenantId !== undefined) return this.inner.getToken(scopes, options);
    const key = [scopes].flat().join(' ');
    const cached = this.cache.get(key);
    const expires = cached?.expiresOnTimestamp;
    const fresh = expires === undefined || expires - Date.now() > REFRESH_MARGIN_MS;
    if (cached && fresh) return cached.token;
    const entry: CachedToken = { token: this.inner.getToken(scopes, options) };
    this.cache.set(key, entry);
    entry.token.then(
      (token) => {
        entry.expiresOnTimestamp = token?.expiresOnTimestamp ?? 0;
      },
      () => {
        // A failed sign-in is not remembered: the next call asks again.
        if (this.cache.get(key) === entry) this.cache.delete(key);
      },
    );
    return entry.token;
  }
}

interface IdentityClaims {
  idtyp?: unknown;
  upn?: unknown;
  unique_name?: unknown;
  preferred_username?: unknown;
  appid?: unknown;
  azp?: unknown;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/**
 * The identity an ARM access token names. Tokens from `az` carry `appid` (the Azure CLI's client id)
 * for users too, so `appid` only names the caller when the token is an application's: `idtyp: app`
 * (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference), or, where
 * that optional claim is absent, when no user claim is present. v2 tokens name the app in `azp`.
 */
export function requesterFromToken(token: string): string {
  const payload = token.split('.')[1];
  let claims: IdentityClaims | undefined;
  try {
    claims = payload ? (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as IdentityClaims) : undefined;
  } catch {
    claims = undefined;
  }
  const app = text(claims?.appid) ?? text(claims?.azp);
  const user = text(claims?.upn) ?? text(claims?.unique_name) ?? text(claims?.preferred_username);
  const requester = text(claims?.idtyp) === 'app' ? app : (user ?? app);
  if (requester === undefined) {
    throw new AuthError('JIT_AZURE_IDENTITY_UNKNOWN', 'The Azure access token names no user or application, so the grant could not say who asked.', {
      hint: 'Sign in as a user (`az login`) or a service principal; managed identities and workload identities work too.',
    });
  }
  return requester;
}
