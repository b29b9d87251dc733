/** What every part of the AWS provider works with: the seam, where it points, and how to report. */
import type { ChangeReport, Progress, RuleChange } from '../../core/ports.js';
import type { Ec2Api, StsApi } from './ec2-api.js';
import type { Step } from './journal.js';
import type { Patience } from './patience.js';

export interface AwsContext {
  ec2: Ec2Api;
  sts: StsApi;
  region: string;
  /** The shared-config profile the clients were built with, if one was named. */
  profile: string | undefined;
  progress: Progress;
  /** Waits between retries while EC2 catches up (patience.ts). */
  sleep(ms: number): Promise<void>;
  /** How long to wait EC2 out; the defaults (patience.ts) unless a test needs them short. */
  patience?: Partial<Patience> | undefined;
}

export interface Plan {
  steps: Step[];
  /** Filled while planning and, for steps that cannot fail the command, while applying. */
  notes: string[];
}

function changesOf(plan: Plan): RuleChange[] {
  return plan.steps.flatMap((step) => step.changes);
}

export function reportOf(plan: Plan, applied: boolean): ChangeReport {
  return { changes: changesOf(plan), applied, notes: plan.notes };
}

/** The scope a target or grant needs to be reached again: the region, and the profile if named. */
export function scopeOf(context: Pick<AwsContext, 'region' | 'profile'>): Record<string, string> {
  return context.profile ? { region: context.region, profile: context.profile } : { region: context.region };
}
