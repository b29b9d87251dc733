/**
 * jit's real entry (main with the process's own streams, so @inquirer drives a real terminal) on
 * MemoryProvider, for the pseudo-terminal test: two enabled VMs, one whose policy requires a
 * justification. Run under tsx inside tmux; prints the rules the cloud holds when jit ends.
 */
import { main } from '../../../src/cli/main.js';
import { processIo } from '../../../src/cli/io.js';
import { buildPolicy } from '../../../src/core/policy.js';
import { MemoryProvider } from '../../support/memory-provider.js';

const provider = new MemoryProvider();
const SSH = { from: 22, to: 22, protocol: 'tcp' as const };
provider.addVm('vm01', buildPolicy({ ports: [SSH] }));
provider.addVm('vpn', buildPolicy({ ports: [SSH], requireJustification: true }));

const code = await main(process.argv.slice(2), processIo(), {
  loadProvider: async () => provider,
  clock: { now: () => new Date('2030-01-01T12:00:00Z') },
  scheduler: { ensure: async () => {} },
  ipDetector: { detect: async () => ({ v4: { family: 4, address: '81.2.69.77', agreement: 'agreed', services: ['a', 'b'] }, answers: [] }) },
});
process.stdout.write(`\nexit ${code}; rules: ${provider.rules.map((r) => `${r.target} ${r.source}`).join(', ') || 'none'}\n`);
