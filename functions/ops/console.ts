import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { PAGE_HEADERS, pageHtml, type PageConfig } from './page.js';

const spec = httpSpec('ops-console');

const route = routeOf(spec, {
  responses: { 200: { description: 'The operations console (HTML); admins sign in on the page', content: { 'text/html': { schema: z.string() } } } },
});

/** The console's page. Public: the page holds no data; everything it shows needs an admin token. */
export function handle(config?: PageConfig): string {
  return pageHtml('console', config);
}

export default createFunctionApp(spec).openapi(route, (c) => c.body(handle(), 200, PAGE_HEADERS));
