/**
 * The tick: the event a scheduled function subscribes to (a catalog type such as
 * `microride.matching.tick`). One builder for both emitters, so a function sees the same
 * event on one machine and in the cluster: the local ticker (eventing/ticker.ts) sends it
 * on a timer, and the cluster's tick relay (platform/tick-relay.ts) answers a PingSource
 * ping with it. Plain data, no dependency: the relay starts in milliseconds from zero.
 */

/** `source` of every tick. */
export const TICK_SOURCE = '/microride/tick';
/** CloudEvent extension a PingSource carries to name the tick type the relay answers with. */
export const TICK_EXTENSION = 'microridetick';

/** A type, not an interface: it passes where the SDK wants an object of attributes. */
export type TickEvent = {
  specversion: '1.0';
  id: string;
  source: typeof TICK_SOURCE;
  type: string;
  subject: 'tick';
  time: string;
  datacontenttype: 'application/json';
  data: Record<string, never>;
};

/** The tick of `type`, named `id` (the relay derives it from the ping: a redelivered ping is the same tick). */
export function tickEvent(type: string, id: string, time: Date = new Date()): TickEvent {
  return { specversion: '1.0', id, source: TICK_SOURCE, type, subject: 'tick', time: time.toISOString(), datacontenttype: 'application/json', data: {} };
}

/** The tick as a binary-mode HTTP message: `ce-` headers for the attributes, the data as the body. */
export function tickMessage(tick: TickEvent): { headers: Record<string, string>; body: string } {
  const { datacontenttype, data, ...attributes } = tick;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) headers[`ce-${k}`] = v;
  headers['content-type'] = datacontenttype;
  return { headers, body: JSON.stringify(data) };
}
