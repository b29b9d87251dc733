export { createIpDetector, type IpDetectorOptions } from './detect.js';
export { describeDetectedAddress, detectionWarnings, requireDetectedAddress } from '../core/ip-evidence.js';
export { DEFAULT_IP_SERVICES, parseServiceUrls } from './services.js';
