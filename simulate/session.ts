/**
 * A simulated person's account: sign-up (or sign-in when the seed's account already
 * exists from an earlier run), and an access token that is refreshed before it expires.
 * Limits are met the way an app meets them: a short Retry-After is waited out, a long one
 * (the hourly registration limit) stops the run with the setting to raise.
 */
import { z } from 'zod';
import type { Api, Answer } from './api.js';
import { retryAfterSeconds } from './api.js';
import type { Stats } from './stats.js';

const tokensSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  expiresIn: z.number(),
  user: z.object({ id: z.string() }),
});

/** The platform refused for a limit the simulator cannot wait out. */
export class LimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitError';
  }
}

/** The longest Retry-After the set-up waits out; a longer one stops the run. */
const MAX_WAIT_SECONDS = 65;

const limitName = (a: Answer): string => {
  const parsed = z.object({ limit: z.string() }).safeParse(a.body);
  return parsed.success ? parsed.data.limit : 'a rate limit';
};

export interface Person {
  email: string;
  password: string;
  name: string;
  role: 'rider' | 'driver';
}

export class Session {
  userId = '';
  token = '';
  private refreshToken = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly api: Api, private readonly stats: Stats, readonly person: Person) {}

  /**
   * Registers (409: the account exists, fine) and signs in. With `known`, the seed's
   * accounts exist from an earlier run: it signs in first and registers only if refused,
   * so a rerun does not spend registrations (REGISTER_RATE_LIMIT) on accounts it has.
   */
  async open(sleep: (ms: number) => Promise<void>, known = false): Promise<'created' | 'existed'> {
    if (known && (await this.signIn(sleep, true))) return 'existed';
    const reg = await this.api.call('POST /auth/register', 'POST', '/api/v1/auth/register', { body: this.person });
    if (reg.status === 429) {
      throw new LimitError(
        `registration refused by ${limitName(reg)} (retry after ${retryAfterSeconds(reg) ?? '?'} s): run the platform with REGISTER_RATE_LIMIT raised (README, "Simulate a city")`,
      );
    }
    if (reg.status !== 201 && reg.status !== 409) throw new Error(`register ${this.person.email}: HTTP ${reg.status}`);
    await this.signIn(sleep, false);
    return reg.status === 201 ? 'created' : 'existed';
  }

  /** Signs in; false on 401 when `mayFail` (the account may not exist yet). */
  private async signIn(sleep: (ms: number) => Promise<void>, mayFail: boolean): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.api.call('POST /auth/login', 'POST', '/api/v1/auth/login', {
        body: { email: this.person.email, password: this.person.password },
      });
      if (res.status === 429) {
        const wait = retryAfterSeconds(res) ?? MAX_WAIT_SECONDS;
        if (wait > MAX_WAIT_SECONDS || attempt >= 5) {
          throw new LimitError(`sign-in refused by ${limitName(res)}: run the platform with LOGIN_RATE_LIMIT raised (README, "Simulate a city")`);
        }
        await sleep(wait * 1000 + 100);
        continue;
      }
      if (res.status === 401 && mayFail) return false;
      if (res.status === 401) throw new Error(`sign-in ${this.person.email}: 401 — the account exists with another password (use another --seed)`);
      if (res.status !== 200) throw new Error(`sign-in ${this.person.email}: HTTP ${res.status}`);
      this.take(res);
      return true;
    }
  }

  private take(res: Answer): void {
    const t = tokensSchema.parse(res.body);
    this.userId = t.user.id;
    this.token = t.accessToken;
    this.refreshToken = t.refreshToken;
    clearTimeout(this.timer);
    // Well before expiry, so no call ever carries an expired token.
    this.timer = setTimeout(() => void this.refresh(), Math.max(10, t.expiresIn * 0.75) * 1000);
    this.timer.unref();
  }

  async refresh(): Promise<void> {
    const res = await this.api
      .call('POST /auth/refresh', 'POST', '/api/v1/auth/refresh', { body: { refreshToken: this.refreshToken } })
      .catch(() => null);
    if (res?.status === 200) return this.take(res);
    this.stats.error(`POST /auth/refresh ${res?.status ?? 'network'}`);
    await this.signIn((ms) => new Promise((r) => setTimeout(r, ms)), false).catch(() => undefined);
  }

  close(): void {
    clearTimeout(this.timer);
  }
}
