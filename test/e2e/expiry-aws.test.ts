import { awsHarness } from './support/cloud-harness.js';
import { describeExpiry } from './support/expiry-suite.js';

describeExpiry('aws (moto)', awsHarness);
