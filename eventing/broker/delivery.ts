/**
 * Delivers one event to one URL under a Trigger's delivery spec: the first attempt plus
 * up to `retry` retries, waiting the backoff before each, retrying only what Knative
 * retries. The outcome says what to do next (ack, reply, dead-letter).
 */
import type { CloudEvent } from 'cloudevents';
import { postEvent, replyOf, type SendResult } from '../../platform/events/http-send.js';
import { backoffMs, isRetryable, isSuccess, type RetryPolicy } from './retry.js';

export type Outcome =
  | { kind: 'delivered'; status: number; attempts: number; reply: CloudEvent<unknown> | undefined; replyError?: string }
  | { kind: 'failed'; status: number; body: Buffer; attempts: number }
  | { kind: 'aborted'; attempts: number };

export interface DeliverOptions {
  policy: RetryPolicy;
  timeoutMs: number;
  /**
   * Set when the channel carrying the message is gone: backoff waits end and no further
   * attempt is made. A request already in flight is left to finish (its answer is then
   * ignored): an abort listener per request costs more than it would ever save.
   */
  signal: AbortSignal;
  headers?: Record<string, string>;
}

function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve(!signal.aborted);
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function deliver(url: string, event: CloudEvent<unknown>, opts: DeliverOptions): Promise<Outcome> {
  const { policy } = opts;
  let last: { status: number; body: Buffer } = { status: 0, body: Buffer.alloc(0) };
  for (let attempt = 1; attempt <= policy.retry + 1; attempt++) {
    if (attempt > 1 && !(await sleep(backoffMs(policy.policy, policy.delayMs, attempt - 1), opts.signal))) {
      return { kind: 'aborted', attempts: attempt - 1 };
    }
    let res: SendResult;
    try {
      res = await postEvent(url, event, { timeoutMs: opts.timeoutMs, ...(opts.headers ? { headers: opts.headers } : {}) });
    } catch (err) {
      if (opts.signal.aborted) return { kind: 'aborted', attempts: attempt };
      // Knative reports a failed dispatch as 500 with "dispatch error: …" as the data.
      last = { status: 500, body: Buffer.from(`dispatch error: ${(err as Error).message}`) };
      continue;
    }
    if (opts.signal.aborted) return { kind: 'aborted', attempts: attempt };
    if (isSuccess(res.status)) {
      try {
        return { kind: 'delivered', status: res.status, attempts: attempt, reply: replyOf(res) };
      } catch (err) {
        return { kind: 'delivered', status: res.status, attempts: attempt, reply: undefined, replyError: (err as Error).message };
      }
    }
    last = { status: res.status, body: res.body };
    if (!isRetryable({ status: res.status })) return { kind: 'failed', status: res.status, body: res.body, attempts: attempt };
  }
  return { kind: 'failed', status: last.status, body: last.body, attempts: policy.retry + 1 };
}
