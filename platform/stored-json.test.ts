import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseStoredJson } from './stored-json.js';

const point = z.object({ lat: z.number(), lon: z.number() });

describe('parseStoredJson', () => {
  it('returns the value when it is JSON of the shape', () => {
    expect(parseStoredJson(point, '{"lat":1,"lon":2,"extra":3}')).toEqual({ lat: 1, lon: 2 });
  });

  it('treats missing, malformed and misshapen values as absent', () => {
    expect(parseStoredJson(point, null)).toBeNull();
    expect(parseStoredJson(point, undefined)).toBeNull();
    expect(parseStoredJson(point, '')).toBeNull();
    expect(parseStoredJson(point, '{"lat":1,')).toBeNull();
    expect(parseStoredJson(point, '{"lat":"1","lon":2}')).toBeNull();
  });
});
