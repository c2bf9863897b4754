import { describe, expect, it } from 'vitest';
import { parseOptions } from './options.js';

describe('simulate flags', () => {
  it('default to a small city on the local platform', () => {
    expect(parseOptions([])).toMatchObject({ api: 'http://localhost:8080', ws: 'ws://localhost:8081/ws', drivers: 200, riders: 400 });
  });

  it('take values and name a bad one', () => {
    expect(parseOptions(['--drivers', '20', '--ping-seconds', '2', '--json'])).toMatchObject({ drivers: 20, pingSeconds: 2, json: true });
    expect(() => parseOptions(['--ping-seconds', '0.5'])).toThrow(/--ping-seconds/);
    expect(() => parseOptions(['--ws', 'http://x'])).toThrow(/--ws/);
    expect(() => parseOptions(['--nope', '1'])).toThrow();
  });
});
