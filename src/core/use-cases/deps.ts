import type { Clock, CloudProvider, GrantStore, IpDetector, Progress, SchedulerHandle, Shield } from '../ports.js';

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
  /** The detached expiry scheduler: made sure of before any cloud write of a grant. */
  scheduler: SchedulerHandle;
  /** Holds interrupts back while a grant is being written (absent: nothing to hold back, as in tests). */
  shield?: Shield;
}
