/**
 * The app factory every function is built with: request ids, JSON access logs,
 * problem+json errors, body limits, health endpoints and the route's authorization.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { bodyLimit } from 'hono/body-limit';
import type { Context, MiddlewareHandler } from 'hono';
import type { FunctionSpec, HttpFunction } from '../contracts/catalog-types.js';
import { config } from './config.js';
import { lazyChild, logger, type Logger } from './logger.js';
import { HttpProblem, problemResponse, fieldErrors } from './problem.js';
import { readiness } from './health.js';
import { bearerToken, verifyAccessToken, type Principal } from './auth/verify.js';
import { forbidden } from './problem.js';
import { EmitError } from './events/emit-error.js';

export type AppEnv = {
  Variables: {
    requestId: string;
    log: Logger;
    principal: Principal;
  };
};

export type FunctionApp = OpenAPIHono<AppEnv>;

/** `/api/v1/drivers/{id}` → `/api/v1/drivers/:id` */
export const honoPath = (openapiPath: string) => openapiPath.replace(/\{([^}]+)\}/g, ':$1');

export function createFunctionApp(spec: FunctionSpec): FunctionApp {
  const log = logger().child({ fn: spec.name });
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === 'json' ? 'request body' : result.target;
        throw new HttpProblem(422, `invalid ${where}`, { errors: fieldErrors(result.error.issues) });
      }
      return undefined;
    },
  });

  app.use(requestId());
  app.use(accessLog(log));
  app.onError((err, c) => errorResponse(err, c, log));
  app.notFound((c) => problemResponse(new HttpProblem(404, `no route for ${c.req.method} ${c.req.path}`), c.req.path));

  app.get('/health/liveness', (c) => c.json({ status: 'ok', function: spec.name }));
  app.get('/health/readiness', async (c) => {
    const r = await readiness(spec.stores);
    return c.json({ status: r.ready ? 'ready' : 'not ready', function: spec.name, checks: r.checks }, r.ready ? 200 : 503);
  });

  if (spec.kind === 'http') {
    const path = honoPath(spec.path);
    app.use(path, limitBody(config().MAX_BODY_BYTES));
    app.use(path, requireJsonBody());
    app.use(path, authorize(spec));
  }
  return app;
}

function accessLog(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    c.set('log', lazyChild(log, () => ({ reqId: c.get('requestId') })));
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    const entry = { method: c.req.method, path: c.req.path, status: c.res.status, ms };
    if (c.res.status >= 500) log.error(entry, 'request failed');
    else log.info(entry, 'request');
  };
}

/**
 * 413 for a body over `maxSize`. A declared Content-Length is checked from the header
 * alone; only a chunked body is counted as it streams (hono's bodyLimit). Why not
 * bodyLimit for all: it reads `req.raw.body` first, which makes @hono/node-server build a
 * full WHATWG Request with a body stream for every request, GETs included — measured at
 * about 4 % of a busy function process. Over HTTP/1.1 a body always comes with one of
 * the two headers; a request with neither has none.
 */
export function limitBody(maxSize: number, what = 'request body'): MiddlewareHandler<AppEnv> {
  const tooLarge = (): never => {
    throw new HttpProblem(413, `${what} larger than ${maxSize} bytes`, { headers: { connection: 'close' } });
  };
  const streamed = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    if (c.req.header('transfer-encoding') !== undefined) return streamed(c, next);
    const length = c.req.header('content-length');
    if (length !== undefined && Number(length) > maxSize) tooLarge();
    await next();
  };
}

/** Bodies are JSON: anything else is 415 before a handler or validator sees it. */
function requireJsonBody(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const length = c.req.header('content-length');
      const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
      const type = c.req.header('content-type') ?? '';
      if (hasBody && !/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
        throw new HttpProblem(415, `content-type must be application/json (got "${type || 'none'}")`);
      }
    }
    await next();
  };
}

function authorize(spec: HttpFunction): MiddlewareHandler<AppEnv> {
  if (spec.auth === 'public') return async (_c, next) => next();
  const roles = spec.auth === 'user' ? null : new Set<string>(spec.auth);
  return async (c, next) => {
    const principal = await verifyAccessToken(bearerToken(c.req.header('authorization')));
    if (roles && !roles.has(principal.role)) {
      throw forbidden(`this operation is for ${[...roles].join(' or ')} accounts; you are signed in as ${principal.role}`);
    }
    c.set('principal', principal);
    await next();
  };
}

function errorResponse(err: unknown, c: Context<AppEnv>, log: Logger): Response {
  if (err instanceof HttpProblem) return problemResponse(err, c.req.path);
  if (err instanceof HTTPException) {
    // Hono's own validators throw these, e.g. for a body that is not JSON.
    const detail = err.status === 400 && /json/i.test(err.message) ? 'request body is not valid JSON' : err.message;
    return problemResponse(new HttpProblem(err.status, detail), c.req.path);
  }
  if (err instanceof SyntaxError) return problemResponse(new HttpProblem(400, 'request body is not valid JSON'), c.req.path);
  if (isUnavailable(err)) {
    log.warn({ err }, 'dependency unavailable');
    return problemResponse(new HttpProblem(503, 'a backing service is unavailable; try again shortly', { headers: { 'retry-after': '1' } }), c.req.path);
  }
  log.error({ err, reqId: c.get('requestId') }, 'unhandled error');
  return problemResponse(new HttpProblem(500, 'internal error; the request id identifies it in the logs', { requestId: c.get('requestId') }), c.req.path);
}

/** Connection-level failures of PostgreSQL, Redis, MongoDB or a called function: a 503 for the client, not a 500. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string } | null;
  if (!e) return false;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03'].includes(e.code ?? '') ||
    e.name === 'MongoServerSelectionError' ||
    // A function this one calls directly did not answer, or answered 5xx.
    (err instanceof EmitError && err.retryable) ||
    /Knex: Timeout acquiring a connection|Connection is closed|max retries per request/i.test(e.message ?? '')
  );
}
