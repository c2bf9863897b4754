/**
 * One CloudEvent from an HTTP message, binary or structured mode, validated against the
 * spec: what every receiver does first (a function's event endpoint, the broker ingress,
 * the notifier, the dispatcher reading a subscriber's reply). Each turns the error into
 * its own answer (a 400 problem, a status, a log line); the messages are the same.
 */
import { CloudEvent } from 'cloudevents';
import { toEvent } from './to-event.js';

/** The message is not one valid CloudEvent; `message` says why (a 400's detail). */
export class InvalidCloudEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCloudEventError';
  }
}

const BATCH_REFUSED = 'batched CloudEvents are not accepted; send one event per request';

/**
 * `headers` with lower-case names (platform/http-headers.ts). `body` undefined (or empty)
 * in binary mode parses the attributes only: a caller that forwards the data bytes as
 * they came (the broker ingress) skips the SDK's data parse.
 */
export function parseCloudEvent(headers: Record<string, string>, body: string | undefined): CloudEvent<unknown> {
  // Checked before the SDK sees it: its batch parse throws on the first invalid member,
  // which would hide the reason that matters.
  if ((headers['content-type'] ?? '').startsWith('application/cloudevents-batch')) throw new InvalidCloudEventError(BATCH_REFUSED);
  try {
    const parsed = toEvent<unknown>({ headers, body: body ? body : undefined });
    // The SDK types the result as the CloudEventV1 interface; it is always the class.
    if (!(parsed instanceof CloudEvent)) throw new InvalidCloudEventError(BATCH_REFUSED);
    parsed.validate();
    return parsed;
  } catch (err) {
    if (err instanceof InvalidCloudEventError) throw err;
    throw new InvalidCloudEventError(`not a valid CloudEvent: ${(err as Error).message}`);
  }
}
