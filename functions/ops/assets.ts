import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from '@hono/zod-openapi';
import { createFunctionApp } from '../../platform/app.js';
import { httpSpec, routeOf } from '../../platform/route.js';
import { notFound } from '../../platform/problem.js';
import { cityGeoJson } from './city.js';
import { webSettings } from './settings.js';

const spec = httpSpec('ops-assets');

/** Only these names: nothing else on disk can be asked for. */
export const ASSETS = {
  'console.js': 'text/javascript; charset=utf-8',
  'rider.js': 'text/javascript; charset=utf-8',
  'driver.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'leaflet.css': 'text/css; charset=utf-8',
  'city.json': 'application/geo+json',
} as const;
export type AssetName = keyof typeof ASSETS;

const params = z.object({
  file: z.enum(Object.keys(ASSETS) as [AssetName, ...AssetName[]]).openapi({ param: { name: 'file', in: 'path' }, example: 'console.js' }),
});

const route = routeOf(spec, {
  request: { params },
  responses: { 200: { description: 'A script, a style sheet or the city GeoJSON of the web pages', content: { 'text/plain': { schema: z.string() } } } },
});

export interface Stores {
  /** A built file of WEB_ASSETS_DIR, or undefined when it is not there. */
  readBuilt(name: string): Promise<string | undefined>;
}

const cache = new Map<string, string>();
const fromDisk: Stores = {
  async readBuilt(name) {
    const hit = cache.get(name);
    if (hit !== undefined) return hit;
    try {
      const text = await readFile(join(webSettings().WEB_ASSETS_DIR, name), 'utf8');
      // In production the files never change under a running pod; locally `npm start` builds them first.
      if (process.env.NODE_ENV === 'production') cache.set(name, text);
      return text;
    } catch {
      return undefined;
    }
  },
};

export async function handle({ file }: z.infer<typeof params>, stores: Stores = fromDisk): Promise<{ body: string; type: string }> {
  const type = ASSETS[file];
  if (file === 'city.json') return { body: JSON.stringify(cityGeoJson()), type };
  const body = await stores.readBuilt(file);
  if (body === undefined) throw notFound(`${file} (the web pages are not built: npm run build)`);
  return { body, type };
}

export default createFunctionApp(spec).openapi(route, async (c) => {
  const a = await handle(c.req.valid('param'));
  // The route declares text; the real type varies by file, so the typed-response format differs.
  return c.body(a.body, 200, { 'content-type': a.type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }) as unknown as ReturnType<typeof c.text<string, 200>>;
});
