// JWT-shaped access tokens. ARM verifies the signature; the emulator does not, it only reads the claims
// to name the caller (like ARM's audit log) and to reject expired tokens. The fake `az` mints the same
// shape (bin/az); tests that don't want a subprocess can use `mintToken` + `staticTokenCredential`.
import { randomUUID } from 'node:crypto';
import type { AccessToken, TokenCredential } from '@azure/identity';

export const DEFAULT_SUBSCRIPTION_ID = '11111111-1111-4111-8111-111111111111';
export const DEFAULT_TENANT_ID = '22222222-2222-4222-8222-222222222222';
/**
 * Azure CLI's public client id: real user tokens from `az` carry it as `appid` (so `appid` alone does
 * not mean "service principal").
 */
const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

export interface TokenClaims {
  aud?: string;
  iss?: string;
  iat?: number;
  nbf?: number;
  exp?: number;
  tid?: string;
  oid?: string;
  sub?: string;
  upn?: string;
  unique_name?: string;
  name?: string;
  appid?: string;
  idtyp?: 'user' | 'app';
  scp?: string;
  ver?: string;
  [claim: string]: unknown;
}

export interface MintOptions {
  /** A user principal name: a user token (idtyp user, appid = Azure CLI). */
  upn?: string;
  /** An application id: a service principal token (idtyp app, no upn). Wins over `upn`. */
  appId?: string;
  tenantId?: string;
  audience?: string;
  /** Seconds from now; negative for an already expired token. Default 3600. */
  expiresInSeconds?: number;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function mintToken(options: MintOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const tid = options.tenantId ?? DEFAULT_TENANT_ID;
  const common: TokenClaims = {
    aud: options.audience ?? 'https://management.azure.com',
    iss: `https://sts.windows.net/${tid}/`,
    iat: now,
    nbf: now,
    exp: now + (options.expiresInSeconds ?? 3600),
    tid,
    oid: randomUUID(),
    ver: '1.0',
  };
  const claims: TokenClaims = options.appId
    ? { ...common, appid: options.appId, idtyp: 'app', sub: common.oid }
    : {
        ...common,
        upn: options.upn ?? 'alice@example.com',
        unique_name: options.upn ?? 'alice@example.com',
        name: options.upn ?? 'alice@example.com',
        appid: AZURE_CLI_CLIENT_ID,
        idtyp: 'user',
        scp: 'user_impersonation',
        sub: common.oid,
      };
  // An unsecured JWT (RFC 7519 §6.1): alg "none" and an empty signature.
  return `${b64url({ typ: 'JWT', alg: 'none' })}.${b64url(claims)}.`;
}

/** The claims of a JWT-shaped token, or undefined when it is not one. */
export function readToken(token: string): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims)
      ? (claims as TokenClaims)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Who ARM would say made the call: the UPN for a user, the application id for a service principal. */
export function callerOf(claims: TokenClaims | undefined): string | undefined {
  if (!claims) return undefined;
  if (claims.idtyp === 'app') return claims.appid;
  return claims.upn ?? claims.unique_name ?? claims.appid;
}

/** A TokenCredential that always answers with `token` (for in-process tests that skip the fake `az`). */
export function staticTokenCredential(token: string = mintToken()): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      const exp = readToken(token)?.exp;
      return {
        token,
        expiresOnTimestamp: typeof exp === 'number' ? exp * 1000 : Date.now() + 3600_000,
        tokenType: 'Bearer',
      };
    },
  };
}
