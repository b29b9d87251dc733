/**
 * Providers are loaded lazily (`jit --help` and `jit ip` must not pay for a cloud SDK): each entry
 * is a dynamic import of the provider's composition root. A cloud without an entry fails with
 * JIT_PROVIDER_UNAVAILABLE instead of pretending to work.
 */
import { ProviderError } from '../core/errors.js';
import type { CloudName } from '../core/model.js';
import type { CloudProvider, ProviderContext } from '../core/ports.js';

type ProviderLoader = (context: ProviderContext) => Promise<CloudProvider>;

const CLOUD_LABEL: Record<CloudName, string> = { azure: 'Azure', aws: 'AWS' };

const loaders: Partial<Record<CloudName, ProviderLoader>> = {
  azure: (ctx) => import('./azure/index.js').then((m) => m.createProvider(ctx)),
  aws: (ctx) => import('./aws/index.js').then((m) => m.createProvider(ctx)),
};

export async function loadProvider(cloud: CloudName, context: ProviderContext): Promise<CloudProvider> {
  const loader = loaders[cloud];
  if (!loader) {
    throw new ProviderError(
      'JIT_PROVIDER_UNAVAILABLE',
      `The ${CLOUD_LABEL[cloud]} provider is not built into this version of jit yet, so nothing was changed.`,
      { hint: 'Inputs were checked; `jit ip` and `jit config` work without a provider.' },
    );
  }
  return loader(context);
}
