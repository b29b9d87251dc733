import { azureHarness } from '../e2e/support/cloud-harness.js';
import { describeKillTrials } from './support/kill-trials.js';

describeKillTrials(azureHarness);
