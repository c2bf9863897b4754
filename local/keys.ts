/**
 * Development signing keys: in the cluster the JWT keys come from a Secret; on one
 * machine `npm start` keeps a generated pair in .local/keys so tokens survive restarts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKeyPairPem, resetKeys } from '../functions/runtime/auth/keys.js';
import { resetConfig } from '../functions/runtime/config.js';

export function ensureKeys(dir?: string): void {
  if (process.env.JWT_PRIVATE_KEY && process.env.JWT_PUBLIC_KEY) return;
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
  process.env.JWT_PRIVATE_KEY = pair.privateKey;
  process.env.JWT_PUBLIC_KEY = pair.publicKey;
  resetConfig();
  resetKeys();
}
