import { z } from '@hono/zod-openapi';
import type { JWK } from 'jose';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { publicJwks } from '../../platform/auth/keys.js';

const spec = httpSpec('accounts-jwks');

const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).openapi('JWKS');

const route = routeOf(spec, {
  responses: { 200: { description: 'JSON Web Key Set (RFC 7517)', content: { 'application/json': { schema: jwks } } } },
});

/** Where the key set comes from: the configured public key by default, a fake in the unit test. */
export interface Stores {
  publicJwks(): Promise<{ keys: JWK[] }>;
}

/** The public keys that verify access tokens; the private key never leaves the signer. */
export async function handle(_input: Record<string, never> = {}, stores: Stores = { publicJwks }): Promise<{ keys: JWK[] }> {
  return stores.publicJwks();
}

export default createFunctionApp(spec).openapi(route, async (c) => c.json(await handle(), 200, { 'cache-control': 'public, max-age=300' }));
