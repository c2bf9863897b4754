/**
 * Delivers a CloudEvent to an event function as a Trigger's dispatcher does (binary mode),
 * at the platform's internal listener (`baseUrl`: its internalUrl; the public gateway has no /_fn).
 */
import { randomUUID } from 'node:crypto';
import { CloudEvent, HTTP } from 'cloudevents';

export interface Delivery {
  id?: string;
  time?: Date;
  source?: string;
}

export async function deliver(baseUrl: string, fn: string, type: string, data: Record<string, unknown>, d: Delivery = {}): Promise<Response> {
  const event = new CloudEvent({
    id: d.id ?? randomUUID(),
    source: d.source ?? '/microride/test',
    type,
    subject: typeof data.rideId === 'string' ? data.rideId : undefined,
    time: (d.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    data,
  });
  const message = HTTP.binary(event);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers)) headers[k] = String(v);
  return fetch(`${baseUrl}/_fn/${fn}/`, { method: 'POST', headers, body: message.body as string });
}
