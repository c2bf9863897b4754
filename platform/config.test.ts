import { describe, expect, it } from 'vitest';
import { ConfigError, configSchema, parseSettings } from './config.js';

describe('platform config: dev mode', () => {
  it('refuses MICRORIDE_DEV_MODE=true with NODE_ENV=production, naming the flag', () => {
    const err = (() => {
      try {
        parseSettings(configSchema, { NODE_ENV: 'production', MICRORIDE_DEV_MODE: 'true' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([{ variable: 'MICRORIDE_DEV_MODE', message: expect.stringMatching(/must not be true when NODE_ENV=production/) }]);
    expect((err as ConfigError).message).toMatch(/^MICRORIDE_DEV_MODE: must not be true when NODE_ENV=production/);
  });

  it('allows dev mode outside production, and production without it', () => {
    for (const NODE_ENV of ['development', 'test']) {
      expect(parseSettings(configSchema, { NODE_ENV, MICRORIDE_DEV_MODE: 'true' }).MICRORIDE_DEV_MODE).toBe(true);
    }
    expect(parseSettings(configSchema, { NODE_ENV: 'production', MICRORIDE_DEV_MODE: 'false' }).MICRORIDE_DEV_MODE).toBe(false);
    expect(parseSettings(configSchema, { NODE_ENV: 'production' }).MICRORIDE_DEV_MODE).toBe(false);
  });

  it('has registration limit defaults (20 per address per hour)', () => {
    expect(parseSettings(configSchema, {})).toMatchObject({ REGISTER_RATE_LIMIT: 20, REGISTER_RATE_WINDOW_SECONDS: 3600 });
  });
});
