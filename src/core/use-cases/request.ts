/**
 * `jit request`: open the VM's policy ports (or some of them) for the caller's source, for a
 * bounded time, through the grant lifecycle (src/core/lifecycle.ts, docs/expiry.md).
 */
export { openGrant as request } from '../lifecycle.js';
