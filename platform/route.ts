/**
 * Builds a function's OpenAPI route from its catalog entry, so the method, path,
 * security and operationId are written once (in the catalog) and the standard
 * error responses are declared for every route the same way.
 */
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { findFunction } from '../contracts/catalog.js';
import type { EventFunction, HttpFunction } from '../contracts/catalog-types.js';
import { problemSchema } from './problem.js';

export function httpSpec(name: string): HttpFunction {
  const spec = findFunction(name);
  if (spec.kind !== 'http') throw new Error(`${name} is not an HTTP function`);
  return spec;
}

export function eventSpec(name: string): EventFunction {
  const spec = findFunction(name);
  if (spec.kind !== 'event') throw new Error(`${name} is not an event function`);
  return spec;
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});

type Parts = Pick<RouteConfig, 'request' | 'responses'>;

export type FunctionRoute<P extends Parts> = P & { method: HttpFunction['method']; path: string };

export function routeOf<const P extends Parts>(spec: HttpFunction, parts: P): FunctionRoute<P> {
  const secured = spec.auth !== 'public';
  const hasBody = parts.request?.body !== undefined;
  return createRoute({
    method: spec.method,
    path: spec.path,
    operationId: spec.name,
    tags: [spec.service],
    summary: spec.description,
    ...(secured ? { security: [{ bearerAuth: [] }] } : {}),
    ...(parts.request ? { request: parts.request } : {}),
    responses: {
      ...parts.responses,
      ...(hasBody ? { 400: problem('Body is not valid JSON'), 413: problem('Body too large'), 415: problem('Body is not JSON') } : {}),
      ...(secured ? { 401: problem('Missing, invalid, expired or revoked token'), 403: problem('Role not allowed') } : {}),
      422: problem('Validation failed; `errors` lists each field'),
      503: problem('A backing service is unavailable'),
    },
  }) as unknown as FunctionRoute<P>;
}
