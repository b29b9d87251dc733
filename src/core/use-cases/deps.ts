import type { Clock, CloudProvider, GrantStore, IpDetector, Progress } from '../ports.js';

/** What the use cases are given by the composition root (src/cli); tests give fakes of the same shape. */
export interface UseCaseDeps {
  provider: CloudProvider;
  ledger: GrantStore;
  clock: Clock;
  progress: Progress;
}

export interface RequestDeps extends UseCaseDeps {
  ip: IpDetector;
  newGrantId: () => string;
}
