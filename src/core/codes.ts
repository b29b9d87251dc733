/**
 * Every code jit reports, in one place: the errors (each with the exit code its error class
 * gives), the warnings and the notes. The README's table of codes is checked against this object
 * by test/unit/core/codes.test.ts, and `JitError`, `Output.warn` and `Output.note` accept only
 * codes registered here, so an unregistered code does not compile. docs/cli.md explains the exit
 * codes, docs/json.md where codes appear in --json output.
 */

export type ExitCode = 0 | 1 | 2 | 3 | 4 | 130;

type Entry =
  | { level: 'error'; exit: Exclude<ExitCode, 0>; meaning: string }
  | { level: 'warning' | 'note'; meaning: string };

const error = <E extends Exclude<ExitCode, 0>>(exit: E, meaning: string) => ({ level: 'error' as const, exit, meaning });
const warning = (meaning: string) => ({ level: 'warning' as const, meaning });
const note = (meaning: string) => ({ level: 'note' as const, meaning });

export const CODES = {
  // ---- usage and input (exit 2): checked before any cloud call -------------------------------
  JIT_USAGE: error(2, 'A command, flag or argument commander or jit cannot accept, or flags that cannot be combined.'),
  JIT_MISSING_TARGET: error(2, 'No <vm> (or grant id) was given and no prompt is possible.'),
  JIT_INVALID_TARGET: error(2, 'The <vm> is neither a name, an Azure VM resource ID nor an EC2 instance ID.'),
  JIT_TARGET_AMBIGUOUS: error(2, 'Several VMs carry that name; `details.candidates` lists them.'),
  JIT_INVALID_CLOUD: error(2, 'A cloud other than `azure` or `aws` was named.'),
  JIT_CLOUD_UNKNOWN: error(2, 'The command needs a cloud and none could be inferred from the target, `--cloud` or config.'),
  JIT_INVALID_PORT: error(2, 'A port list that is not numbers or ranges from 1 to 65535 (or more than one port for `jit ssh`).'),
  JIT_INVALID_PROTOCOL: error(2, 'A protocol other than `tcp`, `udp` or `*`.'),
  JIT_INVALID_DURATION: error(2, 'A duration that cannot be parsed or is outside 1s to 24h.'),
  JIT_INVALID_PREFIX: error(2, 'A source that is not an IP address or a canonical CIDR prefix.'),
  JIT_INVALID_JUSTIFICATION: error(2, 'A justification that is not one line of printable characters within the length limit.'),
  JIT_INVALID_USER: error(2, 'A `--user` that is not a login name.'),
  JIT_INVALID_GRANT_ID: error(2, 'A grant id that is not 8 characters of lower-case Crockford base32.'),
  JIT_INVALID_SHELL: error(2, 'A completion shell other than bash, zsh or fish.'),
  JIT_INVALID_IP_SERVICE: error(2, 'An IP service list (`JIT_IP_URLS`, `ip.services`) with a URL that is not https (or http on loopback), or no URL.'),
  JIT_INVALID_CONFIG: error(2, 'A config value, environment variable or endpoint URL that is not of the accepted form.'),
  JIT_UNKNOWN_CONFIG_KEY: error(2, 'A `jit config` key that is not a jit setting.'),
  JIT_CONFIG_CORRUPT: error(2, 'The config file is not valid JSON, or not an object of settings; it is left as it is.'),
  JIT_CONFIG_DIR_UNSAFE: error(2, 'The config directory belongs to another user or others can write to it.'),
  JIT_STATE_FILE_UNSAFE: error(2, 'A state file (`scheduler.log`) is a symbolic link or not a regular file.'),
  JIT_POLICY_TOO_LARGE: error(2, 'The policy asked for does not fit in the 256 characters of a VM tag.'),
  JIT_CONFIRMATION_REQUIRED: error(2, 'A change that needs confirmation was asked for without `--yes` and without a terminal.'),
  JIT_GRANT_NOT_FOUND: error(2, 'No active grant with that id in scope.'),
  JIT_AWS_NO_REGION: error(2, 'No AWS region is set by flag, environment, config or profile.'),
  JIT_AWS_GROUP_SHARED: error(2, 'The lock-down would edit a security group shared with other instances or interfaces; `--isolate` copies it.'),
  JIT_AZURE_NO_SUBSCRIPTION: error(2, 'No Azure subscription is configured and the Azure CLI names none.'),

  // ---- refused by the VM's policy (exit 3) --------------------------------------------------
  JIT_NOT_ENABLED: error(3, 'The VM has no jit policy (or, on AWS, no jit group): an admin runs `jit enable` first.'),
  JIT_POLICY_PORT_NOT_ALLOWED: error(3, 'A requested port is not in the policy.'),
  JIT_POLICY_DURATION_TOO_LONG: error(3, 'The requested duration is longer than the policy allows.'),
  JIT_POLICY_SOURCE_NOT_ALLOWED: error(3, 'The source is not inside any prefix the policy allows.'),
  JIT_POLICY_JUSTIFICATION_REQUIRED: error(3, 'The policy requires `--justification` and none was given.'),

  // ---- authentication and permission (exit 4) ------------------------------------------------
  JIT_AZURE_NOT_SIGNED_IN: error(4, 'No Azure credential in the chain produced a token.'),
  JIT_AZURE_CLI_MISSING: error(4, 'No subscription is configured and the Azure CLI, which would name one and sign in, is not installed.'),
  JIT_AZURE_AUTH_FAILED: error(4, 'Azure did not accept the credential (401).'),
  JIT_AZURE_FORBIDDEN: error(4, 'The Azure identity lacks a permission; the message names the action.'),
  JIT_AZURE_IDENTITY_UNKNOWN: error(4, 'The Azure token names no user or application, so a grant could not record who asked.'),
  JIT_AWS_NO_CREDENTIALS: error(4, 'The AWS SDK found no credentials.'),
  JIT_AWS_AUTH_FAILED: error(4, 'AWS did not accept the credentials.'),
  JIT_AWS_CREDENTIALS_EXPIRED: error(4, 'The AWS credentials have expired.'),
  JIT_AWS_UNAUTHORIZED: error(4, 'The AWS identity is not allowed to make a call jit needs.'),

  // ---- cancelled at a terminal (exit 130, as an interrupt) -----------------------------------
  JIT_CANCELLED: error(130, 'The user answered no to a confirmation; nothing was changed.'),
  JIT_PROMPT_INTERRUPTED: error(130, 'Ctrl-C at a prompt; nothing was changed and nothing is printed.'),

  // ---- cloud or operation failure (exit 1) ---------------------------------------------------
  JIT_UNEXPECTED: error(1, 'A failure jit did not anticipate; `--verbose` prints the stack trace.'),
  JIT_COMMAND_FAILED: error(1, 'The command after `--` (or ssh) could not be started.'),
  JIT_REVOKE_FAILED: error(1, 'A grant could not be closed; the message names it.'),
  JIT_DISABLE_FAILED: error(1, 'A grant could not be closed while disabling; nothing else was changed.'),
  JIT_PROVIDER_UNAVAILABLE: error(1, 'The cloud provider is not built into this version of jit.'),
  JIT_TARGET_NOT_FOUND: error(1, 'No VM or instance of that name or id in the scope searched.'),
  JIT_TARGET_TERMINATED: error(1, 'The EC2 instance is terminated (or shutting down).'),
  JIT_NO_PUBLIC_ADDRESS: error(1, '`jit ssh` found no public IP address on the VM; nothing was opened.'),
  JIT_IP_NOT_DETECTED: error(1, 'No IP service gave a public address; `details.answers` says what each one answered.'),
  JIT_POLICY_CORRUPT: error(1, 'The VM\'s `jit-access` tag is not a jit policy (or is over 256 characters).'),
  JIT_POLICY_VERSION_UNSUPPORTED: error(1, 'The VM\'s policy tag is of a newer format than this jit reads.'),
  JIT_LEDGER_BUSY: error(1, 'Another jit process kept the grant ledger locked for too long.'),
  JIT_LEDGER_LOCK_LOST: error(1, 'jit stalled past its lock on the grant ledger; nothing was written.'),
  JIT_LEDGER_CORRUPT: error(1, 'The grant ledger is not a valid ledger; it is left untouched.'),
  JIT_LEDGER_VERSION_UNSUPPORTED: error(1, 'The grant ledger is of a newer format than this jit reads.'),
  JIT_AZURE_NO_NSG: error(1, 'The VM has no network security group on its NIC or subnet; nothing was written.'),
  JIT_AZURE_FIREWALL_EXPOSED: error(1, 'A DNAT rule of the Azure Firewall in front of the VM opens a policy port to the internet; jit never edits it, so enable refuses.'),
  JIT_AZURE_FIREWALL_PORT_RANGE: error(1, 'A port range cannot be granted through an Azure Firewall: a DNAT rule translates one port.'),
  JIT_AZURE_FIREWALL_NO_PORT: error(1, 'Every port of the firewall\'s public address is taken by a DNAT rule.'),
  JIT_AZURE_FIREWALL_NO_PRIORITY: error(1, 'The firewall has no free priority for jit\'s own rule collection (or rule collection group).'),
  JIT_AZURE_FIREWALL_UNUSABLE: error(1, 'The VM is behind an Azure Firewall that a grant cannot go through (no IPv4 address on the VM or the firewall, or an IPv6 source).'),
  JIT_AZURE_NO_PRIORITY_SLOT: error(1, 'No free priority between the narrow and broad rules of an NSG; the message names the rules in the way.'),
  JIT_AZURE_NO_ADDRESS_FAMILY: error(1, 'The VM has no private address of the source\'s family (IPv4 / IPv6).'),
  JIT_AZURE_SCOPE_LOCKED: error(1, 'A `CanNotDelete` or `ReadOnly` management lock covers an NSG; the message names it.'),
  JIT_AZURE_CONFLICT: error(1, 'Concurrent writers kept changing the same NSG after jit\'s bounded retries.'),
  JIT_AZURE_THROTTLED: error(1, 'Azure Resource Manager kept throttling after the retries.'),
  JIT_AZURE_UNREACHABLE: error(1, 'Azure Resource Manager could not be reached.'),
  JIT_AZURE_UNAVAILABLE: error(1, 'Azure answered with a server error (5xx) after the SDK\'s retries.'),
  JIT_AZURE_NOT_FOUND: error(1, 'An Azure resource jit was working on is gone (404).'),
  JIT_AZURE_SUBSCRIPTION_NOT_FOUND: error(1, 'Azure does not know the subscription, or the identity cannot see it.'),
  JIT_AZURE_UNEXPECTED: error(1, 'Azure returned a resource without a usable resource ID.'),
  JIT_AZURE_ROLLBACK_INCOMPLETE: error(1, 'A failed write could not be fully undone; the message names the rules left.'),
  JIT_AZURE_ERROR: error(1, 'Azure refused a request for another reason; the message carries Azure\'s own.'),
  JIT_AWS_MULTIPLE_INTERFACES: error(1, 'The instance has several network interfaces; jit manages single-interface instances only.'),
  JIT_AWS_NO_VPC: error(1, 'The instance is not in a VPC.'),
  JIT_AWS_LAST_GROUP: error(1, 'Disable would leave the instance with no security group.'),
  JIT_AWS_GROUP_IN_USE: error(1, 'A security group jit would delete is still attached or referenced elsewhere.'),
  JIT_AWS_GROUP_LEFT_BEHIND: error(1, 'A security group could not be deleted; the message gives the command that removes it.'),
  JIT_AWS_GROUP_NOT_FOUND: error(1, 'A security group is unknown to EC2 (deleted, or still invisible after creation).'),
  JIT_AWS_GROUP_NAME_TAKEN: error(1, 'A security group of jit\'s name already exists.'),
  JIT_AWS_GROUP_LIMIT: error(1, 'EC2\'s security-groups-per-interface quota refused the jit group.'),
  JIT_AWS_RULE_LIMIT: error(1, 'EC2\'s rules-per-security-group quota refused a rule.'),
  JIT_AWS_RULE_DUPLICATE: error(1, 'EC2 already has that rule, in a grant jit cannot extend.'),
  JIT_AWS_RULE_NOT_FOUND: error(1, 'EC2 has no such security-group rule.'),
  JIT_AWS_TAG_LIMIT: error(1, 'A resource already has the 50 tags EC2 allows.'),
  JIT_AWS_TOO_MANY_RECORDS: error(1, 'Recording the rules to revoke would need more tags than EC2 allows on the jit group.'),
  JIT_AWS_RECORD_CORRUPT: error(1, 'A record tag on the jit group is not a jit record (edited by hand).'),
  JIT_AWS_RECORD_VERSION_UNSUPPORTED: error(1, 'The jit group\'s records are of a newer format than this jit reads.'),
  JIT_AWS_REGION_MISMATCH: error(1, 'A grant lives in another region than the command works on.'),
  JIT_AWS_ROLLBACK_INCOMPLETE: error(1, 'A failed change could not be fully undone; the message names what is left.'),
  JIT_AWS_THROTTLED: error(1, 'EC2 kept throttling after the retries.'),
  JIT_AWS_UNREACHABLE: error(1, 'AWS could not be reached.'),
  JIT_AWS_ERROR: error(1, 'AWS refused a request for another reason; the message carries AWS\'s own.'),

  // ---- warnings: on stderr, and in `warnings` of the --json document ------------------------
  JIT_WARNING: warning('A warning not yet given a code of its own.'),
  JIT_IP_SINGLE_SERVICE: warning('Only one IP service answered for an address family.'),
  JIT_IP_SERVICES_DISAGREE: warning('IP services answered with different addresses; the most agreed one is used.'),
  JIT_DURATION_CAPPED: warning('No `--duration` was given and the configured default is longer than the policy allows: the policy\'s maximum is asked for.'),
  JIT_TARGET_NOT_RUNNING: warning('The VM is not running: access is granted, but it cannot answer until it runs.'),
  JIT_GRANT_UNTRUSTED: warning('Rules that look like a grant carry metadata jit does not trust; they are replaced, not extended.'),
  JIT_AWS_PARTITION_ASSUMED: warning('No AWS region is set, so `jit role` writes ARNs in the `aws` partition.'),
  JIT_REAP_FAILED: warning('An overdue grant of yours could not be revoked before the command; a scheduler keeps trying.'),
  JIT_REAP_UNFINISHED: warning('Revoking an overdue grant took longer than the reaper\'s budget; a scheduler finishes it.'),
  JIT_REAP_UNCHECKED: warning('The ledger could not be checked for overdue grants before the command.'),
  JIT_INTERRUPT_HELD: warning('Ctrl-C arrived while the grant was being recorded: jit finishes that first (a second Ctrl-C exits at once).'),
  JIT_INTERRUPTED_AFTER_WRITE: warning('The command was interrupted after the grant was written: it stays open until its expiry, when the scheduler closes it.'),
  JIT_AZURE_ROLLED_BACK: warning('A write failed part-way; the rules already written were removed again.'),
  JIT_SCAN_FINDINGS: warning('`jit scan --fail-on-findings` found management ports open to the internet: the exit code is 1.'),
  JIT_ROLE_SUBSCRIPTION_UNKNOWN: warning('No Azure subscription is set, so `jit role` writes a `<subscription-id>` placeholder in AssignableScopes.'),

  // ---- notes: on stderr, and in `notes` of the --json document -------------------------------
  JIT_NOTE: note('A note not yet given a code of its own.'),
  JIT_GRANT_REAPED: note('An overdue grant of yours was revoked before the command ran.'),
  JIT_CI_SCHEDULER_ENDS: note('In CI the background scheduler ends with the job: a grant that outlives it is removed by a `jit sweep` run elsewhere.'),
  JIT_PLAN_NOTE: note('A remark of the cloud\'s change report: a rule left as it is, already gone or not restorable.'),
} as const satisfies Record<string, Entry>;

export type JitCode = keyof typeof CODES;
type CodesWhere<Shape> = { [K in JitCode]: (typeof CODES)[K] extends Shape ? K : never }[JitCode];
export type ErrorCode = CodesWhere<{ level: 'error' }>;
/** The error codes whose exit code is `E`: an error class accepts only these. */
export type ErrorCodeFor<E extends ExitCode> = CodesWhere<{ level: 'error'; exit: E }>;
export type WarningCode = CodesWhere<{ level: 'warning' }>;
export type NoteCode = CodesWhere<{ level: 'note' }>;

/** A warning or note as it reaches --json: `{code, message}`. */
export interface Notice<C extends WarningCode | NoteCode = WarningCode | NoteCode> {
  code: C;
  message: string;
}
