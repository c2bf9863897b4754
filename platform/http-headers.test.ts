import { describe, expect, it } from 'vitest';
import { plainHeaders } from './http-headers.js';

describe('plainHeaders', () => {
  it('keeps single values, joins repeated ones with ", " and drops absent ones', () => {
    expect(
      plainHeaders({ 'content-type': 'application/json', 'ce-id': 'a-1', 'set-cookie': ['a=1', 'b=2'], 'x-none': undefined }),
    ).toEqual({ 'content-type': 'application/json', 'ce-id': 'a-1', 'set-cookie': 'a=1, b=2' });
  });

  it('gives a fresh object (callers may add to it)', () => {
    const headers = { 'ce-id': 'x' };
    const plain = plainHeaders(headers);
    plain['ce-type'] = 't';
    expect(headers).toEqual({ 'ce-id': 'x' });
  });

  it('turns an empty set of headers into an empty object', () => {
    expect(plainHeaders({})).toEqual({});
  });
});
