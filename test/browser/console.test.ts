import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleOrder } from '../../scripts/lib/client.js';
import { startInProcessRuntime } from '../reliability/support/in-process.js';
import { DEMO_SELLER, request } from '../reliability/support/api.js';

/** Debian's Chromium (apt-get install chromium); playwright-core drives it and downloads no browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;
let browser: Browser;
/** The console's origin: localhost, which Chromium treats as a secure context, so Secure cookies work. */
let origin: string;

// 5,000x: a 168 h hold lasts two minutes (held orders stay held while the test works), and an express
// parcel is delivered about 20 s after release.
beforeAll(async () => {
  runtime = await startInProcessRuntime({ timeScale: 5_000 });
  origin = runtime.url.replace('127.0.0.1', 'localhost');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
  await runtime?.cleanUp();
});

const api = (method: string, path: string, body?: unknown) =>
  request(`${runtime.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${DEMO_SELLER.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/** `count` orders of a SKU no other test uses, held for review (tag custom), once they are ON_HOLD. */
async function heldOrders(count: number): Promise<{ sku: string; orderIds: string[] }> {
  const sku = `CONSOLE-${randomUUID().slice(0, 8).toUpperCase()}`;
  expect((await api('PUT', `/inventory/${sku}`, { available: 100 })).status).toBe(200);
  const orderIds: string[] = [];
  for (let index = 0; index < count; index++) {
    const created = await api(
      'POST',
      '/orders',
      sampleOrder({
        items: [{ sku, productId: 'p-console', name: 'Console mug', quantity: 1, unitPrice: '9.00' }],
        payment: { provider: 'sandbox', reference: `pay_${randomUUID()}`, amount: '9.00' },
        shippingMethod: 'express',
        tags: ['custom'],
      }),
    );
    expect(created.status).toBe(201);
    orderIds.push(created.json.orderId as string);
  }
  await expect
    .poll(
      async () => Promise.all(orderIds.map(async (id) => (await api('GET', `/orders/${id}`)).json.status)),
      {
        timeout: 30_000,
      },
    )
    .toEqual(orderIds.map(() => 'ON_HOLD'));
  return { sku, orderIds };
}

async function signIn(page: Page): Promise<void> {
  await page.goto(`${origin}/console`);
  await page.getByLabel('API key').fill(DEMO_SELLER.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Orders' }).waitFor();
}

async function searchSku(page: Page, sku: string): Promise<void> {
  await page.getByLabel('SKU').fill(sku);
  await page.getByRole('button', { name: 'Search' }).click();
}

describe('the seller console in Chromium', () => {
  it('signs in, finds a held order by SKU, releases it and watches it reach DELIVERED', async () => {
    const { sku, orderIds } = await heldOrders(1);
    const page = await browser.newPage();

    await signIn(page);
    await searchSku(page, sku);
    const row = page.locator(`tr[data-order-id="${orderIds[0]}"]`);
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('ON_HOLD');
    await row.getByRole('link').click();
    await page.getByRole('button', { name: 'Release' }).click();

    const status = page.getByTestId('order-status');
    await expect.poll(() => status.textContent(), { timeout: 90_000 }).toBe('DELIVERED');
    const history = await page.locator('ol.timeline').textContent();
    for (const status of ['ON_HOLD', 'RELEASED', 'SHIPPED', 'DELIVERED']) expect(history).toContain(status);
    expect((await api('GET', `/orders/${orderIds[0]}`)).json.status).toBe('DELIVERED');
    await page.close();
  });

  it('releases several held orders at once from the list', async () => {
    const { sku, orderIds } = await heldOrders(5);
    const page = await browser.newPage();

    await signIn(page);
    await searchSku(page, sku);
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(5);
    await page.getByLabel('Select every order that can be released').check();
    await page.getByRole('button', { name: 'Release selected (5)' }).click();

    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 })
      .toBe('5 released');
    const statuses = await Promise.all(
      orderIds.map(async (id) => (await api('GET', `/orders/${id}`)).json.status as string),
    );
    expect(statuses.filter((status) => status === 'ON_HOLD')).toEqual([]);
    await page.close();
  });

  it('signs out, after which the API refuses the old session cookie', async () => {
    const page = await browser.newPage();
    await signIn(page);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({
      name: 'orderflow_session',
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });
    const withCookie = () =>
      request(`${runtime.url}/orders`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` } });
    expect((await withCookie()).status).toBe(200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();

    expect((await withCookie()).status).toBe(401);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.close();
  });
});
