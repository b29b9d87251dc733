export { createIpDetector, type IpDetectorOptions } from './detect.js';
export { describeDetectedAddress, detectionWarnings, requireDetectedAddress } from './report.js';
export { DEFAULT_IP_SERVICES, parseServiceUrls } from './services.js';
