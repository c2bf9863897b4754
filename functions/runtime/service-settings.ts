/**
 * Per-service settings: a service whose knobs nobody else reads declares them next to its
 * code and parses them once, with the same one-line ConfigError as the platform config.
 */
import type { z } from 'zod';
import { ConfigError } from './config.js';

export interface SettingsHandle<T> {
  (): T;
  /** Tests change the environment between platforms. */
  reset(): void;
}

export function serviceSettings<S extends z.ZodType>(schema: S): SettingsHandle<z.output<S>> {
  let cached: z.output<S> | undefined;
  const get = (() => {
    if (cached !== undefined) return cached;
    const parsed = schema.safeParse(process.env);
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((i) => ({ variable: String(i.path[0] ?? '?'), message: i.message })));
    }
    cached = parsed.data;
    return cached;
  }) as SettingsHandle<z.output<S>>;
  get.reset = () => {
    cached = undefined;
  };
  return get;
}
