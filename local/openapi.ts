/** Merges every function's OpenAPI 3.1 fragment into the one document of the public API. */
import type { LoadedFunction } from './registry.js';

type Doc = ReturnType<LoadedFunction['app']['getOpenAPI31Document']>;

export function mergeOpenApi(functions: readonly LoadedFunction[]): Doc {
  const merged: Doc = {
    openapi: '3.1.0',
    info: {
      title: 'MicroRide API',
      version: '1.0.0',
      description:
        'Ride-hailing API. Errors are application/problem+json (RFC 9457). Payments use a simulated gateway (see /api/v1/payments/{id}/simulate).',
    },
    paths: {},
    components: {
      schemas: {},
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
  for (const { spec, app } of functions) {
    if (spec.kind !== 'http') continue;
    const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: spec.name, version: '1.0.0' } });
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      merged.paths![path] = { ...merged.paths![path], ...item };
    }
    Object.assign(merged.components!.schemas!, doc.components?.schemas ?? {});
  }
  return merged;
}
