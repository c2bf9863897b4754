import { describe, expect, it } from 'vitest';
import { Curbside } from './curbside.js';

describe('the kerb', () => {
  it('passes the code the rider told, before or after the driver asks', async () => {
    const kerb = new Curbside();
    kerb.tell('r1', '4711');
    expect(await kerb.hear('r1', 1_000)).toBe('4711');
    const later = kerb.hear('r2', 1_000);
    kerb.tell('r2', '0815');
    expect(await later).toBe('0815');
  });

  it('gives null when the rider had no code or said nothing in time', async () => {
    const kerb = new Curbside();
    kerb.tell('r3', null);
    expect(await kerb.hear('r3', 1_000)).toBeNull();
    expect(await kerb.hear('r4', 10)).toBeNull();
  });
});
