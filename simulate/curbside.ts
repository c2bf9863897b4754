/**
 * What a rider tells the driver in person at the pickup: the ride's pickup code, when the
 * platform gives the rider one. The rider tells it (the code, or that there is none) on
 * acceptance; the driver hears it before starting the trip.
 */
export class Curbside {
  private readonly told = new Map<string, string | null>();
  private readonly waiting = new Map<string, ((code: string | null) => void)[]>();

  tell(rideId: string, code: string | null): void {
    this.told.set(rideId, code);
    for (const w of this.waiting.get(rideId) ?? []) w(code);
    this.waiting.delete(rideId);
  }

  /** The code, null when the rider had none, or null after `timeoutMs` without a word. */
  hear(rideId: string, timeoutMs: number): Promise<string | null> {
    if (this.told.has(rideId)) {
      const code = this.told.get(rideId)!;
      this.told.delete(rideId);
      return Promise.resolve(code);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      timer.unref();
      const list = this.waiting.get(rideId) ?? [];
      list.push((code) => {
        clearTimeout(timer);
        this.told.delete(rideId);
        resolve(code);
      });
      this.waiting.set(rideId, list);
    });
  }
}
