/**
 * The HTML shell of a web page: its title, its script and the settings the script reads
 * (the notifier's address, the tile server), embedded as JSON so the page needs no second
 * round trip before it can connect.
 */
import { webSettings } from './settings.js';

export type PageName = 'console' | 'rider' | 'driver';

const TITLES: Record<PageName, string> = {
  console: 'MicroRide operations',
  rider: 'MicroRide — ride',
  driver: 'MicroRide — drive',
};

export interface PageConfig {
  notifierUrl: string | null;
  /** The notifier's port on the page's host, when notifierUrl is null. */
  notifierPort: number;
  tileUrl: string | null;
}

export function pageConfig(): PageConfig {
  const s = webSettings();
  return { notifierUrl: s.WEB_NOTIFIER_URL ?? null, notifierPort: s.WEB_NOTIFIER_PORT, tileUrl: s.MAP_TILE_URL ?? null };
}

/** `<` escaped so no setting can close the script element. */
const inlineJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

export function pageHtml(page: PageName, config: PageConfig = pageConfig()): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[page]}</title>
<link rel="stylesheet" href="/web/leaflet.css">
<link rel="stylesheet" href="/web/app.css">
<script id="config" type="application/json">${inlineJson(config)}</script>
</head>
<body class="page-${page}">
<div id="root"></div>
<script src="/web/${page}.js"></script>
</body>
</html>
`;
}

/** Pages are code: a fresh copy after each deploy, never from a stale cache. */
export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'; script-src 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
