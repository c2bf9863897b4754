/**
 * How many crossings one ride of the rides benchmark makes, from the code rather than by
 * hand: its happy path (quote → request → offer → accept → arrived → start → complete →
 * payment) against the platform's Trigger catalog. Every event is POSTed once to the broker
 * ingress (by its function, or by the dispatcher when it is a reply) and published once to
 * RabbitMQ; each Trigger it matches takes one delivery from its queue and one HTTP POST to
 * its subscriber (a function or the notifier). Matching's offer round goes straight to
 * rides-offers (an internal call, not an event through the broker).
 */
import { allTriggers } from '../contracts/triggers.js';

/** The events of one ride in the rides benchmark, in order. */
export const RIDE_EVENTS = [
  'microride.ride.requested',
  'microride.ride.offered',
  'microride.ride.accepted',
  'microride.ride.driver_arrived',
  'microride.ride.started',
  'microride.ride.completed',
  'microride.payment.succeeded',
] as const;

/** The rider's and the driver's API calls: quote, request, accept, arrived, start, complete. */
const API_CALLS = 6;
/**
 * matching-request hands its offer round to rides-offers; rides-complete asks tracking for
 * the distance driven (one MongoDB read). Each an HTTP call through the gateway.
 */
const INTERNAL_CALLS = 2;
const MONGO_READS = 1;

export interface RidePlumbing {
  httpExchanges: number;
  publishes: number;
  deliveries: number;
  mongoOps: number;
  explain: string;
}

export function ridePlumbing(): RidePlumbing {
  const triggers = allTriggers();
  const matching = (type: string) => triggers.filter((t) => Object.entries(t.filter).every(([k, v]) => (k === 'type' ? v === type : false)));
  let deliveries = 0;
  let timeline = 0;
  for (const type of RIDE_EVENTS) {
    const subs = matching(type);
    if (subs.length === 0) throw new Error(`no Trigger takes ${type}: the rides benchmark's happy path is out of date`);
    deliveries += subs.length;
    timeline += subs.filter((t) => t.subscriber === 'tracking-timeline').length;
  }
  const publishes = RIDE_EVENTS.length;
  const httpExchanges = API_CALLS + INTERNAL_CALLS + publishes + deliveries;
  return {
    httpExchanges,
    publishes,
    deliveries,
    mongoOps: timeline + MONGO_READS,
    explain: `${API_CALLS} API calls + ${INTERNAL_CALLS} internal calls + ${publishes} event publishes + ${deliveries} deliveries = ${httpExchanges} HTTP exchanges; ${publishes} AMQP publishes and ${deliveries} deliveries; ${timeline} timeline inserts + ${MONGO_READS} distance read in MongoDB`,
  };
}
