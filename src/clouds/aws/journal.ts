/**
 * Writes as a list of steps, each knowing how to undo itself, so a failure half-way puts back what
 * was written (docs/safety.md, "Rollback") and --dry-run is the same list, not run. EC2 has no
 * transactions: the undo of a revoke is the exact re-authorisation, the undo of a create is the
 * delete.
 */
import { isJitError, ProviderError } from '../../core/errors.js';
import type { Progress, RuleChange } from '../../core/ports.js';

type Undo = () => Promise<void>;

export interface Step {
  changes: RuleChange[];
  /** Makes the change; returns how to take it back (nothing when there is nothing to take back). */
  apply(): Promise<Undo | void>;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the steps in order. When one fails, the undos of the steps before it run in reverse order,
 * and the original error is rethrown with a note that nothing stayed changed, or, if an undo failed
 * too, JIT_AWS_ROLLBACK_INCOMPLETE naming what is left for a human.
 */
export async function runSteps(steps: Step[], progress: Progress): Promise<void> {
  const done: { step: Step; undo: Undo }[] = [];
  for (const step of steps) {
    for (const change of step.changes) progress.step(change.summary);
    try {
      const undo = await step.apply();
      if (undo) done.push({ step, undo });
    } catch (error) {
      await rollBack(done, error);
    }
  }
}

async function rollBack(done: { step: Step; undo: Undo }[], error: unknown): Promise<never> {
  const leftovers: string[] = [];
  for (const { step, undo } of done.reverse()) {
    try {
      await undo();
    } catch (undoError) {
      leftovers.push(`${step.changes.map((c) => c.summary).join('; ')} (${messageOf(undoError)})`);
    }
  }
  if (leftovers.length > 0) {
    throw new ProviderError(
      'JIT_AWS_ROLLBACK_INCOMPLETE',
      `${messageOf(error)} Rolling back failed for ${leftovers.length} change(s): ${leftovers.join(' | ')}`,
      {
        cause: error,
        hint: 'Those changes are still in place; undo them by hand, or run the command again once the cause is fixed.',
        details: { leftovers },
      },
    );
  }
  if (isJitError(error) && done.length > 0) {
    error.message = `${error.message} The ${done.length} change(s) made before it were rolled back.`;
  }
  throw error;
}
