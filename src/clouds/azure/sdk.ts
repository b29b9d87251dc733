/**
 * The two Resource Manager clients the Azure provider uses, in one module. `npm run build` replaces
 * this module in dist/ with an esbuild bundle of them (scripts/bundle-sdks.mjs): loading
 * @azure/arm-network and @azure/arm-compute as installed (hundreds of small modules) costs about
 * 0.4 s per command, the bundle about 0.12 s. @azure/identity is not bundled (it starts `az` and
 * loads MSAL itself) and is imported where the credential is built. The two pipeline helpers build
 * the plain REST requests (management locks, the tags API) that arm-api.ts sends through the network
 * client's pipeline; they are already inside the bundle, since arm-network is built on them.
 */
export { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
export { ComputeManagementClient } from '@azure/arm-compute';
export { NetworkManagementClient } from '@azure/arm-network';
