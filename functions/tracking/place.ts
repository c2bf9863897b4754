/**
 * "Where it happened" for a ride event that names a driver: the driver's last position in
 * the live index, if it was taken close enough to the event. No MongoDB query: the live
 * index holds exactly one position per driver, the newest.
 *
 * The rule: the position's time must lie in [event − 60 s, event + 10 s].
 *   - up to 60 s before: positions arrive every few seconds, so an older one means the app
 *     went quiet and the driver may be anywhere by now (the rule of the former MongoDB lookup);
 *   - up to 10 s after: the event reaches tracking through the broker, usually within a
 *     second, while the driver keeps reporting; a position a few seconds newer than the event
 *     is still where it happened (~150 m at most at city speed). A much newer one means the
 *     event is late (backlog, redelivery) and the driver has moved on, so no place is better
 *     than a wrong one.
 */
import { liveDriver, type LiveDriver } from './live-index.js';

const MAX_BEFORE_MS = 60_000;
const MAX_AFTER_MS = 10_000;

/** Reads a driver's entry in the live index (only its position is used). */
export type DriverLookup = (driverId: string) => Promise<Pick<LiveDriver, 'position'> | null>;

export async function driverPlace(
  driverId: string,
  at: Date,
  lookup: DriverLookup = liveDriver,
): Promise<{ lat: number; lon: number } | undefined> {
  const p = (await lookup(driverId))?.position;
  if (!p) return undefined;
  const lead = p.at.getTime() - at.getTime();
  return lead >= -MAX_BEFORE_MS && lead <= MAX_AFTER_MS ? { lat: p.lat, lon: p.lon } : undefined;
}
