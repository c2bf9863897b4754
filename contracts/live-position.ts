/**
 * The latest position and ETA of a ride's driver, as the rider sees it while the ride is
 * `accepted`, `arrived` or `in_progress`. One shape for three readers: the notifier's
 * `ride.driver_location` push, the ride detail's `live` field and the shared-trip view.
 * The tracking service writes it (on each accepted location ping of the ride's driver) to
 * Redis under `liveKey(rideId)` with a short expiry; the others only read it. Positions are
 * ephemeral: nothing here is stored durably.
 */
import { z } from 'zod';

export const livePosition = z.object({
  rideId: z.uuid(),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  heading: z.number().min(0).max(360).nullable(),
  speedKmh: z.number().min(0).nullable(),
  /** Where the ETA points: the pickup until the ride starts, then the drop-off. */
  towards: z.enum(['pickup', 'dropoff']),
  etaSeconds: z.number().int().nonnegative(),
  distanceMeters: z.number().int().nonnegative(),
  /** Server time the ping was accepted (ISO-8601). */
  at: z.iso.datetime({ offset: true }),
});

export type LivePosition = z.infer<typeof livePosition>;

/** Key parts of a ride's latest position, for platform/clients.ts `rkey(...liveKey(id))` (which adds the prefix). */
export const liveKey = (rideId: string): string[] => ['live', 'ride', rideId];

/** The notifier message type that carries a LivePosition to the ride's rider. */
export const LIVE_POSITION_MESSAGE = 'ride.driver_location';

/**
 * Redis pub/sub channel (key parts for `rkey`) on which tracking hands a LivePosition to
 * the notifier. Positions do not go through the broker: they are superseded a second
 * later, so neither storage nor redelivery would serve anyone (eventing/README.md).
 * Payload: `<publish time ms>\n<rider's user id>\n<message text>` (see liveMessageText).
 */
export const liveChannel = (): string[] => ['notify', 'live'];

/**
 * The websocket frame the rider receives, built once by the publisher so the notifier
 * forwards it without parsing: `{type, rideId, data, at}` like the stored messages, but
 * with no `id` — a position is not part of the replayable stream (`since` skips it).
 */
export const liveMessageText = (p: LivePosition): string =>
  JSON.stringify({ type: LIVE_POSITION_MESSAGE, rideId: p.rideId, data: p, at: p.at });
