import { describe, expect, it } from 'vitest';
import app, { handle } from './app.js';

describe('ops-app handle', () => {
  it('serves the rider page and the driver page with their own scripts', () => {
    expect(handle({ page: 'rider' }, { notifierUrl: null, notifierPort: 8081, tileUrl: null })).toContain('/web/rider.js');
    expect(handle({ page: 'driver' }, { notifierUrl: null, notifierPort: 8081, tileUrl: null })).toContain('/web/driver.js');
  });

  it('has no other page: 422 naming the path parameter', async () => {
    const res = await app.request('/app/admin');
    expect(res.status).toBe(422);
    expect(JSON.stringify(await res.json())).toContain('page');
  });

  it('answers HTML that only runs its own scripts (CSP)', async () => {
    const res = await app.request('/app/rider');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
