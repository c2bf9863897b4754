/**
 * The local platform's two listeners.
 *
 * createGateway: the public API port. Routes each request to its HTTP function's Hono app
 * by the catalog (what the Knative ingress + per-Service hostnames do in the cluster), and
 * serves the merged OpenAPI document, Swagger UI and health. Nothing else: no event
 * function is reachable here, so nobody can hand one a forged CloudEvent.
 *
 * createInternalGateway: the loopback-only port (INTERNAL_PORT) with every function under
 * /_fn/<name>/…, which is where the local broker's dispatchers deliver and where functions
 * that call an event function directly (catalog `calls`) post to. In the cluster each
 * function is its own Knative Service, reachable from inside the cluster only.
 */
import { Hono } from 'hono';
import { swaggerUI } from '@hono/swagger-ui';
import type { FunctionSpec, Store } from '../contracts/catalog-types.js';
import { honoPath } from '../platform/app.js';
import { HttpProblem, problemResponse } from '../platform/problem.js';
import { readiness } from '../platform/health.js';
import { mergeOpenApi } from './openapi.js';
import type { LoadedFunction } from './registry.js';

export type { LoadedFunction };

/** Static segments must win over parameters (/drivers/me before /drivers/{id}). */
function routeOrder(a: FunctionSpec, b: FunctionSpec): number {
  const weight = (s: FunctionSpec) => (s.kind === 'http' ? (s.path.match(/\{/g)?.length ?? 0) : 99);
  return weight(a) - weight(b);
}

function health(gw: Hono, functions: readonly LoadedFunction[]): void {
  const stores = new Set<Store>(functions.flatMap((f) => f.spec.stores));
  gw.get('/health/liveness', (c) => c.json({ status: 'ok' }));
  gw.get('/health/readiness', async (c) => {
    const r = await readiness([...stores]);
    return c.json({ status: r.ready ? 'ready' : 'not ready', checks: r.checks }, r.ready ? 200 : 503);
  });
}

function notFound(gw: Hono): void {
  gw.notFound((c) => problemResponse(new HttpProblem(404, `no route for ${c.req.method} ${c.req.path}`), c.req.path));
}

/** The internal listener's app: every function under /_fn/<name>, plus health. */
export function createInternalGateway(functions: readonly LoadedFunction[]): Hono {
  // Not strict: a dispatcher may post to /_fn/<name> or /_fn/<name>/ (the function's "/").
  const gw = new Hono({ strict: false });
  health(gw, functions);
  // route() merges each function's routes under the prefix into this router (keeping the
  // function's error handler), so a delivery is routed once and its request is not rebuilt
  // to strip the prefix — that rebuild turned @hono/node-server's lazy request into a full
  // WHATWG Request with a body stream, on every event.
  for (const { spec, app } of functions) gw.route(`/_fn/${spec.name}`, app);
  notFound(gw);
  return gw;
}

/** The public gateway's app: HTTP functions' routes, OpenAPI, docs, health. */
export function createGateway(functions: readonly LoadedFunction[]): Hono {
  const gw = new Hono({ strict: false });
  health(gw, functions);

  const openapi = mergeOpenApi(functions);
  gw.get('/openapi.json', (c) => c.json(openapi));
  gw.get('/docs', swaggerUI({ url: '/openapi.json', title: 'MicroRide API' }));

  const allowed = new Map<string, Set<string>>();
  for (const { spec, app } of [...functions].sort((a, b) => routeOrder(a.spec, b.spec))) {
    if (spec.kind !== 'http') continue;
    const path = honoPath(spec.path);
    gw.on(spec.method.toUpperCase(), path, (c) => app.fetch(c.req.raw, c.env));
    allowed.set(path, (allowed.get(path) ?? new Set()).add(spec.method.toUpperCase()));
  }
  // A known path with the wrong method is 405 with Allow, not 404.
  for (const [path, methods] of allowed) {
    gw.all(path, () =>
      problemResponse(new HttpProblem(405, `use ${[...methods].join(' or ')} for this path`, { headers: { allow: [...methods].join(', ') } })),
    );
  }

  notFound(gw);
  return gw;
}
