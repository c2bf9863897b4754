/**
 * Concurrent timeline and location inserts share one unordered insertMany per round trip
 * (functions/tracking/batched-insert.ts), and each caller still gets its own document's
 * outcome. Against the real FerretDB; the connection-loss case goes through a TCP proxy
 * that drops the connection once the server has answered.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { MongoBulkWriteError, MongoClient, MongoServerError, type Document } from 'mongodb';
import { mongoCommands } from './mongo-commands.js';
import { closeClients, mongo, mongoClient } from '../../platform/clients.js';
import { config } from '../../platform/config.js';
import { partitionOf } from '../../functions/tracking/retention.js';
import { ensureIndexes, insertTimelineDoc, locationsCollection, insertSample, timelineCollection, timelineCollectionOf, writerTrim, type TimelineDoc } from '../../functions/tracking/store.js';
import { batchedInserter, DocumentRejectedError, outcomesOf } from '../../functions/tracking/batched-insert.js';
import { cleanupStores } from '../../local/run-cleanup.js';

const rank = 10;
const timelineDoc = (rideId: string, _id = randomUUID()): TimelineDoc => ({ _id, rideId, type: 'microride.ride.requested', rank, at: new Date() });

beforeAll(async () => {
  await ensureIndexes();
});
afterAll(async () => {
  await cleanupStores();
  await closeClients();
});

describe('batched inserts', () => {
  it('sends 50 concurrent timeline inserts in fewer commands, the first one at once', async () => {
    const rideId = randomUUID();
    const docs = Array.from({ length: 50 }, () => timelineDoc(rideId));
    let outcomes: string[] = [];
    const commands = await mongoCommands(async () => {
      outcomes = await Promise.all(docs.map((d) => insertTimelineDoc(d)));
    });
    expect(outcomes).toEqual(docs.map(() => 'inserted'));
    expect(await (await timelineCollectionOf(rideId)).countDocuments({ rideId })).toBe(50);

    expect([...new Set(commands.map((c) => `${c.name} ${String(c.collection)}`))]).toEqual([`insert ${(await timelineCollectionOf(rideId)).collectionName}`]);
    expect(commands.length).toBeGreaterThanOrEqual(1);
    expect(commands.length).toBeLessThan(50);
    // Every document went out exactly once; the first did not wait for company.
    expect(commands.flatMap((c) => c.ids).sort()).toEqual(docs.map((d) => d._id).sort());
    expect(commands[0]?.ids).toEqual([docs[0]?._id]);
  });

  it('batches location samples separately, in their own collection', async () => {
    const driverId = randomUUID();
    const at = new Date();
    const issued = await mongoCommands(async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => insertSample({ driverId, rideId: null, at, lat: 40 + i / 1000, lon: 9, heading: null, speedKmh: null })));
      await writerTrim();
    });
    // The process's first sample also starts the retention trim: one listing, no write.
    const commands = issued.filter((c) => c.name !== 'listCollections');
    expect(issued.length - commands.length).toBeLessThanOrEqual(1);
    // FerretDB: trim mode, so a sample off a ride goes to its hour's partition (retention.ts).
    const collection = partitionOf({ rideId: null, at });
    expect(await locationsCollection(collection).countDocuments({ driverId })).toBe(20);
    expect(commands.every((c) => c.name === 'insert' && c.collection === collection)).toBe(true);
    expect(commands.length).toBeLessThan(20);
    expect(commands.flatMap((c) => c.ids)).toHaveLength(20);
  });

  it('reports a duplicate to its own caller and stores the rest of its batch', async () => {
    const rideId = randomUUID();
    const old = timelineDoc(rideId);
    expect(await insertTimelineDoc(old)).toBe('inserted');

    // The first insert goes alone; the next five share one command: three new documents,
    // one already stored and one twice in the same batch (a redelivery racing the first).
    const again = timelineDoc(rideId);
    const batch = [timelineDoc(rideId), timelineDoc(rideId), { ...old }, timelineDoc(rideId), again, { ...again }];
    let outcomes: string[] = [];
    const commands = await mongoCommands(async () => {
      outcomes = await Promise.all(batch.map((d) => insertTimelineDoc(d)));
    });
    expect(commands.map((c) => c.ids)).toEqual([[batch[0]?._id], batch.slice(1).map((d) => d._id)]);
    expect(outcomes).toEqual(['inserted', 'inserted', 'duplicate', 'inserted', 'inserted', 'duplicate']);
    const stored = (await (await timelineCollectionOf(rideId)).find({ rideId }).toArray()).map((d) => d._id).sort();
    expect(stored).toEqual([old._id, ...batch.filter((d) => d !== batch[2] && d !== batch[5]).map((d) => d._id)].sort());
  });

  it('rejects only the caller whose document the server refuses', async () => {
    // FerretDB refuses a field name that starts with '$' (code 2, BadValue), per document.
    const scratch = () => mongo().collection<{ _id: string; $bad?: number }>('batched_scratch');
    const insert = batchedInserter(scratch);
    await insert({ _id: 'kept' });
    const results = await Promise.allSettled([
      insert({ _id: 'first' }),
      insert({ _id: 'a' }),
      insert({ _id: 'bad', $bad: 1 }),
      insert({ _id: 'kept' }),
      insert({ _id: 'b' }),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual(['inserted', 'inserted', 'rejected', 'duplicate', 'inserted']);
    const refusal = (results[2] as PromiseRejectedResult).reason as unknown;
    expect(refusal).toBeInstanceOf(DocumentRejectedError);
    expect(refusal).toMatchObject({ code: 2 });
    expect((refusal as Error).cause).toBeInstanceOf(MongoBulkWriteError);
    expect((await scratch().find().toArray()).map((d) => d._id).sort()).toEqual(['a', 'b', 'first', 'kept']);
  });

  it('rejects every caller of a batch whose answer was lost, though the server stored it', async () => {
    // A proxy to FerretDB that, once armed, drops the connection instead of forwarding the
    // answer to a request of more than 3 kB (a batch of padded documents, not one alone).
    let armed = false;
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect(27017, '127.0.0.1');
      let requested = 0;
      sockets.add(client).add(upstream);
      client.on('data', (d) => {
        requested += d.length;
        upstream.write(d);
      });
      upstream.on('data', (d) => {
        if (armed && requested > 3_000) {
          armed = false;
          client.destroy();
          upstream.destroy();
          return;
        }
        requested = 0;
        client.write(d);
      });
      for (const s of [client, upstream]) {
        s.on('error', () => undefined);
        s.on('close', () => {
          client.destroy();
          upstream.destroy();
        });
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as net.AddressInfo).port;
    const client = new MongoClient(`mongodb://127.0.0.1:${port}`, { serverSelectionTimeoutMS: 3_000, heartbeatFrequencyMS: 60_000 });
    try {
      const viaProxy = () => client.db(config().MONGO_DB).collection<TimelineDoc>('timeline');
      const insert = batchedInserter(viaProxy);
      const rideId = randomUUID();
      const padded = (): TimelineDoc & { pad: string } => ({ ...timelineDoc(rideId), pad: 'x'.repeat(2_000) });
      expect(await insert(timelineDoc(rideId))).toBe('inserted'); // connected, warm

      armed = true;
      const docs = [padded(), padded(), padded(), padded()];
      const results = await Promise.allSettled(docs.map((d) => insert(d)));
      expect(armed).toBe(false);
      // The first went alone and was answered; the other three went together and were not.
      expect(results[0]).toEqual({ status: 'fulfilled', value: 'inserted' });
      for (const r of results.slice(1)) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(MongoBulkWriteError);
        expect((r as PromiseRejectedResult).reason).not.toBeInstanceOf(DocumentRejectedError);
      }
      // They are stored all the same; the retry (the broker's redelivery) finds them there.
      expect(await timelineCollection().countDocuments({ rideId })).toBe(5);
      expect(await Promise.all(docs.slice(1).map((d) => insert(d)))).toEqual(['duplicate', 'duplicate', 'duplicate']);
    } finally {
      await client.close();
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('maps a bulk error to each document’s outcome, trusting only what the server accounted for', () => {
    // Shaped as the driver throws it (probed on FerretDB): write errors by index, the server's n.
    const bulk = (writeErrors: { index: number; code: number; errmsg: string }[], insertedCount: number, writeConcernError?: Document) =>
      new MongoBulkWriteError(
        { message: writeErrors[0]?.errmsg ?? 'write failed', code: writeErrors[0]?.code ?? 64, writeErrors: writeErrors as never },
        { insertedCount, getWriteConcernError: () => writeConcernError } as never,
      );
    const partly = bulk([{ index: 1, code: 11000, errmsg: 'E11000' }, { index: 3, code: 2, errmsg: 'invalid key' }], 2);
    const [a, b, c, d] = outcomesOf(partly, 4);
    expect([a, b, c]).toEqual(['inserted', 'duplicate', 'inserted']);
    expect(d).toBeInstanceOf(DocumentRejectedError);
    expect(d).toMatchObject({ code: 2, message: 'invalid key' });

    // Not every document accounted for (or the write concern failed): only the write errors are known.
    const short = bulk([{ index: 0, code: 11000, errmsg: 'E11000' }], 1);
    expect(outcomesOf(short, 3)).toEqual(['duplicate', short, short]);
    const unconfirmed = bulk([], 3, { code: 64, errmsg: 'waiting for replication timed out' });
    expect(outcomesOf(unconfirmed, 3)).toEqual([unconfirmed, unconfirmed, unconfirmed]);
    const down = new MongoServerError({ message: 'not primary', code: 10107 });
    expect(outcomesOf(down, 2)).toEqual([down, down]);
  });
});
