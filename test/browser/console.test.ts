import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleOrder } from '../../scripts/lib/client.js';
import { consoleOrigin, launchChromium, signIn as signInAs } from '../../scripts/lib/console-browser.js';
import { startInProcessRuntime } from '../reliability/support/in-process.js';
import { pdfPages } from '../support/pdf-text.js';
import { DEMO_SELLER, request } from '../reliability/support/api.js';

let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;
let browser: Browser;
/** The console's origin (localhost: a secure context, so the Secure cookie is kept). */
let origin: string;

// 5,000x: a 168 h hold lasts two minutes (held orders stay held while the test works), and an express
// parcel is delivered about 20 s after release.
beforeAll(async () => {
  runtime = await startInProcessRuntime({ timeScale: 5_000 });
  origin = consoleOrigin(runtime.url);
  browser = await launchChromium();
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

/**
 * `count` express orders of a SKU no other test uses, once each is in `status`: held for review (tag
 * custom) by default.
 */
async function ordersOf(
  count: number,
  { status = 'ON_HOLD', tags = ['custom'], postalCode = '62701' } = {},
): Promise<{ sku: string; orderIds: string[] }> {
  const sku = `CONSOLE-${randomUUID().slice(0, 8).toUpperCase()}`;
  expect((await api('PUT', `/inventory/${sku}`, { available: 100 })).status).toBe(200);
  const orderIds: string[] = [];
  for (let index = 0; index < count; index++) {
    const order = sampleOrder({
      items: [{ sku, productId: 'p-console', name: 'Console mug', quantity: 1, unitPrice: '9.00' }],
      payment: { provider: 'sandbox', reference: `pay_${randomUUID()}`, amount: '9.00' },
      shippingMethod: 'express',
      tags,
    });
    const created = await api('POST', '/orders', {
      ...order,
      shippingAddress: { ...order.shippingAddress, postalCode },
    });
    expect(created.status).toBe(201);
    orderIds.push(created.json.orderId as string);
  }
  await expect
    .poll(
      async () => Promise.all(orderIds.map(async (id) => (await api('GET', `/orders/${id}`)).json.status)),
      { timeout: 60_000 },
    )
    .toEqual(orderIds.map(() => status));
  return { sku, orderIds };
}
const heldOrders = (count: number) => ordersOf(count);

/** Presses Tab until the target has the focus (at most `limit` times): how a keyboard user gets there. */
async function tabTo(page: Page, target: Locator, limit = 80): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    await page.keyboard.press('Tab');
    // Runs in the page, where `document` is the page's (the tests' own types have no DOM).
    const focused = await target.evaluate(
      (element) =>
        element ===
        (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement,
    );
    if (focused) return;
  }
  throw new Error(`Tab never reached ${target}`);
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical violations on the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}
interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[] }[];
}

const signIn = (page: Page) => signInAs(page, origin, DEMO_SELLER.apiKey);

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

  it('releases 20 held orders at once from the list', async () => {
    const { sku, orderIds } = await heldOrders(20);
    const page = await browser.newPage();

    await signIn(page);
    await searchSku(page, sku);
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(20);
    await page.getByLabel('Select every order shown').check();
    await page.getByRole('button', { name: 'Release selected (20)' }).click();

    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 30_000 })
      .toBe('20 released');
    // A release is accepted (202) when its token is sent; the workflow then moves each order on.
    await expect
      .poll(
        async () => {
          const statuses = await Promise.all(
            orderIds.map(async (id) => (await api('GET', `/orders/${id}`)).json.status as string),
          );
          return statuses.filter((status) => status === 'ON_HOLD');
        },
        { timeout: 60_000 },
      )
      .toEqual([]);
    await page.close();
  });

  it('fixes a failed address and retries it: the order ends DELIVERED', async () => {
    const {
      orderIds: [orderId],
    } = await ordersOf(1, { status: 'FAILED_TO_RELEASE', tags: [], postalCode: '00000' });
    const page = await browser.newPage();
    await signIn(page);

    await page.getByRole('link', { name: 'Needs attention' }).click();
    const row = page.locator(`tr[data-order-id="${orderId}"]`);
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('address is incorrect');
    await row.getByText('Edit address and retry').click();
    await row.getByLabel('Postal code').fill('62701');
    await row.getByRole('button', { name: 'Save address and retry' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent(), { timeout: 15_000 })
      .toContain('retry started');

    await page.goto(`${origin}/console#/orders/${orderId}`);
    const status = page.getByTestId('order-status');
    await expect.poll(() => status.textContent(), { timeout: 90_000 }).toBe('DELIVERED');
    const order = (await api('GET', `/orders/${orderId}`)).json;
    expect(order.status).toBe('DELIVERED');
    expect(order.shippingAddress.postalCode).toBe('62701');
    expect(order.history.map((entry: { status: string }) => entry.status)).toContain('FAILED_TO_RELEASE');
    await page.close();
  });

  it('holds an order waiting for stock from its screen: stocked and retried, it waits for release', async () => {
    const sku = `CONSOLE-${randomUUID().slice(0, 8).toUpperCase()}`;
    expect((await api('PUT', `/inventory/${sku}`, { available: 0 })).status).toBe(200);
    const order = sampleOrder({
      items: [{ sku, productId: 'p-console', name: 'Console mug', quantity: 1, unitPrice: '9.00' }],
      payment: { provider: 'sandbox', reference: `pay_${randomUUID()}`, amount: '9.00' },
      shippingMethod: 'express',
    });
    const orderId = (await api('POST', '/orders', order)).json.orderId as string;
    await expect
      .poll(async () => (await api('GET', `/orders/${orderId}`)).json.status, { timeout: 60_000 })
      .toBe('OUT_OF_STOCK');
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(`${origin}/console#/orders/${orderId}`);

    await page.getByRole('button', { name: 'Hold', exact: true }).click();
    await expect.poll(() => page.getByText('Hold requested').count(), { timeout: 15_000 }).toBe(1);
    expect((await api('PUT', `/inventory/${sku}`, { available: 5 })).status).toBe(200);
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    const status = page.getByTestId('order-status');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toBe('ON_HOLD');
    expect(await page.textContent('main')).toContain('you asked to see it before it is released');
    await page.getByRole('button', { name: 'Release' }).click();

    await expect.poll(() => status.textContent(), { timeout: 90_000 }).toBe('DELIVERED');
    const stored = (await api('GET', `/orders/${orderId}`)).json;
    expect(stored.history.map((entry: { status: string }) => entry.status)).toContain('ON_HOLD');
    expect(stored.holdRequest).toBeNull();
    await page.close();
  });

  it('exports the selected orders, and the whole list, as CSV', async () => {
    const { sku, orderIds } = await heldOrders(3);
    const page = await browser.newPage();
    await signIn(page);
    await searchSku(page, sku);
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(3);
    const csvOf = async (button: string) => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: button }).click(),
      ]);
      const [header, ...rows] = (await readFile((await download.path())!, 'utf8')).trimEnd().split('\r\n');
      return { header, ids: rows.map((row) => row.split(',')[0]).sort(), rows };
    };

    const all = await csvOf('Export list as CSV');
    for (const id of orderIds.slice(0, 2))
      await page.locator(`tr[data-order-id="${id}"]`).getByRole('checkbox').check();
    const selected = await csvOf('Export selected as CSV (2)');

    expect(all.header).toMatch(/^orderId,externalOrderId,createdAt,status,/);
    expect(all.ids).toEqual([...orderIds].sort());
    for (const row of all.rows) expect(row).toContain(`${sku} x1`);
    expect(selected.header).toBe(all.header);
    expect(selected.ids).toEqual(orderIds.slice(0, 2).sort());
    await page.close();
  });

  it("prints packing slips for a selection, and opens one order's from its screen", async () => {
    const { sku, orderIds } = await heldOrders(2);
    const page = await browser.newPage();
    await signIn(page);
    await searchSku(page, sku);
    await expect.poll(() => page.locator('tbody tr').count(), { timeout: 15_000 }).toBe(2);
    for (const id of orderIds) await page.locator(`tr[data-order-id="${id}"]`).getByRole('checkbox').check();
    const [slips, answered] = await Promise.all([
      page.waitForEvent('popup'),
      page.waitForResponse((response) => response.url().endsWith('/documents/packing-slips')),
      page.getByRole('button', { name: 'Print packing slips' }).click(),
    ]);
    // A new tab shows the PDF the console was answered (a blob: URL of its bytes).
    expect(slips.url()).toMatch(/^blob:/);
    expect(answered.request().postDataJSON()).toEqual({ orderIds: expect.arrayContaining(orderIds) });
    expect(answered.status()).toBe(200);
    expect(answered.headers()['content-type']).toBe('application/pdf');
    // Chromium keeps no body of an answer the page took as a blob: the same request again, as the page
    // sent it (its session cookie and CSRF token), reads the PDF.
    const sent = answered.request();
    const again = await page.context().request.post(sent.url(), {
      headers: {
        'content-type': 'application/json',
        'x-csrf-token': (await sent.allHeaders())['x-csrf-token']!,
      },
      data: sent.postData()!,
    });
    const pages = await pdfPages(new Uint8Array(await again.body()));

    expect(pages).toHaveLength(2);
    orderIds.forEach((orderId, index) => {
      expect(pages[index]).toContain('Packing slip');
      expect(pages[index]).toContain(orderId);
      expect(pages[index]).toContain(sku);
    });
    // One order's, through the link on its screen: a plain GET that the session cookie authorizes.
    await page.goto(`${origin}/console/#/orders/${orderIds[0]}`);
    const link = page.getByRole('link', { name: 'Packing slip (PDF)' });
    const answer = await page.context().request.get(new URL((await link.getAttribute('href'))!, origin).href);
    expect(answer.headers()['content-type']).toBe('application/pdf');
    const single = await pdfPages(new Uint8Array(await answer.body()));
    expect(single).toHaveLength(1);
    expect(single[0]).toContain(orderIds[0]);
    await page.close();
  });

  it('signs in and releases an order with the keyboard only', async () => {
    const {
      sku,
      orderIds: [orderId],
    } = await heldOrders(1);
    const page = await browser.newPage();
    await page.goto(`${origin}/console`);

    await tabTo(page, page.getByLabel('API key'));
    await page.keyboard.type(DEMO_SELLER.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Orders' }).waitFor();
    await tabTo(page, page.getByLabel('SKU'));
    await page.keyboard.type(sku);
    await page.keyboard.press('Enter');
    const link = page.locator(`tr[data-order-id="${orderId}"]`).getByRole('link');
    await link.waitFor({ timeout: 15_000 });
    await tabTo(page, link);
    await page.keyboard.press('Enter');
    const release = page.getByRole('button', { name: 'Release', exact: true });
    await release.waitFor();
    await tabTo(page, release);
    await page.keyboard.press('Enter');

    await expect
      .poll(async () => (await api('GET', `/orders/${orderId}`)).json.status, { timeout: 30_000 })
      .not.toBe('ON_HOLD');
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Released.');
    await page.close();
  });

  it('has no serious or critical axe-core violation on any screen', async () => {
    const {
      orderIds: [orderId],
    } = await heldOrders(1);
    // The console's policy allows its own scripts only (script-src 'self'); axe is the test's, let in.
    const page = await (await browser.newContext({ bypassCSP: true })).newPage();
    await page.goto(`${origin}/console`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const found: Record<string, string[]> = { 'sign-in': await seriousViolations(page) };
    await signIn(page);
    await page.locator('tbody tr').first().waitFor({ timeout: 15_000 });
    found.orders = await seriousViolations(page);
    await page.goto(`${origin}/console#/orders/${orderId}`);
    await page.getByTestId('order-status').waitFor();
    found.order = await seriousViolations(page);
    for (const [screen, heading] of [
      ['attention', 'Needs attention'],
      ['inventory', 'Inventory'],
      ['settings', 'Settings'],
    ] as const) {
      await page.getByRole('link', { name: heading }).click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await expect.poll(() => page.locator('[aria-busy="true"]').count(), { timeout: 15_000 }).toBe(0);
      found[screen] = await seriousViolations(page);
    }

    expect(found).toEqual({
      'sign-in': [],
      orders: [],
      order: [],
      attention: [],
      inventory: [],
      settings: [],
    });
    await page.close();
  });

  it('sets stock on the inventory screen and the release SLA on the settings screen', async () => {
    const sku = `CONSOLE-${randomUUID().slice(0, 8).toUpperCase()}`;
    const page = await browser.newPage();
    await signIn(page);
    const before = (await api('GET', '/settings')).json;

    await page.getByRole('link', { name: 'Inventory' }).click();
    await page.getByLabel('New SKU').fill(sku);
    await page.getByLabel('Available', { exact: true }).fill('7');
    await page.getByRole('button', { name: 'Add SKU' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain(`${sku}: 7 available`);
    await page.getByRole('link', { name: 'Settings' }).click();
    const sla = page.getByLabel('Release SLA (hours)');
    await expect.poll(() => sla.inputValue()).toBe(String(before.releaseSlaHours));
    await sla.fill('36');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Settings saved.');

    expect((await api('GET', `/inventory/${sku}`)).json).toEqual({ sku, available: 7, reserved: 0 });
    expect((await api('GET', '/settings')).json).toEqual({ ...before, releaseSlaHours: 36 });
    await api('PATCH', '/settings', { releaseSlaHours: before.releaseSlaHours });
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
