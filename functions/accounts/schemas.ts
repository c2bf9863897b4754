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
