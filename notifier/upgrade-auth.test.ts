import { describe, expect, it } from 'vitest';
import { HttpProblem } from '../platform/problem.js';
import { parseUpgrade, tokenFromProtocol } from './upgrade-auth.js';

const fail = (f: () => unknown): HttpProblem => {
  try {
    f();
  } catch (e) {
    if (e instanceof HttpProblem) return e;
    throw e;
  }
  throw new Error('did not fail');
};

describe('notifier upgrade parsing', () => {
  it('takes the token from "bearer, <token>" and answers with sub-protocol bearer', () => {
    expect(tokenFromProtocol('bearer, abc.def.ghi')).toBe('abc.def.ghi');
    expect(parseUpgrade({ query: 'since=1-0', protocol: 'bearer, abc.def.ghi' })).toEqual({ token: 'abc.def.ghi', since: '1-0', protocol: 'bearer' });
  });

  it('refuses ?token= by default with 400 naming the field, even beside a header token', () => {
    for (const protocol of ['', 'bearer, abc.def.ghi']) {
      const p = fail(() => parseUpgrade({ query: 'token=abc.def.ghi', protocol }));
      expect(p.status).toBe(400);
      expect(p.extra.errors).toEqual([{ path: 'token', message: expect.stringMatching(/Sec-WebSocket-Protocol/) }]);
    }
  });

  it('accepts ?token= with NOTIFIER_QUERY_TOKEN on (no sub-protocol to answer), the header still preferred', () => {
    const on = { queryToken: true };
    expect(parseUpgrade({ query: 'token=q.q.q', protocol: '' }, on)).toEqual({ token: 'q.q.q', since: undefined, protocol: '' });
    expect(parseUpgrade({ query: 'token=q.q.q', protocol: 'bearer, h.h.h' }, on).token).toBe('h.h.h');
  });

  it('is a 401 naming only the header when no token came and query tokens are off', () => {
    const p = fail(() => parseUpgrade({ query: '', protocol: '' }));
    expect(p.status).toBe(401);
    expect(p.detail).toBe('missing access token: send Sec-WebSocket-Protocol: bearer, <JWT>');
    // "?token=" (empty) counts as absent, not as a query token.
    expect(fail(() => parseUpgrade({ query: 'token=', protocol: '' })).status).toBe(401);
  });
});
