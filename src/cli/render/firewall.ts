/**
 * Rendering of a grant that goes through a NAT in front of the VM (an Azure Firewall,
 * docs/azure-firewall.md): where to connect, and for `jit status` the path client → firewall → VM.
 * Every cloud string goes through `p` (printable), as in report.ts.
 */
import type { ChalkInstance } from 'chalk';
import { printable as p } from '../../core/printable.js';
import type { GrantEndpoint, TargetStatus } from '../../core/ports.js';

/** "connect to 198.51.100.7:50022 (Azure Firewall fw-hub → 10.0.0.4:22)", one line per endpoint. */
export function withEndpoints(c: ChalkInstance, grant: { endpoints?: GrantEndpoint[] }, text: string): string {
  const lines = (grant.endpoints ?? []).map(
    (e) => `  connect to ${c.bold(`${p(e.address)}:${e.port}`)} (Azure Firewall ${p(e.via)} → ${p(e.targetAddress)}:${e.targetPort})`,
  );
  return [text, ...lines].join('\n');
}

/** The firewall line and each live grant's path, for `jit status`. */
export function firewallLines(c: ChalkInstance, firewall: TargetStatus['firewall']): string[] {
  if (!firewall) return [];
  const lines = [`firewall   ${p(firewall.name)} (${firewall.publicAddresses.map((a) => p(a)).join(', ') || c.dim('no public IP')})`];
  for (const path of firewall.paths) {
    lines.push(`  ${p(path.source)} → ${p(path.address)}:${path.port} → ${p(path.targetAddress)}:${path.targetPort}`);
  }
  return lines;
}

/** The address and port `jit ssh` connects to: the grant's endpoint for `port` when it goes through a NAT. */
export function sshEndpoint(
  grant: { endpoints?: GrantEndpoint[] },
  port: number,
): { address: string; port: number } | undefined {
  const endpoint = grant.endpoints?.find((e) => e.targetPort === port);
  return endpoint && { address: endpoint.address, port: endpoint.port };
}
