/**
 * Rides through the two web pages, each in its own browser profile. The whole ride: the
 * rider signs up, gets a price and requests; the driver signs up, goes online, gets the
 * offer and accepts; the rider's page shows the driver's card and a live ETA that falls as
 * the driver's page drives to the pickup; the driver cannot start without a code, a wrong
 * one is refused, the one the rider's page shows starts the trip; the driver completes and
 * the rider sees the receipt. Then a driver who cancels: the rider's page says another is
 * being found, and shows the next driver's card.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshotPath, useWebStack } from './harness.js';
import { uniqueEmail } from '../helpers/users.js';
import { call, eventually, newDriver, type Driver } from '../rides/client.js';

const stack = useWebStack();

async function signUp(page: Page, name: string): Promise<void> {
  await page.fill('#login input[name=email]', uniqueEmail(name.toLowerCase()));
  await page.fill('#login input[name=password]', 'correct horse battery');
  await page.fill('#login input[name=name]', name);
  await page.click('#register-submit');
}

// Generous: the machine running these may be busy.
const status = (page: Page, sel: string, s: string) => page.waitForSelector(`${sel}[data-status=${s}]`, { timeout: 20_000 });
const etaOf = async (page: Page) => Number(await page.getAttribute('#eta', 'data-eta-seconds'));

describe('rider and driver pages', () => {
  it('drive one ride from request to receipt: driver card, live ETA, pickup code typed by the driver', async () => {
    const driver = await stack.newPage();
    await driver.goto(`${stack.url}/app/driver?lat=52.526&lon=13.405`);
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

    await driver.waitForSelector('#accept-button', { timeout: 20_000 });
    await driver.screenshot({ path: screenshotPath('driver.png') });
    await driver.click('#accept-button');
    await status(driver, '#driver-state', 'accepted');
    await status(rider, '#ride-state', 'accepted');

    // Who comes: the card the ride took at acceptance (the driver page's made-up vehicle).
    await rider.waitForSelector('#driver-card:not([hidden])', { timeout: 10_000 });
    expect(await rider.textContent('#driver-name')).toBe('Bob');
    expect(await rider.textContent('#driver-vehicle')).toBe('Toyota Prius · economy');
    expect(await rider.textContent('#driver-plate')).toMatch(/^W-?\d{4}$/);
    expect(await rider.textContent('#driver-rating')).toBe('new driver');
    // Where they are: the driver's page drives towards the pickup, pinging every 3 s; the
    // rider's ETA falls with each position it is told.
    await rider.waitForSelector('#eta[data-towards=pickup]', { timeout: 20_000 });
    const firstEta = await etaOf(rider);
    expect(await rider.textContent('#eta')).toMatch(/^Your driver is .+ away \(\d+\.\d km\)$/);
    await rider.waitForFunction(`Number(document.getElementById('eta')?.dataset.etaSeconds) < ${firstEta}`, null, { timeout: 20_000 });
    const code = (await rider.textContent('#code')) ?? '';
    expect(code).toMatch(/^\d{4}$/);
    await rider.screenshot({ path: screenshotPath('rider.png') });

    await driver.click('#arrived-button');
    await status(driver, '#driver-state', 'arrived');
    await status(rider, '#ride-state', 'arrived');
    // No code, no start; a wrong code is refused by the API and the ride stays at the kerb.
    expect(await driver.isDisabled('#start-button')).toBe(true);
    const wrong = code === '0000' ? '1111' : '0000';
    await driver.fill('#pickup-code', wrong);
    await driver.click('#start-button');
    await driver.waitForFunction(`(document.getElementById('error')?.textContent ?? '').startsWith('422')`, null, { timeout: 10_000 });
    expect(await driver.getAttribute('#driver-state', 'data-status')).toBe('arrived');
    // The rider reads the code from their page; the driver types it in.
    await driver.fill('#pickup-code', code);
    await driver.screenshot({ path: screenshotPath('driver-code.png') });
    await driver.click('#start-button');
    await status(driver, '#driver-state', 'in_progress');
    await status(rider, '#ride-state', 'in_progress');
    expect(await rider.locator('#code').count()).toBe(0);
    // On the trip the ETA points at the drop-off.
    await rider.waitForSelector('#eta[data-towards=dropoff]', { timeout: 20_000 });
    await driver.click('#complete-button');
    await status(driver, '#driver-state', 'completed');
    await status(rider, '#ride-state', 'completed');
    await rider.waitForSelector('#receipt-total', { timeout: 30_000 });
    expect(await rider.textContent('#receipt-total')).toMatch(/^Paid \d+\.\d\d [A-Z]{3}$/);
    expect(await rider.isHidden('#eta')).toBe(true);
    await rider.screenshot({ path: screenshotPath('rider-receipt.png') });
    // Off shift, so the next test's ride is not offered to this page.
    await driver.click('#online-button');
    await status(driver, '#driver-state', 'offline');
  }, 150_000);

  it('tells the rider when their driver cancels and shows the next driver who accepts', async () => {
    // Neukölln → Kreuzberg, kilometres from where the first test's driver went off shift.
    const pickup = { lat: 52.481, lon: 13.435 };
    const dropoff = { lat: 52.499, lon: 13.403 };
    const near = (m: number) => ({ lat: pickup.lat + m / 111_320, lon: pickup.lon });
    const first = await newDriver(stack.url, near(150));
    const rider = await stack.newPage();
    await rider.goto(`${stack.url}/app/rider?from=${pickup.lat},${pickup.lon}&to=${dropoff.lat},${dropoff.lon}`);
    await signUp(rider, 'Cleo');
    await rider.click('#quote-button');
    await rider.waitForSelector('#fare');
    await rider.click('#request-button');
    await rider.waitForSelector('#ride-state[data-status]');
    const rideId = (await rider.getAttribute('#ride-state', 'data-ride-id')) ?? '';
    // An API driver takes the offer as soon as it reaches them (first accept wins).
    const accept = (d: Driver) =>
      eventually(async () => ((await call(stack.url, 'POST', `/api/v1/rides/${rideId}/accept`, d.session)).status === 200 ? true : undefined), 20_000, 'the offer accepted');
    await accept(first);
    await status(rider, '#ride-state', 'accepted');
    await rider.waitForFunction(`document.getElementById('driver-name')?.textContent === 'Test'`, null, { timeout: 10_000 });

    // The driver cancels before pickup: the ride goes back to matching, and the rider is told.
    const second = await newDriver(stack.url, near(300));
    expect((await call(stack.url, 'POST', `/api/v1/rides/${rideId}/cancel`, first.session, { reason: 'flat tyre' })).status).toBe(200);
    await rider.waitForSelector('#notice:not([hidden])', { timeout: 15_000 });
    expect(await rider.textContent('#notice')).toMatch(/driver cancelled.*another driver/i);
    await rider.waitForSelector('#driver-card[hidden]', { state: 'attached', timeout: 10_000 });
    await rider.screenshot({ path: screenshotPath('rider-rematching.png') });

    await accept(second);
    await status(rider, '#ride-state', 'accepted');
    await rider.waitForSelector('#driver-card:not([hidden])', { timeout: 10_000 });
    await rider.waitForSelector('#notice[hidden]', { state: 'attached', timeout: 10_000 });
    const plate = (await call<{ vehicle: { plate: string } }>(stack.url, 'GET', '/api/v1/drivers/me', second.session)).body.vehicle.plate;
    expect(await rider.textContent('#driver-plate')).toBe(plate);

    // The rider lets it go; both drivers go off shift.
    await rider.click('#cancel-button');
    await status(rider, '#ride-state', 'cancelled');
    for (const d of [first, second]) expect((await call(stack.url, 'PUT', '/api/v1/drivers/me/availability', d.session, { status: 'offline' })).status).toBe(200);
  }, 90_000);
});
