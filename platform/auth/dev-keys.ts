/**
 * Development secrets: in the cluster the JWT keys and the quote secret come from a
 * Secret; on one machine `npm start` keeps generated ones in .local/keys so tokens and
 * quotes survive restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairPem, resetKeys } from './keys.js';
import { provideSettings, settingsSource } from '../config.js';
import { resetVerifiedTokens } from './verify.js';

export function ensureKeys(dir?: string): void {
  const changedJwt = ensureJwtKeys(dir);
  ensureQuoteSecret(dir);
  if (changedJwt) resetKeys();
}

function ensureJwtKeys(dir?: string): boolean {
  const have = settingsSource();
  if (have.JWT_PRIVATE_KEY && have.JWT_PUBLIC_KEY) return false;
  let pair: { privateKey: string; publicKey: string };
  if (dir) {
    const priv = join(dir, 'jwt-private.pem');
    const pub = join(dir, 'jwt-public.pem');
    if (existsSync(priv) && existsSync(pub)) {
      pair = { privateKey: readFileSync(priv, 'utf8'), publicKey: readFileSync(pub, 'utf8') };
    } else {
      pair = generateKeyPairPem();
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(priv, pair.privateKey, { mode: 0o600 });
      writeFileSync(pub, pair.publicKey);
    }
  } else {
    pair = generateKeyPairPem();
  }
  provideSettings({ JWT_PRIVATE_KEY: pair.privateKey, JWT_PUBLIC_KEY: pair.publicKey });
  return true;
}

/** The HMAC key of fare quotes (functions/analysis/quote-token.ts). */
function ensureQuoteSecret(dir?: string): boolean {
  if (settingsSource().QUOTE_SECRET) return false;
  let secret: string;
  const file = dir ? join(dir, 'quote-secret') : undefined;
  if (file && existsSync(file)) {
    secret = readFileSync(file, 'utf8').trim();
  } else {
    secret = randomBytes(32).toString('base64url'); // 43 characters
    if (dir && file) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      writeFileSync(file, secret, { mode: 0o600 });
    }
  }
  provideSettings({ QUOTE_SECRET: secret });
  return true;
}
