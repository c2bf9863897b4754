/**
 * accounts' limits, counted in Redis by platform/rate-limit.ts: logins per email and per
 * client address, registrations per client address. Each answers 429 with Retry-After.
 */
import { config } from '../../platform/config.js';
import { hitLimits } from '../../platform/rate-limit.js';

/** An IP serves many people (NAT, offices): it gets several times the per-email allowance. */
const IP_FACTOR = 5;

export async function checkLoginRate(email: string, ip: string): Promise<void> {
  const { LOGIN_RATE_LIMIT: limit, LOGIN_RATE_WINDOW_SECONDS: window } = config();
  await hitLimits([
    { what: 'login attempts', detail: 'too many login attempts for this email', setting: 'LOGIN_RATE_LIMIT', key: ['login', 'email', email.toLowerCase()], max: limit, windowMs: window * 1000 },
    { what: 'login attempts', detail: 'too many login attempts from this address', setting: 'LOGIN_RATE_LIMIT', key: ['login', 'ip', ip], max: limit * IP_FACTOR, windowMs: window * 1000 },
  ]);
}

/**
 * Every registration costs a deliberate ~50 ms of scrypt (SCRYPT_LOG_N) and a row: per
 * client address (platform/client-ip.ts) at most REGISTER_RATE_LIMIT per
 * REGISTER_RATE_WINDOW_SECONDS. Checked before the hash, so a refused one costs nothing.
 */
export async function checkRegisterRate(ip: string): Promise<void> {
  const { REGISTER_RATE_LIMIT: max, REGISTER_RATE_WINDOW_SECONDS: window } = config();
  await hitLimits([
    { what: 'registrations', detail: 'too many registrations from this address', setting: 'REGISTER_RATE_LIMIT', key: ['register', 'ip', ip], max, windowMs: window * 1000 },
  ]);
}
