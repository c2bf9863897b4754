/**
 * Where the local platform serves the functions others call directly (catalog `calls`):
 * an HTTP function at the public gateway (its routes are the public paths), an event
 * function at the internal listener's /_fn/<name> (where the broker's dispatchers deliver
 * too; never the public port). The cluster's counterpart is the callee's cluster-local
 * address (scripts/deploy/model.ts).
 */
import type { FunctionSpec } from '../contracts/catalog-types.js';
import { provideSettings } from '../platform/config.js';

export function localCallUrls(gatewayUrl: string, internalUrl: string, specs: readonly FunctionSpec[]): Record<string, string> {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const urls: Record<string, string> = {};
  for (const spec of specs) {
    for (const [setting, callee] of Object.entries(spec.calls ?? {})) {
      const target = byName.get(callee);
      // A test platform may run a subset of the catalog: a callee it left out is not served.
      if (!target) continue;
      urls[setting] = target.kind === 'http' ? gatewayUrl : `${internalUrl}/_fn/${callee}`;
    }
  }
  return urls;
}

/** Hands the functions each call URL the environment does not set already (an explicit setting wins). */
export function provideLocalCallUrls(gatewayUrl: string, internalUrl: string, specs: readonly FunctionSpec[]): void {
  provideSettings(localCallUrls(gatewayUrl, internalUrl, specs), { environmentWins: true });
}
