/**
 * The interfaces the core needs from the outside world. The core never reads the clock, the
 * environment or the disk itself; the composition root (src/cli) hands these in, and tests hand
 * in fakes.
 */
import type { WarningCode } from './codes.js';
import type { CloudName, Policy, PortRange } from './model.js';

export interface Clock {
  now(): Date;
}

/** Progress for humans (a spinner on a TTY, nothing in --json); never results. */
export interface Progress {
  step(message: string): void;
  /** A warning for the user; `code` (registered in core/codes.ts) is what --json reports with it. */
  warn(message: string, code?: WarningCode): void;
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
 * pending: written before the cloud write · active: the cloud rules exist · failed: the cloud write
 * failed or its outcome is unknown (a lost reply, a rollback that could not finish): rules may
 * exist, and they are closed by grant id at once · revoked: removed. See docs/expiry.md.
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
  /** Where to connect when the grant goes through a NAT (an Azure Firewall DNAT rule), not the VM's own address. */
  endpoints?: GrantEndpoint[];
}

/** A NAT in front of the VM: connect to `address`:`port`, which reaches the VM's `targetPort`. */
export interface GrantEndpoint {
  address: string;
  port: number;
  targetAddress: string;
  targetPort: number;
  protocol: PortRange['protocol'];
  /** What translates (the Azure Firewall's name). */
  via: string;
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

/** Makes sure one detached expiry scheduler runs for this user's ledger. */
export interface SchedulerHandle {
  ensure(): Promise<void>;
}

/**
 * Runs `work` with interrupts (Ctrl-C, SIGTERM, SIGHUP) held back until it settles, so a grant is
 * never left half-written by an impatient key press.
 */
export type Shield = <T>(work: () => Promise<T>) => Promise<T>;

// ---- cloud providers (src/clouds) -------------------------------------------------------------

/** A VM as its provider resolved it. */
export interface TargetInfo {
  cloud: CloudName;
  /** Canonical id: the ARM resource ID, or the EC2 instance ID. */
  id: string;
  /** Display name: the VM name, or the instance's Name tag (else its id). */
  name: string;
  /** What the provider needs to reach the target again (subscription + resource group, region …). */
  scope: Record<string, string>;
  privateAddresses: string[];
  /** Public addresses, for `jit ssh`; empty when the VM has none. */
  publicAddresses: string[];
  /** Public addresses of a NAT in front of the VM (an Azure Firewall): grants open a port there. */
  natAddresses?: string[];
  /** Raw value of the `jit-access` tag; decoding (and its errors) is the core's business. */
  policyTag: string | undefined;
  /** Power/run state as the cloud words it (`running`, `VM deallocated` …), when known. */
  state?: string;
  /** The login the cloud says the VM was created with (Azure `osProfile.adminUsername`), when it says. */
  adminUser?: string;
}

/** A VM that carries a jit policy tag, as one listing call shows it (`jit list`): no network reads. */
export interface EnabledVm {
  cloud: CloudName;
  id: string;
  name: string;
  /** Where it lives: subscription and resource group (Azure), region (AWS). */
  scope: Record<string, string>;
  /** Raw value of the `jit-access` tag; decoding (and its errors) is the core's business. */
  policyTag: string;
  /** Power/run state as the cloud words it, when the listing carries it. */
  state?: string;
}

/**
 * One change a command makes (or, with --dry-run, would make) in the cloud, exact enough for an
 * operator to review: where, what, and the rule as written.
 */
export interface RuleChange {
  op:
    | 'add-rule'
    | 'update-rule'
    | 'remove-rule'
    | 'restore-rule'
    | 'set-tag'
    | 'remove-tag'
    | 'create-group'
    | 'attach-group'
    | 'detach-group'
    | 'delete-group';
  /** The NSG / security group / VM the change is made on. */
  on: string;
  /** One human line, e.g. "jit-deny-vm01-1a2b3c prio 3000 Deny Tcp 22 from * to 10.0.0.4". */
  summary: string;
  /** The rule or tag as written, in the cloud's own field names. */
  detail?: Record<string, unknown>;
}

export interface ChangeReport {
  changes: RuleChange[];
  /** False for --dry-run (nothing was written). */
  applied: boolean;
  /** Notes for the user that are not errors (e.g. "narrow rule X keeps working"). */
  notes: string[];
}

export interface EnableOptions {
  dryRun: boolean;
  /** AWS: also revoke narrow (non-internet) rules on the policy ports. */
  includeNarrow: boolean;
  /** AWS: give the instance its own copy of a group shared with other instances. */
  isolate: boolean;
}

/** What a grant opens: the core has checked it against the policy before a provider sees it. */
export interface GrantSpec {
  id: string;
  ports: PortRange[];
  /** CIDR, /32 or /128 for a detected address. */
  source: string;
  requester: string;
  justification?: string;
  /** ISO 8601 UTC. */
  expiresAt: string;
}

/** A grant as the cloud's own metadata describes it (rule names, descriptions, tags): what sweep sees. */
export interface CloudGrant {
  grantId: string;
  target: { id: string; name: string };
  scope: Record<string, string>;
  source: string;
  ports: PortRange[];
  expiresAt: string;
  requester: string;
  /** Provider-specific references to each cloud rule of the grant. */
  rules: unknown[];
  /** Where to connect, when the grant goes through a NAT (GrantRecord.endpoints). */
  endpoints?: GrantEndpoint[];
}

export interface CloseGrantsOptions {
  dryRun: boolean;
  /** Called after each write with the rules removed so far and the rules to remove in all. */
  progress?: (removed: number, total: number) => void;
}

export type CloseOutcome = { grant: CloudGrant; report: ChangeReport } | { grant: CloudGrant; error: unknown };

/** How a policy port fares against the internet (docs/azure.md, "Effectiveness"). */
export interface PortExposure {
  port: PortRange;
  /** locked: the internet is refused except for active grants; exposed: some rule lets it in. */
  verdict: 'locked' | 'exposed' | 'unknown';
  /** The rules that defeat the lock-down (or make the verdict uncertain), named as the cloud names them. */
  rules: string[];
  reason: string;
}

export interface TargetStatus {
  target: TargetInfo;
  /** Per port of the policy passed in (the management ports for a VM without a jit policy). */
  exposure: PortExposure[];
  /** Whether jit's lock-down (deny rules / jit group) is present. */
  lockedDown: boolean;
  /** The NAT in front of the VM (an Azure Firewall), and the live grants' paths through it. */
  firewall?: { name: string; publicAddresses: string[]; paths: (GrantEndpoint & { source: string })[] };
}

export interface ScanFinding {
  target: { id: string; name: string };
  /** Where the VM lives, for a CI report: subscription and resource group (Azure), account and region (AWS). */
  scope: Record<string, string>;
  /** Management ports (22, 3389, 5985, 5986) reachable from any address, with the rules that open them. */
  open: { port: number; rules: string[] }[];
  /** Whether jit already manages the VM (has a policy tag). */
  managed: boolean;
}

export interface RoleDocuments {
  /** Least privilege to request, revoke and see status. */
  requester: unknown;
  /** Adds what enable/disable/sweep need. */
  admin: unknown;
}

/**
 * A cloud adapter. The core calls these after validating input and checking the policy; every
 * method that writes honours `dryRun` by returning the exact changes without making them, and
 * rolls back what it wrote if a later step fails (docs/safety.md, "Rollback").
 */
export interface CloudProvider {
  readonly cloud: CloudName;
  /** The cloud identity behind the credential (UPN, application id, or caller ARN): the requester. */
  whoami(): Promise<string>;
  resolveTarget(ref: string): Promise<TargetInfo>;
  /** Writes the policy tag and locks the policy ports down. Re-running with a new policy updates both. */
  enable(target: TargetInfo, policy: Policy, options: EnableOptions): Promise<ChangeReport>;
  /** Removes the lock-down exactly as enable made it, and the policy tag. Grants are closed first by the core. */
  disable(target: TargetInfo, options: { dryRun: boolean }): Promise<ChangeReport>;
  /** Creates the grant's allow rules, or, if rules of this grant id exist, moves their expiry (extend). */
  openGrant(
    target: TargetInfo,
    grant: GrantSpec,
    options: { dryRun: boolean },
  ): Promise<ChangeReport & { rules: unknown[]; endpoints?: GrantEndpoint[] }>;
  /**
   * Readies what closing these rules will need (SDK code loaded, clients built, the credential
   * signed in), so that a close at expiry is only the cloud calls. The scheduler calls it when it
   * learns of a grant; a failure here is not reported (the close itself reports its own).
   */
  prepare?(rules: unknown[]): Promise<void>;
  /** Removes exactly the grant's rules; rules already gone are not an error. */
  closeGrant(grant: CloudGrant, options: { dryRun: boolean }): Promise<ChangeReport>;
  /**
   * The bulk form of closeGrant, for providers that can close many grants in fewer calls than one
   * closeGrant each (sweep at account scale): same safety rules, one outcome per grant given (its
   * report, or the error that kept it open). `progress` is told the rules removed so far.
   */
  closeGrants?(grants: CloudGrant[], options: CloseGrantsOptions): Promise<CloseOutcome[]>;
  /** Every jit grant the cloud metadata shows: on one target, or in the whole scope (sweep). */
  listGrants(target?: TargetInfo): Promise<CloudGrant[]>;
  /**
   * Policy-port exposure of a target, evaluated as the cloud would. `grantSources`: the sources of
   * the grants the core trusts as exceptions to the lock-down (live, genuine, narrower than the
   * internet); every other rule, jit-named or not, is evaluated as the user's.
   */
  status(target: TargetInfo, policy: Policy | undefined, grantSources: string[]): Promise<TargetStatus>;
  scan(): Promise<ScanFinding[]>;
  /**
   * The scope commands without a resource ID act in, as the provider resolved it (the Azure
   * subscription, from settings or the Azure CLI; the AWS region and profile): what `jit doctor` shows.
   */
  scopeInEffect?(): Promise<Record<string, string>>;
  /**
   * Every VM in scope with a jit policy tag, listed (paged) in one pass: `jit list`, and the VM picker
   * at a terminal (docs/cli.md, "Prompts").
   */
  listEnabled(): Promise<EnabledVm[]>;
  role(): RoleDocuments;
}

/** What a provider is built from: resolved settings (flags > env > config > defaults) and the environment. */
export interface ProviderContext {
  settings: Partial<Record<string, string>>;
  env: Readonly<Record<string, string | undefined>>;
  progress: Progress;
}
