/**
 * The two Resource Manager clients the Azure provider uses, in one module, so that the SDK is
 * reached through one door. `npm run build` (scripts/build.mjs) bundles it with the rest of jit:
 * loading @azure/arm-network and @azure/arm-compute as installed (hundreds of small modules) cost
 * about 0.4 s per command, the bundled chunk about 0.12 s.
 * The two pipeline helpers build the plain REST requests (management locks, the tags API) that
 * arm-api.ts sends through the network client's pipeline; arm-network is built on them. The
 * policy name is the one index.ts removes from both clients' pipelines (formDataPolicy).
 */
export { createHttpHeaders, createPipelineRequest, formDataPolicyName } from '@azure/core-rest-pipeline';
export { ComputeManagementClient } from '@azure/arm-compute';
export { NetworkManagementClient } from '@azure/arm-network';
