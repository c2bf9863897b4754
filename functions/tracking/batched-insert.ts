/**
 * Coalesces concurrent inserts into one collection: one `insertMany(docs, { ordered: false })`
 * per round trip instead of one `insert` command per document.
 *
 * Why: tracking's hot paths only insert (store.ts), one document per ride event or position.
 * Under load that is hundreds of one-document `insert` commands a second, and each costs
 * FerretDB about 0.45 ms of CPU and Node a socket write, however small the document. A
 * batch costs about the same per command. No timer, so no latency at low load: the first
 * insert goes out at once; the ones requested while it is in flight wait for it and then go
 * out together (at most `maxBatch`), and so on.
 *
 * Each caller gets its own document's outcome, as if it had called insertOne:
 *   'inserted'   stored;
 *   'duplicate'  a document with its _id is already there (E11000 for its index);
 *   rejected     the server refused that document for another reason (DocumentRejectedError),
 *                or the batch failed and it is not known to be stored (the batch's error).
 * "Known to be stored" needs care, measured on FerretDB 1.24 with driver 7.9: a partly
 * failed unordered insertMany throws MongoBulkWriteError with `writeErrors[i].index` (into
 * the batch) and `.code`, and `insertedCount` = the server's `n`; but when the connection
 * drops after the server wrote, it throws a MongoBulkWriteError too, with no writeErrors,
 * insertedCount 0 and `insertedIds` listing EVERY document: insertedIds is the attempted ids
 * minus the write errors, not what the server confirmed. So a document counts as stored only
 * when the server accounted for the whole batch (insertedCount + write errors = batch size)
 * without a write concern error. Otherwise its caller is rejected and the work is retried
 * (the broker redelivers; an _id already stored then comes back as 'duplicate').
 */
import { MongoBulkWriteError, type Collection, type Document, type OptionalUnlessRequiredId } from 'mongodb';

export type InsertOutcome = 'inserted' | 'duplicate';

/** The server refused this one document of a batch for a reason other than a duplicate key. */
export class DocumentRejectedError extends Error {
  override readonly name = 'DocumentRejectedError';
  constructor(
    message: string,
    /** The server's error code for this document, e.g. 2 (BadValue). */
    readonly code: number,
    readonly errInfo?: Document,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DUPLICATE_KEY = 11000;

/** Each document's outcome (or error) when an unordered insertMany of `count` documents threw `err`. */
export function outcomesOf(err: unknown, count: number): (InsertOutcome | Error)[] {
  const failure = err instanceof Error ? err : new Error(String(err));
  if (!(err instanceof MongoBulkWriteError)) return Array.from({ length: count }, () => failure);
  const writeErrors = new Map([err.writeErrors].flat().map((w) => [w.index, w]));
  const accountedFor = err.insertedCount + writeErrors.size === count && !err.result.getWriteConcernError();
  return Array.from({ length: count }, (_, i) => {
    const w = writeErrors.get(i);
    if (!w) return accountedFor ? 'inserted' : failure;
    if (w.code === DUPLICATE_KEY) return 'duplicate';
    return new DocumentRejectedError(w.errmsg ?? `write error ${w.code}`, w.code, w.errInfo, { cause: err });
  });
}

interface Waiter<T> {
  doc: T;
  resolve: (outcome: InsertOutcome) => void;
  reject: (err: Error) => void;
}

/**
 * An insert function for one collection that batches as described above. `collection` is
 * called for every batch, so the current client (and test database) is always used.
 */
/** When a command may run: `work` is called once, its promise returned. */
export type Gate = (work: () => Promise<void>) => Promise<void>;

/**
 * A gate that lets one command through at a time, in arrival order: for inserts spread
 * over many collections, which cannot share a command.
 */
export function oneAtATime(): Gate {
  let waiting = 0;
  let last: Promise<void> = Promise.resolve();
  return (work) => {
    // Nothing in flight: go now, not a microtask later (a lone insert waits for nobody).
    const run = waiting === 0 ? work() : last.then(work, work);
    waiting += 1;
    const settled = run.catch(() => undefined).then(() => void (waiting -= 1));
    last = settled;
    return run;
  };
}

export function batchedInserter<T extends Document>(
  collection: () => Collection<T>,
  maxBatch = 500,
  /**
   * Runs each command when the caller allows (e.g. one command at a time across many
   * collections); documents requested while a command waits join its batch.
   */
  gate: Gate = (work) => work(),
): (doc: OptionalUnlessRequiredId<T>) => Promise<InsertOutcome> {
  let queue: Waiter<OptionalUnlessRequiredId<T>>[] = [];
  let inFlight = false;

  const send = (): void => {
    inFlight = true;
    void gate(sendBatch);
  };

  const sendBatch = async (): Promise<void> => {
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
    let outcomes: (InsertOutcome | Error)[];
    try {
      await collection().insertMany(batch.map((w) => w.doc), { ordered: false });
      outcomes = batch.map(() => 'inserted');
    } catch (err) {
      outcomes = outcomesOf(err, batch.length);
    }
    batch.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o instanceof Error) w.reject(o);
      else w.resolve(o);
    });
    // Before the callers' continuations run: an insert they make next starts the next batch.
    inFlight = false;
    if (queue.length > 0) send();
  };

  return (doc) =>
    new Promise<InsertOutcome>((resolve, reject) => {
      queue.push({ doc, resolve, reject });
      if (!inFlight) send();
    });
}
