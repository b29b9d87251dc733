/** `jit scan`: VMs whose management ports are open to the internet (Defender's recommendation logic). */
import type { ScanFinding } from '../ports.js';
import type { UseCaseDeps } from './deps.js';

export async function scan({ provider, progress }: Pick<UseCaseDeps, 'provider' | 'progress'>): Promise<ScanFinding[]> {
  progress.step('Scanning VMs and their rules…');
  return provider.scan();
}
