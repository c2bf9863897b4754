import { z } from '@hono/zod-openapi';

export const disputeStatus = z.enum(['open', 'refunded', 'rejected']);

export const dispute = z
  .object({
    id: z.string().uuid(),
    rideId: z.string().uuid(),
    riderId: z.string().uuid(),
    paymentId: z.string().uuid().openapi({ description: 'the fare charge disputed' }),
    reason: z.string(),
    status: disputeStatus,
    refundId: z.string().uuid().nullable().openapi({ description: 'the refund payment (SIMULATED gateway) when refunded' }),
    refundAmount: z.number().int().nullable().openapi({ description: 'cents refunded' }),
    currency: z.string().nullable(),
    note: z.string().nullable().openapi({ description: 'the admin’s note to the rider' }),
    resolvedBy: z.string().uuid().nullable(),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi('Dispute');

export const disputeBody = z
  .object({ reason: z.string().trim().min(10, 'must be at least 10 characters').max(1000, 'must be at most 1000 characters') })
  .strict()
  .openapi('DisputeRequest');

export const disputesQuery = z
  .object({
    status: disputeStatus.optional().openapi({ param: { name: 'status', in: 'query' } }),
    limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: 'limit', in: 'query' } }),
    offset: z.coerce.number().int().min(0).max(100_000).default(0).openapi({ param: { name: 'offset', in: 'query' } }),
  })
  .strict();

export const disputePage = z
  .object({ items: z.array(dispute), total: z.number().int(), limit: z.number().int(), offset: z.number().int() })
  .openapi('DisputePage');

export const disputeIdParam = z.object({
  id: z.string().uuid('must be a dispute id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

export const resolveBody = z
  .object({
    outcome: z.enum(['refund', 'reject']),
    amount: z.number().int().positive().optional().openapi({ description: 'cents to refund (refund only); default: all that is left of the fare' }),
    note: z.string().trim().min(1, 'must not be empty').max(1000),
  })
  .strict()
  .refine((b) => b.outcome === 'refund' || b.amount === undefined, { path: ['amount'], message: 'only a refund has an amount' })
  .openapi('ResolveDisputeRequest');

export type Dispute = z.infer<typeof dispute>;
export type DisputesQuery = z.infer<typeof disputesQuery>;
export type ResolveBody = z.infer<typeof resolveBody>;
