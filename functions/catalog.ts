/**
 * The single list of MicroRide functions. Every other artefact — the local gateway's
 * routes, the broker's Triggers, the Knative Services, the chart values and the
 * OpenAPI document — is derived from this list. Keep it plain data: no handler imports.
 */
import type { FunctionSpec, Scaling, Delivery } from './catalog-types.js';

export const defaultScaling: Scaling = {
  minScale: 0,
  maxScale: 10,
  target: 100,
  containerConcurrency: 0,
  timeoutSeconds: 30,
};

/** Broker-wide delivery defaults (a Trigger may override). */
export const defaultDelivery: Delivery = {
  retry: 5,
  backoffPolicy: 'exponential',
  backoffDelay: 'PT0.2S',
};

export const catalog: readonly FunctionSpec[] = [
  // ── accounts ────────────────────────────────────────────────────────────
  {
    name: 'accounts-register', service: 'accounts', module: 'accounts/register', kind: 'http',
    method: 'post', path: '/api/v1/auth/register', auth: 'public',
    description: 'Register a rider or driver account', stores: ['postgres', 'redis'], emits: ['microride.user.registered'],
  },
  {
    name: 'accounts-login', service: 'accounts', module: 'accounts/login', kind: 'http',
    method: 'post', path: '/api/v1/auth/login', auth: 'public', signsTokens: true,
    description: 'Exchange email and password for an access and a refresh token', stores: ['postgres', 'redis'], emits: [],
  },
  {
    name: 'accounts-refresh', service: 'accounts', module: 'accounts/refresh', kind: 'http',
    method: 'post', path: '/api/v1/auth/refresh', auth: 'public', signsTokens: true,
    description: 'Rotate a refresh token; reuse of an old one revokes the whole family', stores: ['postgres', 'redis'], emits: [],
  },
  {
    name: 'accounts-logout', service: 'accounts', module: 'accounts/logout', kind: 'http',
    method: 'post', path: '/api/v1/auth/logout', auth: 'user',
    description: 'Revoke the session everywhere at once', stores: ['postgres', 'redis'], emits: [],
  },
  {
    name: 'accounts-me', service: 'accounts', module: 'accounts/me', kind: 'http',
    method: 'get', path: '/api/v1/users/me', auth: 'user',
    description: 'The caller’s own profile', stores: ['redis', 'postgres'], emits: [],
    scaling: { minScale: 1 },
  },
  {
    name: 'accounts-jwks', service: 'accounts', module: 'accounts/jwks', kind: 'http',
    method: 'get', path: '/.well-known/jwks.json', auth: 'public',
    description: 'Public keys that verify access tokens', stores: [], emits: [],
  },
  // ── drivers ─────────────────────────────────────────────────────────────
  {
    name: 'drivers-register', service: 'drivers', module: 'drivers/register', kind: 'http',
    method: 'post', path: '/api/v1/drivers', auth: ['driver'],
    description: 'Register the caller’s driver profile and vehicle', stores: ['postgres'], emits: ['microride.driver.registered'],
  },
  {
    name: 'drivers-me', service: 'drivers', module: 'drivers/me', kind: 'http',
    method: 'get', path: '/api/v1/drivers/me', auth: ['driver'],
    description: 'The caller’s driver profile (with licence number)', stores: ['postgres'], emits: [],
  },
  {
    name: 'drivers-get', service: 'drivers', module: 'drivers/get', kind: 'http',
    method: 'get', path: '/api/v1/drivers/{id}', auth: 'user',
    description: 'Public view of a driver (licence hidden)', stores: ['postgres'], emits: [],
  },
  {
    name: 'drivers-availability', service: 'drivers', module: 'drivers/availability', kind: 'http',
    method: 'put', path: '/api/v1/drivers/me/availability', auth: ['driver'],
    description: 'Go online or offline', stores: ['postgres', 'redis'], emits: ['microride.driver.availability_changed'],
  },
];

export function findFunction(name: string): FunctionSpec {
  const spec = catalog.find((f) => f.name === name);
  if (!spec) throw new Error(`unknown function "${name}" (not in functions/catalog.ts)`);
  return spec;
}

export function scalingOf(spec: FunctionSpec): Scaling {
  return { ...defaultScaling, ...spec.scaling };
}
