export { createIpDetector } from './detect.js';
export { describeDetectedAddress, detectionWarnings, requireDetectedAddress } from '../core/ip-evidence.js';
