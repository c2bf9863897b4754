/**
 * The services the tracking and analysis tests exercise (accounts for sign-in, drivers,
 * analysis, tracking), behind the same gateway and isolation as test/helpers/platform.ts.
 */
import type { Service } from '../../contracts/catalog-types.js';
import { usePlatform } from '../helpers/platform.js';

export const SERVICES: readonly Service[] = ['accounts', 'drivers', 'analysis', 'tracking'];

export function useServices(services: readonly Service[] = SERVICES): { readonly url: string; readonly internalUrl: string } {
  return usePlatform(services);
}
