/**
 * Simulated time: the city's clock runs `speed` times faster than the wall clock, from
 * `startHour`. Driving, riders' habits and hotspots follow it; the platform's own timers
 * (offer windows, quote validity, ride expiry) stay on real time.
 */
export interface SimClock {
  readonly speed: number;
  /** Simulated seconds since the start. */
  elapsed(): number;
  /** Hour of the simulated day, fractional, in [0, 24). */
  hour(): number;
  /** "HH:MM" of the simulated day. */
  label(): string;
  /** Real milliseconds that `simSeconds` of city time take. */
  realMs(simSeconds: number): number;
}

export function simClock(startHour: number, speed: number, now: () => number = () => performance.now()): SimClock {
  const t0 = now();
  const elapsed = () => ((now() - t0) / 1000) * speed;
  const hour = () => (((startHour + elapsed() / 3600) % 24) + 24) % 24;
  return {
    speed,
    elapsed,
    hour,
    label: () => {
      const minutes = Math.floor(hour() * 60);
      return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    },
    realMs: (simSeconds) => (simSeconds * 1000) / speed,
  };
}
