import { z } from '@hono/zod-openapi';

export const email = z
  .string()
  .trim()
  .max(254)
  .email('must be an email address')
  .openapi({ example: 'ada@example.com' });

export const registerBody = z
  .object({
    email,
    password: z.string().min(10, 'must be at least 10 characters').max(256, 'must be at most 256 characters'),
    name: z.string().trim().min(1, 'must not be empty').max(100),
    role: z.enum(['rider', 'driver']),
  })
  .strict()
  .openapi('RegisterRequest');

export const loginBody = z
  .object({ email, password: z.string().min(1).max(256) })
  .strict()
  .openapi('LoginRequest');

export const refreshBody = z.object({ refreshToken: z.string().min(20).max(200) }).strict().openapi('RefreshRequest');

export const user = z
  .object({
    id: z.string().uuid(),
    email: z.string(),
    name: z.string(),
    role: z.enum(['rider', 'driver', 'admin']),
    status: z.enum(['active', 'disabled']),
    createdAt: z.string().datetime({ offset: true }),
  })
  .openapi('User');

export const tokens = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().openapi({ description: 'access token lifetime in seconds' }),
    user,
  })
  .openapi('Tokens');

export type User = z.infer<typeof user>;
export type RegisterBody = z.infer<typeof registerBody>;
export type LoginBody = z.infer<typeof loginBody>;

// ── operations (admins) ──────────────────────────────────────────────────

export const userIdParam = z.object({
  id: z.string().uuid('must be a UUID').openapi({ param: { name: 'id', in: 'path' } }),
});

export const adminUsersQuery = z
  .object({
    role: z.enum(['rider', 'driver', 'admin']).optional().openapi({ param: { name: 'role', in: 'query' } }),
    status: z.enum(['active', 'disabled']).optional().openapi({ param: { name: 'status', in: 'query' } }),
    email: z.string().trim().min(1).max(254).optional().openapi({ param: { name: 'email', in: 'query' }, description: 'part of the email, any case' }),
    limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: 'limit', in: 'query' } }),
    offset: z.coerce.number().int().min(0).max(100_000).default(0).openapi({ param: { name: 'offset', in: 'query' } }),
  })
  .strict();

export const userPage = z
  .object({
    items: z.array(user),
    total: z.number().int().openapi({ description: 'users matching the filter, in all' }),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .openapi('UserPage');

export const userStatusChange = z
  .object({
    user,
    revokedSessions: z.number().int().openapi({ description: 'sessions revoked by this change (disable)' }),
  })
  .openapi('UserStatusChange');

export type AdminUsersQuery = z.infer<typeof adminUsersQuery>;
export type UserPage = z.infer<typeof userPage>;
export type UserStatusChange = z.infer<typeof userStatusChange>;
