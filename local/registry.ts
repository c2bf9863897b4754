/**
 * Loads a function's Hono app by its catalog entry. Only the local platform and tests
 * use this; a Knative pod runs a bundle whose entry imports its one module directly.
 */
import type { FunctionSpec } from '../contracts/catalog-types.js';
import type { FunctionApp } from '../platform/app.js';

/** A catalog entry with its app, as the gateway mounts it. */
export interface LoadedFunction {
  spec: FunctionSpec;
  app: FunctionApp;
}

export async function loadFunction(spec: FunctionSpec): Promise<FunctionApp> {
  const mod = (await import(/* @vite-ignore */ `../functions/${spec.module}.js`)) as { default?: FunctionApp };
  if (!mod.default) throw new Error(`functions/${spec.module}.ts has no default export (the function's app)`);
  return mod.default;
}
