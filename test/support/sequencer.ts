/**
 * The order test files start in. vitest's own order, on a clean clone with no timings cached, is
 * largest file first, which put the expiry tests (then two small files that mostly wait for grants
 * to expire; now one, e2e/expiry.test.ts) last: the suite then ended with a minute of one worker
 * waiting and the other idle. The
 * files below go first, longest first, so that their waiting overlaps the CPU-bound files; the rest
 * keep vitest's order (docs/testing.md, "What a test costs").
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const FIRST = [
  // The fault suite (vitest.faults.config.ts): its longest file sets the suite's length.
  'test/faults/forged-metadata-azure.test.ts',
  'test/faults/forged-metadata-aws.test.ts',
  'test/faults/kill-trials-azure.test.ts',
  'test/faults/ledger-rewrite.test.ts',
  'test/faults/scheduler-kill.test.ts',
  // The suite.
  'test/e2e/expiry.test.ts',
  'test/e2e/secrets.test.ts',
  'test/e2e/azure/firewall-classic.test.ts',
  'test/e2e/azure/firewall-policy.test.ts',
  'test/e2e/azure/commands.test.ts',
  'test/e2e/aws/commands.test.ts',
];

export default class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const index = FIRST.findIndex((name) => file.moduleId.endsWith(name));
      return index === -1 ? FIRST.length : index;
    };
    // Array.prototype.sort is stable: files outside the list keep vitest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}
