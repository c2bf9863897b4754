import { describe, expect, it } from 'vitest';
import { handle } from './admin-users.js';
import { userRow } from './test-support.js';

describe('accounts-admin-users handle', () => {
  it('passes the filter on and returns the page with its total, without password hashes', async () => {
    const rows = [userRow({ email: 'b@example.com' }), userRow({ email: 'a@example.com', role: 'driver' })];
    const asked: unknown[] = [];
    const page = await handle({ role: 'rider', email: 'EXAMPLE', limit: 2, offset: 4 }, {
      listUsers: async (f) => {
        asked.push(f);
        return { rows, total: 7 };
      },
    });
    expect(asked).toEqual([{ role: 'rider', email: 'EXAMPLE', limit: 2, offset: 4 }]);
    expect(page).toMatchObject({ total: 7, limit: 2, offset: 4 });
    expect(page.items.map((u) => u.email)).toEqual(['b@example.com', 'a@example.com']);
    expect(JSON.stringify(page)).not.toContain('scrypt');
  });
});
