/**
 * The interfaces the core needs from the outside world. The core never reads the clock, the
 * environment or the disk itself; the composition root (src/cli) hands these in, and tests hand
 * in fakes.
 */
import type { CloudName, PortRange } from './model.js';

export interface Clock {
  now(): Date;
}

/** Progress for humans (a spinner on a TTY, nothing in --json); never results. */
export interface Progress {
  step(message: string): void;
  warn(message: string): void;
}

// ---- public IP detection (src/ip) -------------------------------------------------------------

export interface ServiceAnswer {
  /** The service URL as configured. */
  url: string;
  /** The address family the request was made over. */
  family: 4 | 6;
  /** The address the service reported, canonical form; absent when it failed. */
  address?: string;
  /** Why this answer was not usable (timeout, HTTP status, garbage, non-public address …). */
  error?: string;
  /** Wall time of this request in milliseconds. */
  ms: number;
}

export interface DetectedAddress {
  family: 4 | 6;
  address: string;
  /**
   * agreed: at least two services returned this address; single: only one service answered;
   * disagreed: services answered with different addresses and this one had the most votes
   * (ties go to the first service in the configured order).
   */
  agreement: 'agreed' | 'single' | 'disagreed';
  /** URLs of the services that returned this address. */
  services: string[];
}

export interface IpDetection {
  v4?: DetectedAddress;
  v6?: DetectedAddress;
  answers: ServiceAnswer[];
}

export interface IpDetector {
  detect(options?: { signal?: AbortSignal }): Promise<IpDetection>;
}

// ---- the local grant ledger (src/scheduler) ---------------------------------------------------

/**
 * pending: written before the cloud write (SPEC §6.1) · active: the cloud rules exist ·
 * failed: the cloud write failed (kept for the record, nothing to revoke) · revoked: removed.
 */
export type GrantState = 'pending' | 'active' | 'failed' | 'revoked';

export interface GrantRecord {
  id: string;
  cloud: CloudName;
  /** The target as resolved by the provider: its canonical id (resource ID / instance ID) and name. */
  target: { id: string; name: string };
  /** Scope the provider needs to reach the target again (subscription, region, profile …). */
  scope: Record<string, string>;
  ports: PortRange[];
  /** Source prefix in CIDR form. */
  source: string;
  requester: string;
  justification?: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  expiresAt: string;
  state: GrantState;
  /** Provider-specific references to every cloud rule the grant created (opaque to the core). */
  rules: unknown[];
  /** Last error met while writing or revoking, for `jit status` (never a secret). */
  lastError?: string;
}

export interface GrantStore {
  list(): Promise<GrantRecord[]>;
  get(id: string): Promise<GrantRecord | undefined>;
  /**
   * Atomic read-modify-write of the whole ledger under a cross-process lock: `fn` gets the current
   * grants and returns the new list and a result. No other jit process writes in between.
   */
  transact<T>(fn: (grants: GrantRecord[]) => { grants: GrantRecord[]; result: T }): Promise<T>;
}

// ---- cloud providers (src/clouds) -------------------------------------------------------------

/**
 * A cloud adapter. The operations (enable, request, revoke, disable, status, sweep, scan, role)
 * are added with the providers that implement them; another cloud must fit without core changes.
 */
export interface CloudProvider {
  readonly cloud: CloudName;
}
