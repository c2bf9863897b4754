/**
 * Loads a function's Hono app by its catalog entry. Only the local platform and tests
 * use this; a Knative pod runs a bundle whose entry imports its one module directly.
 */
import type { FunctionSpec } from './catalog-types.js';
import type { FunctionApp } from './runtime/app.js';

export async function loadFunction(spec: FunctionSpec): Promise<FunctionApp> {
  const mod = (await import(/* @vite-ignore */ `./${spec.module}.js`)) as { default?: FunctionApp };
  if (!mod.default) throw new Error(`functions/${spec.module}.ts has no default export (the function's app)`);
  return mod.default;
}
