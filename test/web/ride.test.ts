/**
 * One whole ride through the two web pages, each in its own browser profile: the rider
 * signs up, gets a price and requests; the driver signs up, goes online, gets the offer,
 * accepts, arrives, starts (typing the rider's pickup code when the ride has one) and
 * completes; the rider sees the receipt.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshotPath, useWebStack } from './harness.js';
import { uniqueEmail } from '../helpers/users.js';

const stack = useWebStack();

async function signUp(page: Page, name: string): Promise<void> {
  await page.fill('#login input[name=email]', uniqueEmail(name.toLowerCase()));
  await page.fill('#login input[name=password]', 'correct horse battery');
  await page.fill('#login input[name=name]', name);
  await page.click('#register-submit');
}

const status = (page: Page, sel: string, s: string) => page.waitForSelector(`${sel}[data-status=${s}]`, { timeout: 15_000 });

describe('rider and driver pages', () => {
  it('drive one ride from request to receipt', async () => {
    const driver = await stack.newPage();
    await driver.goto(`${stack.url}/app/driver?lat=52.523&lon=13.405`);
    await signUp(driver, 'Bob');
    await driver.waitForSelector('#online-button');
    await driver.waitForSelector('#map[data-city=ready]');
    await driver.click('#online-button');
    await status(driver, '#driver-state', 'online');

    const rider = await stack.newPage();
    await rider.goto(`${stack.url}/app/rider`);
    await signUp(rider, 'Ada');
    await rider.waitForSelector('#map[data-city=ready]');
    await rider.click('#quote-button');
    await rider.waitForSelector('#fare');
    await rider.click('#request-button');
    await rider.waitForSelector('#ride-state[data-status]');

    await driver.waitForSelector('#accept-button', { timeout: 15_000 });
    await driver.screenshot({ path: screenshotPath('driver.png') });
    await driver.click('#accept-button');
    await status(driver, '#driver-state', 'accepted');
    await status(rider, '#ride-state', 'accepted');
    await driver.click('#arrived-button');
    await status(driver, '#driver-state', 'arrived');
    await status(rider, '#ride-state', 'arrived');
    // A ride with a pickup code shows it to the rider; the driver types it in.
    const code = await rider.locator('#code').textContent({ timeout: 1000 }).catch(() => null);
    if (code) await driver.fill('#pickup-code', code);
    await driver.click('#start-button');
    await status(driver, '#driver-state', 'in_progress');
    await status(rider, '#ride-state', 'in_progress');
    await driver.click('#complete-button');
    await status(driver, '#driver-state', 'completed');
    await status(rider, '#ride-state', 'completed');
    await rider.waitForSelector('#receipt-total', { timeout: 20_000 });
    expect(await rider.textContent('#receipt-total')).toMatch(/^Paid \d+\.\d\d [A-Z]{3}$/);
    await rider.screenshot({ path: screenshotPath('rider.png') });
  }, 90_000);
});
