import { azureHarness } from './support/cloud-harness.js';
import { describeExpiry } from './support/expiry-suite.js';

describeExpiry('azure (ARM emulator)', azureHarness);
