/** Shapes of the operations endpoints over dead letters and parked outbox rows. */
import { z } from '@hono/zod-openapi';
import { OUTBOX_SERVICES } from '../../contracts/outbox.js';

const page = {
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: 'limit', in: 'query' } }),
  offset: z.coerce.number().int().min(0).max(100_000).default(0).openapi({ param: { name: 'offset', in: 'query' } }),
};

export const deadLettersQuery = z
  .object({
    type: z.string().min(1).max(200).optional().openapi({ param: { name: 'type', in: 'query' }, description: 'CloudEvent type, exactly' }),
    replayed: z.enum(['true', 'false']).transform((v) => v === 'true').optional().openapi({ param: { name: 'replayed', in: 'query' } }),
    ...page,
  })
  .strict();

export const deadLetter = z
  .object({
    id: z.string().uuid().openapi({ description: 'the dead letter (what replay and discard take); not the event id' }),
    eventId: z.string(),
    source: z.string(),
    type: z.string(),
    subject: z.string().nullable(),
    receivedAt: z.string(),
    knativeerrordest: z.string().openapi({ description: 'the destination that failed (a subscriber, or the ingress for a reply)' }),
    knativeerrorcode: z.number().int().nullable().openapi({ description: 'its last HTTP status (500 for a network error)' }),
    knativeerrordata: z.string().nullable().openapi({ description: 'base64 of its last response body (≤ 1 KiB)' }),
    errorText: z.string().nullable().openapi({ description: 'knativeerrordata decoded, when it is text' }),
    replays: z.number().int(),
    replayedAt: z.string().nullable(),
    event: z.record(z.string(), z.unknown()).openapi({ description: 'the whole CloudEvent (structured JSON), as the broker dead-lettered it' }),
  })
  .openapi('DeadLetter');

export const deadLetterPage = z
  .object({ items: z.array(deadLetter), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .openapi('DeadLetterPage');

export const replayBody = z
  .object({ ids: z.array(z.string().uuid('must be a dead letter id (UUID)')).min(1).max(100) })
  .strict()
  .openapi('ReplayRequest');

export const replayResult = z
  .object({
    results: z.array(
      z.object({
        id: z.string(),
        outcome: z.enum(['replayed', 'not_found', 'failed']),
        eventId: z.string().optional(),
        replays: z.number().int().optional(),
        error: z.string().optional(),
      }),
    ),
  })
  .openapi('ReplayResult');

export const deadLetterIdParam = z.object({
  id: z.string().uuid('must be a dead letter id (UUID)').openapi({ param: { name: 'id', in: 'path' } }),
});

const outboxService = z.enum(OUTBOX_SERVICES);

export const parkedQuery = z
  .object({
    service: outboxService.optional().openapi({ param: { name: 'service', in: 'query' }, description: 'one service; all of them when left out' }),
    ...page,
  })
  .strict();

export const parkedRow = z
  .object({
    service: outboxService,
    id: z.string().uuid().openapi({ description: 'the outbox row, which is the CloudEvent id' }),
    source: z.string(),
    type: z.string(),
    subject: z.string(),
    time: z.string(),
    data: z.unknown(),
    createdAt: z.string(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
  })
  .openapi('ParkedOutboxRow');

export const parkedPage = z
  .object({ items: z.array(parkedRow), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .openapi('ParkedOutboxPage');

export const outboxRowParam = z.object({
  service: outboxService.openapi({ param: { name: 'service', in: 'path' } }),
  id: z.string().uuid('must be an outbox row id (UUID)').openapi({ param: { name: 'id', in: 'path' } }),
});

export type DeadLetter = z.infer<typeof deadLetter>;
export type DeadLettersQuery = z.infer<typeof deadLettersQuery>;
export type ReplayResult = z.infer<typeof replayResult>;
export type OutboxService = z.infer<typeof outboxService>;
export type ParkedRow = z.infer<typeof parkedRow>;
export type ParkedQuery = z.infer<typeof parkedQuery>;
