/**
 * The single list of MicroRide functions. Every other artefact — the local gateway's
 * routes, the broker's Triggers, the Knative Services, the chart values and the
 * OpenAPI document — is derived from this list and, for what is not a function (the
 * notifier, the tick relay, the migration job), from contracts/workloads.ts.
 * Keep it plain data: no handler imports.
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
  },
  {
    name: 'accounts-jwks', service: 'accounts', module: 'accounts/jwks', kind: 'http',
    method: 'get', path: '/.well-known/jwks.json', auth: 'public',
    description: 'Public keys that verify access tokens', stores: [], emits: [],
  },
  // Operations (admins only). Disabling revokes every session of the user at once.
  {
    name: 'accounts-admin-users', service: 'accounts', module: 'accounts/admin-users', kind: 'http',
    method: 'get', path: '/api/v1/admin/users', auth: ['admin'],
    description: 'Users, newest first (paged; filter by role, status or email)', stores: ['postgres'], emits: [],
  },
  {
    name: 'accounts-admin-disable', service: 'accounts', module: 'accounts/admin-disable', kind: 'http',
    method: 'post', path: '/api/v1/admin/users/{id}/disable', auth: ['admin'],
    description: 'Disable a user: their tokens stop working at once; they cannot log in or refresh', stores: ['postgres', 'redis'], emits: [],
  },
  {
    name: 'accounts-admin-enable', service: 'accounts', module: 'accounts/admin-enable', kind: 'http',
    method: 'post', path: '/api/v1/admin/users/{id}/enable', auth: ['admin'],
    description: 'Enable a disabled user again (they log in anew)', stores: ['postgres', 'redis'], emits: [],
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
  {
    name: 'drivers-trip-status', service: 'drivers', module: 'drivers/trip-status', kind: 'event',
    description: 'Keep availability in step with trips: on_trip on accept, back online when that ride ends',
    stores: ['postgres', 'redis'], emits: [],
    subscriptions: [
      { filter: { type: 'microride.ride.accepted' }, parallelism: 8 },
      { filter: { type: 'microride.ride.completed' }, parallelism: 8 },
      { filter: { type: 'microride.ride.cancelled' }, parallelism: 8 },
      // The driver gave the ride back before pickup: back online, and it counts against them.
      { filter: { type: 'microride.ride.rematching' }, parallelism: 8 },
    ],
  },
  {
    name: 'drivers-rating', service: 'drivers', module: 'drivers/rating', kind: 'event',
    description: 'Update a driver’s rating average and count from ride ratings (once per ride)',
    stores: ['postgres'], emits: [],
    subscriptions: [{ filter: { type: 'microride.ride.rated' }, parallelism: 8 }],
  },
  // ── analysis (fares, ETA, surge) ────────────────────────────────────────
  {
    name: 'analysis-quote', service: 'analysis', module: 'analysis/quote', kind: 'http',
    method: 'post', path: '/api/v1/quotes', auth: ['rider'],
    description: 'Price a trip: distance, duration, pickup ETA, surge; returns a signed quote valid for 5 minutes',
    stores: ['redis'], emits: [], secrets: ['QUOTE_SECRET'],
  },
  // ── tracking (live driver index, locations, ride timelines) ─────────────
  {
    name: 'tracking-location', service: 'tracking', module: 'tracking/location', kind: 'http',
    method: 'post', path: '/api/v1/drivers/me/location', auth: ['driver'],
    description: 'Report the driver’s position (updates the live index; stored as a location sample)',
    stores: ['redis', 'mongo'], emits: [],
    // Every online driver reports every few seconds: while anyone drives it never goes
    // cold (it still scales to zero like every function, DESIGN §8); many small requests
    // per pod.
    scaling: { target: 200 },
  },
  {
    name: 'tracking-track', service: 'tracking', module: 'tracking/track', kind: 'http',
    method: 'get', path: '/api/v1/rides/{id}/track', auth: 'user',
    description: 'Timeline and location trace of a ride (its rider or driver only)',
    stores: ['mongo'], emits: [],
  },
  {
    name: 'tracking-distance', service: 'tracking', module: 'tracking/distance', kind: 'http',
    method: 'get', path: '/api/v1/rides/{id}/distance', auth: 'user',
    description: 'Distance actually driven on a ride (called by rides at completion to price the trip)',
    // Redis: the ride's live summary and trace; MongoDB: the fallback once they expired.
    stores: ['redis', 'mongo'], emits: [],
  },
  {
    name: 'tracking-timeline', service: 'tracking', module: 'tracking/timeline', kind: 'event',
    description: 'Record every ride event in the ride’s MongoDB timeline (participants, status, places)',
    stores: ['mongo', 'redis'], emits: [],
    // Trigger filters match exactly: one subscription per ride event type.
    subscriptions: [
      'microride.ride.requested', 'microride.ride.offered', 'microride.ride.offer_expired', 'microride.ride.declined',
      'microride.ride.accepted', 'microride.ride.driver_arrived', 'microride.ride.started', 'microride.ride.completed',
      'microride.ride.cancelled', 'microride.ride.expired', 'microride.ride.rated', 'microride.ride.rematching',
    ].map((type) => ({ filter: { type }, parallelism: 8 })),
  },
  // ── eventing ────────────────────────────────────────────────────────────
  {
    name: 'eventing-deadletters', service: 'eventing', module: 'eventing/deadletters', kind: 'event',
    description: 'Dead-letter sink: stores and logs every event a Trigger gave up on, with its knativeerror* extensions',
    stores: ['postgres'], emits: [], subscriptions: [],
  },
  // Operations on what the platform could not deliver (admins only).
  {
    name: 'eventing-admin-deadletters', service: 'eventing', module: 'eventing/admin-deadletters', kind: 'http',
    method: 'get', path: '/api/v1/admin/deadletters', auth: ['admin'],
    description: 'Dead letters, newest first, with the knativeerror* data of their failure (paged; filter by type)',
    stores: ['postgres'], emits: [],
  },
  {
    name: 'eventing-admin-replay', service: 'eventing', module: 'eventing/admin-replay', kind: 'http',
    method: 'post', path: '/api/v1/admin/deadletters/replay', auth: ['admin'],
    description: 'Re-publish dead letters to the Broker as they were (same event id: idempotent consumers act once)',
    stores: ['postgres'], emits: [], republishes: true,
  },
  {
    name: 'eventing-admin-discard', service: 'eventing', module: 'eventing/admin-discard', kind: 'http',
    method: 'delete', path: '/api/v1/admin/deadletters/{id}', auth: ['admin'],
    description: 'Discard a dead letter', stores: ['postgres'], emits: [],
  },
  {
    name: 'eventing-admin-parked', service: 'eventing', module: 'eventing/admin-parked', kind: 'http',
    method: 'get', path: '/api/v1/admin/outbox/parked', auth: ['admin'],
    description: 'Outbox rows of a service that the Broker refused outright and nobody retries (parked)',
    stores: ['postgres'], emits: [],
  },
  {
    name: 'eventing-admin-outbox-retry', service: 'eventing', module: 'eventing/admin-outbox-retry', kind: 'http',
    method: 'post', path: '/api/v1/admin/outbox/{service}/{id}/retry', auth: ['admin'],
    description: 'Make a parked outbox row due again: the outbox relay publishes it',
    stores: ['postgres'], emits: [],
  },
  // ── ops (the operations console and the rider and driver pages) ─────────
  // Static pages: they hold no data, so they are public; what they show comes from the API
  // and the notifier with the signed-in user's token (the console's live map from the
  // notifier's admin-only GET /ops channel).
  {
    name: 'ops-console', service: 'ops', module: 'ops/console', kind: 'http',
    method: 'get', path: '/ops', auth: 'public',
    description: 'The operations console (web page; admins sign in on it)', stores: [], emits: [],
  },
  {
    name: 'ops-app', service: 'ops', module: 'ops/app', kind: 'http',
    method: 'get', path: '/app/{page}', auth: 'public',
    description: 'The rider and driver web pages', stores: [], emits: [],
  },
  {
    name: 'ops-assets', service: 'ops', module: 'ops/assets', kind: 'http',
    method: 'get', path: '/web/{file}', auth: 'public',
    description: 'Scripts, styles and the city map data of the web pages', stores: [], emits: [],
  },
  // ── rides (single writer of ride state; offers live here too) ───────────
  {
    name: 'rides-request', service: 'rides', module: 'rides/request', kind: 'http',
    method: 'post', path: '/api/v1/rides', auth: ['rider'],
    description: 'Request a ride from a quote, now or booked for later (scheduledFor); Idempotency-Key: same key, same ride',
    stores: ['postgres'], emits: ['microride.ride.requested', 'microride.ride.scheduled'],
    secrets: ['QUOTE_SECRET'],
  },
  {
    name: 'rides-list', service: 'rides', module: 'rides/list', kind: 'http',
    method: 'get', path: '/api/v1/rides', auth: 'user',
    description: 'Your rides, newest first (paginated)', stores: ['postgres'], emits: [],
  },
  {
    name: 'rides-get', service: 'rides', module: 'rides/get', kind: 'http',
    method: 'get', path: '/api/v1/rides/{id}', auth: 'user',
    // redis: the driver's live position while the ride is accepted/arrived/in_progress (written by tracking).
    description: 'One ride (yours, or offered to you)', stores: ['postgres', 'redis'], emits: [],
  },
  {
    name: 'rides-accept', service: 'rides', module: 'rides/accept', kind: 'http',
    method: 'post', path: '/api/v1/rides/{id}/accept', auth: ['driver'],
    description: 'Accept an offered ride; the first accept wins (the rider gets the driver’s card and a pickup code)',
    // Redis: the driver's last position from the live index, for the card.
    stores: ['postgres', 'redis'], emits: ['microride.ride.accepted'],
    calls: { DRIVERS_URL: 'drivers-get' },
  },
  {
    name: 'rides-decline', service: 'rides', module: 'rides/decline', kind: 'http',
    method: 'post', path: '/api/v1/rides/{id}/decline', auth: ['driver'],
    description: 'Decline an offered ride', stores: ['postgres'], emits: ['microride.ride.declined'],
  },
  {
    name: 'rides-arrived', service: 'rides', module: 'rides/arrived', kind: 'http',
    method: 'post', path: '/api/v1/rides/{id}/arrived', auth: ['driver'],
    description: 'The assigned driver is at the pickup point', stores: ['postgres'], emits: ['microride.ride.driver_arrived'],
  },
  {
    name: 'rides-start', service: 'rides', module: 'rides/start', kind: 'http',
    method: 'post', path: '/api/v1/rides/{id}/start', auth: ['driver'],
    description: 'The assigned driver starts the trip with the rider’s pickup code',
    // Redis: the count of wrong pickup codes (lockout).
    stores: ['postgres', 'redis'], emits: ['microride.ride.started'],
  },
  {
    name: 'rides-complete', service: 'rides', module: 'rides/complete', kind: 'http',
    method: 'post', path: '/api/v1/rides/{id}/complete', auth: ['driver'],
    description: 'The assigned driver ends the trip; the final fare is priced from the distance driven', stores: ['postgres'], emits: ['microride.ride.completed'],
    calls: { TRACKING_URL: 'tracking-distance' },
  },
  {
    name: 'rides-cancel', service: 'rides', module: 'rides/cancel', kind: 'http',
    method: 'post', path: '/api/v1/rides/{id}/cancel', auth: ['rider', 'driver'],
    description: 'Cancel a ride (rider: ends it, a late cancellation costs a fee; assigned driver: the ride is matched again without them)',
    stores: ['postgres'], emits: ['microride.ride.cancelled', 'microride.ride.rematching'],
  },
  {
    name: 'rides-rate', service: 'rides', module: 'rides/rate', kind: 'http',
    method: 'post', path: '/api/v1/rides/{id}/rating', auth: ['rider'],
    description: 'Rate a completed ride 1–5', stores: ['postgres'], emits: ['microride.ride.rated'],
  },
  {
    name: 'rides-share', service: 'rides', module: 'rides/share', kind: 'http',
    method: 'post', path: '/api/v1/rides/{id}/share', auth: ['rider'],
    description: 'Share my trip: a link anyone can follow the active ride with, without an account', stores: ['postgres'], emits: [],
  },
  {
    name: 'rides-unshare', service: 'rides', module: 'rides/unshare', kind: 'http',
    method: 'delete', path: '/api/v1/rides/{id}/share/{token}', auth: ['rider'],
    description: 'Revoke a share link of your ride', stores: ['postgres'], emits: [],
  },
  {
    name: 'rides-shared', service: 'rides', module: 'rides/shared', kind: 'http',
    method: 'get', path: '/api/v1/shared/{token}', auth: 'public',
    description: 'A shared trip: status, the driver without the plate, live position and ETA (no account; rate-limited)',
    // Redis: the ride's live position (contracts/live-position.ts) and the rate limit.
    stores: ['postgres', 'redis'], emits: [],
  },
  {
    name: 'rides-offers', service: 'rides', module: 'rides/offers', kind: 'event',
    description: 'Records an offer round matching decided and announces it to the drivers (ride.offered)',
    stores: ['postgres'], emits: ['microride.ride.offered'],
    // Matching POSTs its decision here and waits for the outcome (no Trigger): one broker
    // traversal fewer on the way to the driver's offer, and a failed write fails
    // matching's own delivery, which the broker retries.
    subscriptions: [], accepts: ['microride.matching.offer_decided'],
  },
  {
    name: 'rides-sweep', service: 'rides', module: 'rides/sweep', kind: 'event',
    description: 'Starts matching booked rides at their lead time; expires rides nobody accepted within RIDE_MATCHING_TIMEOUT_SECONDS',
    stores: ['postgres'], emits: ['microride.ride.requested', 'microride.ride.expired'],
    subscriptions: [{ filter: { type: 'microride.matching.tick' } }],
    schedule: { cron: '* * * * *', everySeconds: 5 },
  },
  // ── matching (decides whom to offer a ride; state in Redis) ─────────────
  {
    name: 'matching-request', service: 'matching', module: 'matching/request', kind: 'event',
    description: 'First offer round for a new ride: nearest available drivers, radius widening',
    stores: ['redis'], emits: ['microride.matching.offer_decided'], calls: { RIDES_OFFERS_URL: 'rides-offers' },
    subscriptions: [{ filter: { type: 'microride.ride.requested' }, parallelism: 32 }],
  },
  {
    name: 'matching-next', service: 'matching', module: 'matching/next', kind: 'event',
    description: 'Next offer round when a round lapsed or every driver in it declined',
    stores: ['redis'], emits: ['microride.matching.offer_decided'], calls: { RIDES_OFFERS_URL: 'rides-offers' },
    subscriptions: [
      { filter: { type: 'microride.ride.offer_expired' }, parallelism: 16 },
      { filter: { type: 'microride.ride.declined' }, parallelism: 16 },
    ],
  },
  {
    name: 'matching-rematch', service: 'matching', module: 'matching/rematch', kind: 'event',
    description: 'The assigned driver cancelled before pickup: match the same ride again, never offering it to that driver',
    stores: ['redis'], emits: ['microride.matching.offer_decided'], calls: { RIDES_OFFERS_URL: 'rides-offers' },
    subscriptions: [{ filter: { type: 'microride.ride.rematching' }, parallelism: 16 }],
  },
  {
    name: 'matching-close', service: 'matching', module: 'matching/close', kind: 'event',
    description: 'Stops matching a ride that was accepted, cancelled or expired',
    stores: ['redis'], emits: [],
    subscriptions: [
      { filter: { type: 'microride.ride.accepted' }, parallelism: 16 },
      { filter: { type: 'microride.ride.cancelled' }, parallelism: 16 },
      { filter: { type: 'microride.ride.expired' }, parallelism: 16 },
    ],
  },
  {
    name: 'matching-sweep', service: 'matching', module: 'matching/sweep', kind: 'event',
    description: 'Periodic: announces lapsed offer rounds and looks again for rides nobody was near',
    stores: ['redis'], emits: ['microride.ride.offer_expired', 'microride.matching.offer_decided'], calls: { RIDES_OFFERS_URL: 'rides-offers' },
    subscriptions: [{ filter: { type: 'microride.matching.tick' } }],
    schedule: { cron: '* * * * *', everySeconds: 5 },
  },
  // ── payments (SIMULATED gateway) ────────────────────────────────────────
  {
    name: 'payments-capture', service: 'payments', module: 'payments/capture', kind: 'event',
    description: 'Charges the final fare of a completed ride (once per ride, whatever the redeliveries)',
    stores: ['postgres'], emits: ['microride.payment.succeeded', 'microride.payment.failed'],
    subscriptions: [{ filter: { type: 'microride.ride.completed' }, parallelism: 16 }],
  },
  {
    name: 'payments-cancellation-fee', service: 'payments', module: 'payments/cancellation-fee', kind: 'event',
    description: 'Charges the fee of a late rider cancellation (once per ride)',
    stores: ['postgres'], emits: ['microride.payment.succeeded', 'microride.payment.failed'],
    subscriptions: [{ filter: { type: 'microride.ride.cancelled' }, parallelism: 16 }],
  },
  {
    name: 'payments-ride-payment', service: 'payments', module: 'payments/ride-payment', kind: 'http',
    method: 'get', path: '/api/v1/rides/{id}/payment', auth: 'user',
    description: 'Payment state of a ride (its rider or driver)', stores: ['postgres'], emits: [],
  },
  {
    name: 'payments-receipt', service: 'payments', module: 'payments/receipt', kind: 'http',
    method: 'get', path: '/api/v1/rides/{id}/receipt', auth: 'user',
    description: 'Receipt of a ride (its rider or driver)', stores: ['postgres'], emits: [],
  },
  {
    name: 'payments-simulate', service: 'payments', module: 'payments/simulate', kind: 'http',
    method: 'post', path: '/api/v1/payments/{id}/simulate', auth: 'user',
    description: 'SIMULATED gateway: settle a pending payment as succeeded or failed (admin or dev mode)',
    stores: ['postgres'], emits: ['microride.payment.succeeded', 'microride.payment.failed'],
  },
  {
    name: 'payments-retry', service: 'payments', module: 'payments/retry', kind: 'http',
    method: 'post', path: '/api/v1/payments/{id}/retry', auth: ['rider', 'admin'],
    description: 'Retry a failed payment at the simulated gateway (the ride’s rider)',
    stores: ['postgres'], emits: ['microride.payment.succeeded', 'microride.payment.failed'],
  },
  {
    name: 'payments-refund', service: 'payments', module: 'payments/refund', kind: 'http',
    method: 'post', path: '/api/v1/payments/{id}/refund', auth: 'user',
    description: 'Refund a charge, fully or in part (admin or dev mode; simulated gateway)',
    stores: ['postgres'], emits: ['microride.payment.refunded'],
  },
  // Fare disputes: payments owns them (the only effect of one is a refund of its charge).
  {
    name: 'payments-dispute-open', service: 'payments', module: 'payments/dispute-open', kind: 'http',
    method: 'post', path: '/api/v1/rides/{id}/dispute', auth: ['rider'],
    description: 'Dispute the fare of your completed ride (within DISPUTE_WINDOW_HOURS of the charge; one open dispute per ride)',
    stores: ['postgres'], emits: ['microride.dispute.opened'],
  },
  {
    name: 'payments-admin-disputes', service: 'payments', module: 'payments/admin-disputes', kind: 'http',
    method: 'get', path: '/api/v1/admin/disputes', auth: ['admin'],
    description: 'Fare disputes, oldest open first (paged; filter by status)', stores: ['postgres'], emits: [],
  },
  {
    name: 'payments-admin-resolve', service: 'payments', module: 'payments/admin-resolve', kind: 'http',
    method: 'post', path: '/api/v1/admin/disputes/{id}/resolve', auth: ['admin'],
    description: 'Resolve a dispute: refund (SIMULATED gateway, through the refund path) or reject; the rider is notified',
    stores: ['postgres'], emits: ['microride.dispute.resolved', 'microride.payment.refunded'],
  },
];

export function findFunction(name: string): FunctionSpec {
  const spec = catalog.find((f) => f.name === name);
  if (!spec) throw new Error(`unknown function "${name}" (not in contracts/catalog.ts)`);
  return spec;
}

export function scalingOf(spec: FunctionSpec): Scaling {
  return { ...defaultScaling, ...spec.scaling };
}

/**
 * Whether a function writes events into its service's outbox (it emits and keeps state in
 * PostgreSQL): such functions publish on commit and run the outbox relay for the service.
 */
export function usesOutbox(spec: Pick<FunctionSpec, 'emits' | 'stores'>): boolean {
  return spec.emits.length > 0 && spec.stores.includes('postgres');
}

/**
 * The types a function sends through the broker (and so needs K_SINK for): what it emits,
 * less what it POSTs straight to an event function it calls (that function's `accepts`).
 */
export function brokerEmits(spec: FunctionSpec, specs: readonly FunctionSpec[] = catalog): string[] {
  const direct = new Set(
    Object.values(spec.calls ?? {}).flatMap((callee) => {
      const target = specs.find((f) => f.name === callee);
      return target?.kind === 'event' ? (target.accepts ?? []) : [];
    }),
  );
  return spec.emits.filter((t) => !direct.has(t));
}

/**
 * Whether a function publishes to the Broker and so gets K_SINK (a SinkBinding): it emits
 * through the broker, or it re-publishes stored events (the dead-letter replay).
 */
export function needsSink(spec: FunctionSpec, specs: readonly FunctionSpec[] = catalog): boolean {
  return brokerEmits(spec, specs).length > 0 || spec.republishes === true;
}
