/**
 * Access-token keys. Tokens are EdDSA (Ed25519) JWTs: accounts signs with the private
 * key; every other function verifies locally with the public key — no call to accounts.
 */
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import { importPKCS8, exportJWK, calculateJwkThumbprint, type JWK, type CryptoKey } from 'jose';
import { requireConfig } from '../config.js';

export const ALG = 'EdDSA';

let verifyKey: KeyObject | undefined;
let signKey: Promise<{ key: CryptoKey; kid: string }> | undefined;
let jwks: Promise<{ keys: JWK[] }> | undefined;

/** A node:crypto KeyObject: jose verifies with it about twice as fast as with a WebCrypto key. */
export function verificationKey(): KeyObject {
  verifyKey ??= createPublicKey(requireConfig('JWT_PUBLIC_KEY', 'verifies access tokens'));
  return verifyKey;
}

export function signingKey(): Promise<{ key: CryptoKey; kid: string }> {
  signKey ??= (async () => {
    const pem = requireConfig('JWT_PRIVATE_KEY', 'signs access tokens');
    const key = await importPKCS8(pem, ALG);
    return { key, kid: await keyId(pem) };
  })();
  return signKey;
}

/** The JWKS document served at /.well-known/jwks.json. */
export function publicJwks(): Promise<{ keys: JWK[] }> {
  jwks ??= (async () => {
    const pem = requireConfig('JWT_PUBLIC_KEY', 'published in the JWKS');
    const jwk = await exportJWK(createPublicKey(pem));
    return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALG, use: 'sig' }] };
  })();
  return jwks;
}

/** kid = RFC 7638 thumbprint of the public half, so signer and JWKS always agree. */
async function keyId(privatePem: string): Promise<string> {
  const jwk = await exportJWK(createPublicKey(privatePem));
  return calculateJwkThumbprint(jwk);
}

/** A fresh key pair as PEM (used by `npm start` on first run and by tests). */
export function generateKeyPairPem(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Forget imported keys (tests swap keys between cases). */
export function resetKeys(): void {
  verifyKey = undefined;
  signKey = undefined;
  jwks = undefined;
}
