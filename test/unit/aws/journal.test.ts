// The step runner: order, progress, rollback in reverse, and what an incomplete rollback reports.
import { describe, expect, it } from 'vitest';
import { runSteps, type Step } from '../../../src/clouds/aws/journal.js';
import { isJitError, ProviderError } from '../../../src/core/errors.js';

function recorder() {
  const log: string[] = [];
  const progress = { step: (message: string) => log.push(`progress ${message}`), warn: () => undefined };
  const step = (name: string, options: { fail?: unknown; undoFails?: boolean; noUndo?: boolean } = {}): Step => ({
    changes: [{ op: 'add-rule', on: 'sg-1', summary: name }],
    apply: async () => {
      if (options.fail !== undefined) throw options.fail;
      log.push(`apply ${name}`);
      if (options.noUndo) return undefined;
      return async () => {
        if (options.undoFails) throw new Error(`cannot undo ${name}`);
        log.push(`undo ${name}`);
      };
    },
  });
  return { log, progress, step };
}

describe('runSteps', () => {
  it('applies the steps in order and reports each change', async () => {
    const { log, progress, step } = recorder();

    await runSteps([step('a'), step('b')], progress);

    expect(log).toEqual(['progress a', 'apply a', 'progress b', 'apply b']);
  });

  it('undoes what was applied, last first, and says so in the error', async () => {
    const { log, progress, step } = recorder();
    const failure = new ProviderError('JIT_AWS_RULE_LIMIT', 'EC2 refused the rule.');

    const error = await runSteps([step('a'), step('b', { noUndo: true }), step('c'), step('d', { fail: failure })], progress).catch(
      (e: unknown) => e,
    );

    expect(error).toBe(failure);
    expect(failure.message).toBe('EC2 refused the rule. The 2 change(s) made before it were rolled back.');
    expect(log.filter((line) => line.startsWith('undo'))).toEqual(['undo c', 'undo a']);
  });

  it('rethrows a failure of the first step untouched', async () => {
    const { progress, step } = recorder();
    const failure = new ProviderError('JIT_AWS_ERROR', 'x.');

    await expect(runSteps([step('a', { fail: failure })], progress)).rejects.toBe(failure);
    expect(failure.message).toBe('x.');
  });

  it('names what could not be undone, and still tries every other undo', async () => {
    const { log, progress, step } = recorder();

    const error = await runSteps([step('a'), step('b', { undoFails: true }), step('c', { fail: new Error('boom') })], progress).catch(
      (e: unknown) => e,
    );

    expect(isJitError(error) && [error.code, error.exitCode]).toEqual(['JIT_AWS_ROLLBACK_INCOMPLETE', 1]);
    expect((error as Error).message).toBe('boom Rolling back failed for 1 change(s): b (cannot undo b)');
    expect(isJitError(error) && error.details).toEqual({ leftovers: ['b (cannot undo b)'] });
    expect(log).toContain('undo a');
  });
});
