/**
 * Settings of the web pages (console, rider, driver): where the browser finds the
 * notifier, an optional map tile server, and where the built scripts are.
 */
import { z } from 'zod';
import { settingsHandle } from '../../platform/config.js';

export const webSettings = settingsHandle(
  z.object({
    /**
     * The notifier's public base as the browser reaches it, e.g. `wss://rides.example.com`
     * (the pages add `/ws` and `/ops`). Unset: the page's own host on WEB_NOTIFIER_PORT.
     */
    WEB_NOTIFIER_URL: z.string().regex(/^wss?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be a ws:// or wss:// URL').optional(),
    /**
     * Without WEB_NOTIFIER_URL, the notifier's port on the page's own host. `npm start` sets
     * it to its NOTIFIER_PORT, so the pages follow a notifier moved off 8081.
     */
    WEB_NOTIFIER_PORT: z.coerce.number().int().min(1).max(65_535).default(8081),
    /**
     * A raster tile URL template (`https://tiles.example/{z}/{x}/{y}.png`) drawn under the
     * city. Unset: no tiles, the pages draw the city from the data the project ships
     * (functions/ops/city.ts), so nothing is fetched from outside.
     */
    MAP_TILE_URL: z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL template').optional(),
    /** The built page scripts and styles (`npm run build` writes dist/web). */
    WEB_ASSETS_DIR: z.string().min(1).default('dist/web'),
  }),
);
