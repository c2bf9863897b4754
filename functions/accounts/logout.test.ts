import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handle, type Stores } from './logout.js';

function fakes(over: Partial<Stores> = {}) {
  const steps: string[] = [];
  const logs: [unknown, string | undefined][] = [];
  const stores: Stores = {
    revokeSession: async (sessionId) => void steps.push(`redis ${sessionId}`),
    revokeSessionRow: async (sessionId, reason) => void steps.push(`row ${sessionId} (${reason})`),
    ...over,
  };
  return { stores, steps, logs, log: { info: (obj: unknown, msg?: string) => void logs.push([obj, msg]) } };
}

describe('accounts-logout handle', () => {
  it('marks the session revoked in Redis first (what every verifier checks), then its row, and logs it', async () => {
    const { stores, steps, logs, log } = fakes();
    const [sessionId, userId] = [randomUUID(), randomUUID()];
    await expect(handle({ sessionId, userId, log }, stores)).resolves.toBeUndefined();
    expect(steps).toEqual([`redis ${sessionId}`, `row ${sessionId} (logout)`]);
    expect(logs).toEqual([[{ userId, sessionId }, 'logout']]);
  });

  it('fails without touching the row when Redis cannot take the revocation, so the client can retry', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { stores, steps, logs, log } = fakes({ revokeSession: () => Promise.reject(down) });
    await expect(handle({ sessionId: randomUUID(), userId: randomUUID(), log }, stores)).rejects.toBe(down);
    expect(steps).toEqual([]);
    expect(logs).toEqual([]);
  });
});
