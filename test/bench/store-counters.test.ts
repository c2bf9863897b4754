import { describe, expect, it } from 'vitest';
import { countsPer, readStoreCounters } from '../../bench/store-counters.js';
import { closeClients, db, redis } from '../../platform/clients.js';

describe('readStoreCounters (real PostgreSQL and Redis)', () => {
  it('sees Redis commands and PostgreSQL transactions made between two readings', async () => {
    const before = await readStoreCounters();
    for (let i = 0; i < 50; i++) await redis().ping();
    for (let i = 0; i < 20; i++) await db().raw('select 1');
    // PostgreSQL publishes a backend's counts at most once a second, and at once when it
    // exits: end the pool's connections so the 20 transactions are counted.
    await closeClients();
    const after = await readStoreCounters();
    const per = countsPer(before, after, 1);
    expect(per.redisCommands).toBeGreaterThanOrEqual(50);
    expect(per.pgTransactions).toBeGreaterThanOrEqual(20);
  });

  it('divides the differences by the unit and leaves out its own reading', () => {
    expect(countsPer({ pgTransactions: 100, redisCommands: 1000 }, { pgTransactions: 141, redisCommands: 1201 }, 20)).toEqual({ pgTransactions: 2, redisCommands: 10 });
    expect(countsPer({ pgTransactions: 1, redisCommands: 1 }, { pgTransactions: 9, redisCommands: 9 }, 0)).toEqual({ pgTransactions: 0, redisCommands: 0 });
  });
});
