/**
 * RFC 9457 problem details. Handlers throw HttpProblem; the app factory turns it (and
 * validation failures, oversized bodies, unexpected errors) into application/problem+json.
 */
import { z } from '@hono/zod-openapi';

export interface FieldError {
  path: string;
  message: string;
}

export const problemSchema = z
  .object({
    type: z.string().default('about:blank'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi('Problem');

export type Problem = z.infer<typeof problemSchema>;

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  toJSON(instance?: string): Problem {
    const { headers: _headers, ...rest } = this.extra;
    return {
      type: 'about:blank',
      title: titles[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...rest,
    };
  }
}

export function problemResponse(problem: HttpProblem, instance?: string): Response {
  return new Response(JSON.stringify(problem.toJSON(instance)), {
    status: problem.status,
    headers: { 'content-type': 'application/problem+json', ...problem.extra.headers },
  });
}

/** zod issues → [{path, message}] with dotted paths ("pickup.lat"). */
export function fieldErrors(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldError[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

export const notFound = (what: string) => new HttpProblem(404, `${what} not found`);
export const conflict = (detail: string, extra: Record<string, unknown> = {}) => new HttpProblem(409, detail, extra);
export const forbidden = (detail: string) => new HttpProblem(403, detail);
export const unauthorized = (detail: string) =>
  new HttpProblem(401, detail, { headers: { 'www-authenticate': 'Bearer realm="microride"' } });
