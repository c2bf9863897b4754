import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provideSettings } from '../../platform/config.js';
import { generateKeyPairPem, resetKeys } from '../../platform/auth/keys.js';
import { handle } from './jwks.js';
import { signAccessToken } from './tokens.js';

describe('accounts-jwks handle', () => {
  beforeAll(() => {
    const { privateKey, publicKey } = generateKeyPairPem();
    provideSettings({ JWT_PRIVATE_KEY: privateKey, JWT_PUBLIC_KEY: publicKey });
    resetKeys();
  });
  afterAll(() => {
    provideSettings({ JWT_PRIVATE_KEY: undefined, JWT_PUBLIC_KEY: undefined });
    resetKeys();
  });

  it('publishes one Ed25519 signing key with its thumbprint as kid, and no private part', async () => {
    const { keys } = await handle();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(keys[0]!.kid).toMatch(/^[\w-]{43}$/);
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('verifies the access tokens accounts signs, by kid', async () => {
    const token = await signAccessToken({ id: '00000000-0000-4000-8000-000000000001', role: 'rider' }, 'session-1');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await handle()), { typ: 'at+jwt' });
    expect(protectedHeader.kid).toBe((await handle()).keys[0]!.kid);
    expect(payload).toMatchObject({ sub: '00000000-0000-4000-8000-000000000001', role: 'rider', sid: 'session-1' });
  });

  it('serves whatever key set its store holds', async () => {
    const set = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc', kid: 'k1' }] };
    expect(await handle({}, { publicJwks: async () => set })).toBe(set);
  });
});
