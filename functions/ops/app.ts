import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { PAGE_HEADERS, pageHtml, type PageConfig } from './page.js';

const spec = httpSpec('ops-app');

const params = z.object({
  page: z.enum(['rider', 'driver']).openapi({ param: { name: 'page', in: 'path' }, example: 'rider' }),
});

const route = routeOf(spec, {
  request: { params },
  responses: { 200: { description: 'The rider or the driver page (HTML)', content: { 'text/html': { schema: z.string() } } } },
});

/** The rider's or the driver's page; they sign in on it, against the public API. */
export function handle({ page }: z.infer<typeof params>, config?: PageConfig): string {
  return pageHtml(page, config);
}

export default createFunctionApp(spec).openapi(route, (c) => c.body(handle(c.req.valid('param')), 200, PAGE_HEADERS));
