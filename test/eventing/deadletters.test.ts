/** The eventing-deadletters function: stores what the broker gave up on, once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP } from 'cloudevents';
import app from '../../functions/eventing/deadletters.js';
import { migrations } from '../../functions/eventing/migrations.js';
import { closeClients, db, schemaName } from '../../platform/clients.js';
import { dropSchema, migrate } from '../../platform/migrate.js';
import { listen, type Served } from '../../platform/serve.js';
import { startBroker, type RunningBroker } from '../../eventing/broker/index.js';
import { withErrorExtensions } from '../../eventing/broker/deadletter.js';
import { AMQP_URL, sendBinary, sleep, startSubscriber, testEvent, trigger, uniquePrefix, type Subscriber } from './helpers.js';

interface Row {
  id: string;
  type: string;
  error_dest: string;
  error_code: number | null;
  error_data: string | null;
  error_text: string | null;
  event: { data: unknown; knativeerrorcode: unknown };
}
const rows = async (id: string) => (await db()(`${schemaName('eventing')}.dead_letters`).where({ id })) as Row[];

let served: Served;
let refusing: Subscriber;
let broker: RunningBroker;

beforeAll(async () => {
  await migrate('eventing', migrations);
  served = await listen(app.fetch, 0, '127.0.0.1');
  refusing = await startSubscriber(() => ({ status: 422, headers: { 'content-type': 'text/plain' }, body: 'fare is negative' }));
  broker = await startBroker({
    amqpUrl: AMQP_URL,
    prefix: uniquePrefix('dls'),
    port: 0,
    triggers: [trigger('refuser', { type: 'test.refused' })],
    subscriberUrl: () => refusing.url,
    deadLetterUrl: served.url,
  });
});

afterAll(async () => {
  await broker?.close();
  await broker?.deleteTopology();
  await refusing?.close();
  await served?.close();
  await dropSchema('eventing');
  await closeClients();
});

describe('eventing-deadletters', () => {
  it('stores a dead-lettered event with its knativeerror* extensions (end to end)', async () => {
    const e = testEvent('test.refused', { fare: -1 });
    expect((await sendBinary(broker.url, e)).status).toBe(202);
    let found: Row[] = [];
    const deadline = Date.now() + 10_000;
    while (found.length === 0 && Date.now() < deadline) {
      await sleep(50);
      found = await rows(e.id);
    }
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      type: 'test.refused',
      error_dest: refusing.url,
      error_code: 422,
      error_data: Buffer.from('fare is negative').toString('base64'),
      error_text: 'fare is negative',
    });
    expect(found[0]!.event.data).toEqual({ fare: -1 });
  });

  it('a redelivered dead letter is stored once', async () => {
    const dead = withErrorExtensions(testEvent('test.refused'), { dest: 'http://x/', code: 503, body: Buffer.from('down') });
    for (let i = 0; i < 2; i++) {
      const m = HTTP.binary(dead);
      const res = await app.request('/', { method: 'POST', headers: m.headers as Record<string, string>, body: m.body as string });
      expect(res.status).toBe(202);
    }
    expect(await rows(dead.id)).toHaveLength(1);
  });
});
