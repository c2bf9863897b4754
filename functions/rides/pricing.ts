/**
 * Upfront pricing: what a completed trip costs. The rider agreed to the quote, so the quote
 * is the price unless the trip really differed from it:
 *   - tracking measured nothing (down, slow, no trace) → the quote;
 *   - the driven distance and duration are both within FARE_DEVIATION_PCT of the quote's
 *     → the quote, to the cent;
 *   - either deviates by more → repriced from the measurement with the quote's tariff and
 *     surge, but never above FARE_CAP_MULTIPLIER × the quote (a GPS trace that slipped past
 *     tracking's jump filter cannot run the fare up without bound). A shorter trip pays the
 *     measured fare, which the tariff keeps at or above the class minimum.
 * The reason travels with the fare, in words a rider can read on the ride and the receipt.
 */
import { finalFare } from '../analysis/fares.js';
import type { Measured } from './measure.js';
import type { StoredQuote } from './store.js';

export interface FareRules {
  /** Percent either way the distance or duration may differ before the trip is repriced. */
  deviationPct: number;
  /** A repriced fare is at most this many times the quote. */
  capMultiplier: number;
}

export interface SettledFare {
  amount: number;
  /** `quoted`: the quote is charged; `measured`: repriced from what tracking measured. */
  basis: 'quoted' | 'measured';
  reason: string;
  /** What the ride records as driven: the measurement when there is one, else the quote's. */
  distanceMeters: number;
  durationSeconds: number;
}

/** Signed percent of `measured` over `quoted`; a zero quote counts any measurement as fully over. */
function deviationPct(measured: number, quoted: number): number {
  if (quoted <= 0) return measured > 0 ? Infinity : 0;
  return ((measured - quoted) / quoted) * 100;
}

const describe = (what: string, pct: number) =>
  Number.isFinite(pct) ? `${what} ${Math.round(Math.abs(pct))} % ${pct > 0 ? 'over' : 'under'} the quote` : `${what} over a zero quote`;

export function settleFare(quote: Pick<StoredQuote, 'tariff' | 'surgeMultiplier' | 'distanceMeters' | 'durationSeconds'>, quotedAmount: number, measured: Measured | null, rules: FareRules): SettledFare {
  if (!measured) {
    return {
      amount: quotedAmount,
      basis: 'quoted',
      reason: 'no measurement from tracking; the quote stands',
      distanceMeters: quote.distanceMeters,
      durationSeconds: quote.durationSeconds,
    };
  }
  const trip = { distanceMeters: measured.distanceMeters, durationSeconds: measured.durationSeconds };
  const deviations = [
    { what: 'distance', pct: deviationPct(measured.distanceMeters, quote.distanceMeters) },
    { what: 'duration', pct: deviationPct(measured.durationSeconds, quote.durationSeconds) },
  ].filter((d) => Math.abs(d.pct) > rules.deviationPct);
  if (deviations.length === 0) {
    return { amount: quotedAmount, basis: 'quoted', reason: `distance and duration within ${rules.deviationPct} % of the quote`, ...trip };
  }
  const repriced = finalFare(quote.tariff, quote.surgeMultiplier, measured.distanceMeters, measured.durationSeconds).amount;
  const cap = Math.round(quotedAmount * rules.capMultiplier);
  const why = deviations.map((d) => describe(d.what, d.pct)).join(', ');
  if (repriced > cap) return { amount: cap, basis: 'measured', reason: `${why}; capped at ${rules.capMultiplier} × the quote`, ...trip };
  return { amount: repriced, basis: 'measured', reason: why, ...trip };
}
