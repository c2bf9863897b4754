import { z } from '@hono/zod-openapi';

export const paymentKind = z.enum(['fare', 'cancellation_fee', 'refund']);
export const paymentStatus = z.enum(['pending', 'succeeded', 'failed', 'refunded']);

export const paymentIdParam = z.object({
  id: z.string().uuid('must be a payment id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});
export const rideIdParam = z.object({
  id: z.string().uuid('must be a ride id (uuid)').openapi({ param: { name: 'id', in: 'path' } }),
});

const money = z.number().int().openapi({ description: 'minor units (cents)' });

export const attempt = z.object({
  attempt: z.number().int(),
  outcome: z.enum(['succeeded', 'failed', 'pending']),
  decidedBy: z.enum(['gateway', 'simulate']),
  message: z.string().nullable(),
  at: z.string(),
});

export const payment = z
  .object({
    id: z.string().uuid(),
    rideId: z.string().uuid(),
    riderId: z.string().uuid(),
    driverId: z.string().uuid().nullable(),
    kind: paymentKind,
    amount: money,
    currency: z.string(),
    status: paymentStatus,
    attempts: z.number().int(),
    refundedAmount: money,
    refundOf: z.string().uuid().nullable(),
    reason: z.string().nullable(),
    lastMessage: z.string().nullable(),
    history: z.array(attempt).optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Payment', { description: 'A charge or refund through the SIMULATED payment gateway (no real money moves)' });

export const ridePayment = z
  .object({
    rideId: z.string().uuid(),
    /** The charge for the ride: its fare, or the cancellation fee. */
    payment: payment,
    refunds: z.array(payment),
  })
  .openapi('RidePayment');

export const receipt = z
  .object({
    rideId: z.string().uuid(),
    riderId: z.string().uuid(),
    driverId: z.string().uuid().nullable(),
    issuedAt: z.string(),
    lines: z.array(z.object({ paymentId: z.string().uuid(), kind: paymentKind, description: z.string(), amount: money, status: paymentStatus })),
    charged: money,
    refunded: money,
    total: money,
    currency: z.string(),
    distanceMeters: z.number().int().nullable(),
    durationSeconds: z.number().int().nullable(),
    fareBasis: z.enum(['quoted', 'measured']).nullable().openapi({ description: 'quoted: the quote was charged; measured: repriced from the measured trip (capped)' }),
    fareReason: z.string().nullable().openapi({ description: 'Why the fare is what it is, e.g. "distance 38 % over the quote"' }),
    simulated: z.literal(true).openapi({ description: 'Always true: the gateway is simulated' }),
  })
  .openapi('Receipt');

export const simulateBody = z.object({ outcome: z.enum(['succeed', 'fail']) }).strict().openapi('SimulatePaymentRequest');

export const refundBody = z
  .object({
    amount: z.number().int().positive().optional().openapi({ description: 'cents; default: everything not refunded yet' }),
    reason: z.string().trim().min(1).max(500).optional(),
  })
  .strict()
  .openapi('RefundRequest');

export type Payment = z.infer<typeof payment>;
