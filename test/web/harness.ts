/**
 * Browser tests' ground: the whole platform with the broker and the notifier on free
 * ports, the web pages built into a temporary directory, admin accounts created as
 * `npm run admin -- create` creates them, and Debian's Chromium driven by playwright-core (headless,
 * no sandbox, no GPU, a new empty profile, nothing fetched from outside).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startPlatform, type Platform } from '../../local/platform.js';
import { provideSettings } from '../../platform/config.js';
import { closeClients } from '../../platform/clients.js';
import { cleanupStores } from '../helpers/platform.js';
import { buildWeb } from '../../functions/ops/build-web.js';
import { createAdmin as createAdminAccount } from '../../functions/accounts/admin-account.js';
import { uniqueEmail } from '../helpers/users.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface WebStack {
  readonly platform: Platform;
  readonly url: string;
  /** ws://127.0.0.1:<port> (add /ws or /ops). */
  readonly notifierBase: string;
  /** A new page in a fresh browser profile. */
  newPage(): Promise<Page>;
}

export function useWebStack(): WebStack {
  let platform: Platform | undefined;
  let assets: string | undefined;
  const contexts: { ctx: BrowserContext; dir: string }[] = [];
  beforeAll(async () => {
    assets = await mkdtemp(join(tmpdir(), 'microride-web-'));
    await buildWeb(assets);
    platform = await startPlatform({ port: 0, eventing: {}, notifier: { port: 0, eventsPort: 0 } });
    if (!platform.notifier) throw new Error('notifier did not start');
    provideSettings({ WEB_ASSETS_DIR: assets, WEB_NOTIFIER_URL: `ws://127.0.0.1:${platform.notifier.port}` });
  }, 120_000);
  afterAll(async () => {
    for (const c of contexts) {
      await c.ctx.close().catch(() => undefined);
      await rm(c.dir, { recursive: true, force: true });
    }
    await platform?.close();
    await platform?.eventing?.broker.deleteTopology().catch(() => undefined);
    await cleanupStores();
    await closeClients();
    if (assets) await rm(assets, { recursive: true, force: true });
  }, 60_000);
  const need = () => {
    if (!platform?.notifier) throw new Error('platform not started');
    return platform;
  };
  return {
    get platform() {
      return need();
    },
    get url() {
      return need().url;
    },
    get notifierBase() {
      return `ws://127.0.0.1:${need().notifier?.port}`;
    },
    async newPage() {
      const dir = await mkdtemp(join(tmpdir(), 'microride-chromium-'));
      const ctx = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1280, height: 800 },
        // The tests read the page's state with evaluated expressions, which the pages' CSP forbids.
        bypassCSP: true,
      });
      contexts.push({ ctx, dir });
      // Nothing leaves this machine: any request to another host fails the test loudly.
      await ctx.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
      return ctx.pages()[0] ?? ctx.newPage();
    },
  };
}

/**
 * Where a test saves a screenshot: docs/screenshots/ (shown in the README) with
 * UPDATE_SCREENSHOTS=1; otherwise the screenshot is taken but not kept, so a test run
 * leaves the tree clean.
 */
export function screenshotPath(name: string): string | undefined {
  return process.env.UPDATE_SCREENSHOTS === '1' ? join('docs', 'screenshots', name) : undefined;
}

export const ADMIN_PASSWORD = 'correct horse battery';

/** An admin account, made by the code `npm run admin -- create` runs (registration only makes riders and drivers). */
export async function createAdmin(): Promise<{ id: string; email: string; password: string }> {
  const email = uniqueEmail('admin');
  const user = await createAdminAccount({ email, password: ADMIN_PASSWORD, name: 'Test admin' });
  return { id: user.id, email, password: ADMIN_PASSWORD };
}

/** Signs in on a page's login form. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.fill('#login input[name=email]', email);
  await page.fill('#login input[name=password]', password);
  await page.click('#login-submit');
}
