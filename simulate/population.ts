/**
 * The city's people, drawn from the seed: each driver's account, vehicle, home and habits,
 * each rider's account, home and habits. The same seed and index give the same person, so
 * a second run with the same seed signs the same accounts in instead of creating new ones.
 */
import type { VehicleClass } from '../contracts/vehicles.js';
import { keepInCity, type Xy } from './city.js';
import { HOTSPOTS } from './hotspots.js';
import { hash32, seededRng, type Rng } from './prng.js';

/** Every simulated account shares this password; the accounts are test data (`.example` addresses). */
export const SIM_PASSWORD = 'simulated city resident';
const DOMAIN = 'simulated-city.example';

const tag = (seed: string | number): string => hash32(`sim/${seed}`).toString(36).padStart(7, '0').slice(0, 4).toUpperCase();

const VEHICLES: Record<VehicleClass, readonly [string, string, number][]> = {
  economy: [['Toyota', 'Prius', 4], ['Skoda', 'Octavia', 4], ['Hyundai', 'Ioniq', 4], ['Kia', 'Niro', 4]],
  comfort: [['Mercedes', 'E-Class', 4], ['BMW', '5 Series', 4], ['Tesla', 'Model 3', 4]],
  xl: [['Volkswagen', 'Multivan', 7], ['Mercedes', 'V-Class', 7]],
};

/** Shares of the fleet, and of the riders' requests, by class. */
export const CLASS_SHARES: readonly [VehicleClass, number][] = [['economy', 0.75], ['comfort', 0.17], ['xl', 0.08]];

export const pickClass = (rng: Rng): VehicleClass => rng.weighted(CLASS_SHARES, ([, w]) => w)[0];

/** Somewhere people live or work, scattered round the hotspots' pull at no particular hour. */
const homeOf = (rng: Rng): Xy => {
  const h = rng.weighted(HOTSPOTS, (x) => x.base + 0.5);
  return keepInCity({ x: h.at.x + rng.normal() * 2_000, y: h.at.y + rng.normal() * 2_000 });
};

export interface DriverProfile {
  index: number;
  email: string;
  name: string;
  licenseNumber: string;
  vehicle: { make: string; model: string; plate: string; class: VehicleClass; seats: number };
  home: Xy;
  /** Share of offers this driver turns down. */
  declineRate: number;
  /** Simulated seconds from an offer to the driver's answer: [min, max]. */
  answerDelay: readonly [number, number];
}

export function driverProfile(seed: string | number, index: number): DriverProfile {
  const rng = seededRng(seed).fork(`driver/${index}`);
  const cls = pickClass(rng);
  const [make, model, seats] = rng.pick(VEHICLES[cls]);
  const t = tag(seed);
  const quick = rng.between(2, 6);
  return {
    index,
    email: `driver${index}.${t.toLowerCase()}@${DOMAIN}`,
    name: `Driver ${index} (simulated)`,
    licenseNumber: `SIM-${t}-${index}`,
    // Unique per seed and index, and valid: letters and digits, at most 10.
    vehicle: { make, model, plate: `S${t}${index.toString(36).toUpperCase().padStart(4, '0')}`, class: cls, seats },
    home: homeOf(rng),
    declineRate: rng.between(0.02, 0.2),
    answerDelay: [quick, quick + rng.between(3, 12)],
  };
}

export interface RiderProfile {
  index: number;
  email: string;
  name: string;
  /** The highest surge this rider pays without hesitating. */
  surgeTolerance: number;
  /** Share of requests this rider cancels for no reason the platform could know. */
  whimCancelRate: number;
  /** Simulated minutes the rider waits for a driver before maybe giving up. */
  patienceMinutes: number;
  /** Share of completed rides the rider rates. */
  rateRate: number;
}

export function riderProfile(seed: string | number, index: number): RiderProfile {
  const rng = seededRng(seed).fork(`rider/${index}`);
  const t = tag(seed);
  return {
    index,
    email: `rider${index}.${t.toLowerCase()}@${DOMAIN}`,
    name: `Rider ${index} (simulated)`,
    surgeTolerance: rng.between(1.1, 2.2),
    whimCancelRate: rng.between(0, 0.06),
    patienceMinutes: rng.between(3, 10),
    rateRate: rng.between(0.5, 0.95),
  };
}
