// docs/expiry.md end to end, on both clouds' emulators, in one file (support/expiry-suite.ts).
import { awsHarness, azureHarness } from './support/cloud-harness.js';
import { describeExpiry } from './support/expiry-suite.js';

describeExpiry([
  { name: 'aws (moto)', makeHarness: awsHarness },
  { name: 'azure (ARM emulator)', makeHarness: azureHarness },
]);
