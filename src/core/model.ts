/**
 * The domain's data types. Parsers and codecs live beside this file (duration.ts, port-spec.ts,
 * prefix.ts, policy.ts, grant-id.ts); this file only says what the things are.
 */
import type { Prefix } from './prefix.js';

export type CloudName = 'azure' | 'aws';
export const CLOUDS: readonly CloudName[] = ['azure', 'aws'];

/** `*` means any protocol (Azure `*`, AWS `-1`). */
export type Protocol = 'tcp' | 'udp' | '*';
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', '*'];

/** An inclusive port range with its protocol; a single port has from === to. */
export interface PortRange {
  from: number;
  to: number;
  protocol: Protocol;
}

/** The management ports `jit scan` looks at, all TCP: the ones Defender's recommendation names. */
export const MANAGEMENT_PORTS: readonly number[] = [22, 3389, 5985, 5986];

/** Seconds. Durations are whole seconds everywhere; the cloud metadata has no finer grain. */
export type Seconds = number;

export interface Policy {
  /** Format version of the encoding (policy.ts); the in-memory model is always the latest. */
  version: 1;
  ports: PortRange[];
  maxDuration: Seconds;
  /** Prefixes a request's source must lie in; empty means any public address (docs/cli.md, "Policy"). */
  allowSources: Prefix[];
  requireJustification: boolean;
}

/** A VM as the user names it, before a provider resolves it. */
export interface TargetRef {
  cloud: CloudName;
  /** What the user typed: a name, an Azure resource ID or an EC2 instance ID. */
  ref: string;
}
