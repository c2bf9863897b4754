/**
 * The simulator's HTTP client of the public API: JSON in and out, one counter per call, and
 * nothing else — no retries here, since whether a status is an error depends on the step
 * (a 409 on accept is a lost race, on a location ping it is not expected at all).
 */
import type { Stats } from './stats.js';

export interface Answer {
  status: number;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
  headers: Headers;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A call that never got an HTTP answer (refused connection, reset, timeout). */
export class NetworkError extends Error {
  constructor(readonly op: string, cause: unknown) {
    super(`${op}: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'NetworkError';
  }
}

export interface Api {
  readonly base: string;
  call(op: string, method: 'GET' | 'POST' | 'PUT', path: string, opts?: CallOptions): Promise<Answer>;
}

const CALL_TIMEOUT_MS = 15_000;

/** `op` names the call for counting errors, e.g. "POST /rides/{id}/accept". */
export function apiClient(base: string, stats: Stats): Api {
  const root = base.replace(/\/+$/, '');
  return {
    base: root,
    async call(op, method, path, opts = {}) {
      stats.count.apiCalls += 1;
      const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await fetch(`${root}${path}`, {
          method,
          headers,
          ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
          signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
        });
      } catch (err) {
        throw new NetworkError(op, err);
      }
      const text = await res.text().catch(() => '');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: res.status, body, headers: res.headers };
    },
  };
}

/** Seconds a 429 or 503 asks to wait, from its Retry-After header. */
export const retryAfterSeconds = (a: Answer): number | null => {
  const v = Number(a.headers.get('retry-after'));
  return Number.isFinite(v) && v >= 0 ? v : null;
};
