/**
 * `npm run console:screenshots`: a picture of each console screen, for the README, taken in Debian's
 * Chromium against a local runtime this script starts (and stops), with a few orders in the states each
 * screen shows. Writes docs/console/<screen>.png.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startBenchRuntime } from '../bench/lib/runtime.js';
import { sampleOrder } from './lib/client.js';
import { consoleOrigin, launchChromium, signIn } from './lib/console-browser.js';

const OUT_DIR = join(fileURLToPath(new URL('..', import.meta.url)), 'docs', 'console');
const API_KEY = 'demo-api-key';

const { runtime, stop } = await startBenchRuntime({ timeScale: 5_000 });
const browser = await launchChromium();
try {
  const base = runtime.url;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await response.json()) as Record<string, unknown>;
  };
  const create = async (overrides: Parameters<typeof sampleOrder>[0]) =>
    (await call('POST', '/orders', sampleOrder(overrides))).orderId as string;
  const address = sampleOrder().shippingAddress;
  const held = await create({ externalOrderId: '1001', tags: ['custom'] });
  await create({
    externalOrderId: '1002',
    tags: ['custom'],
    customer: { name: 'Grace Hopper', email: 'grace@example.com' },
  });
  await create({ externalOrderId: '1003', shippingAddress: { ...address, postalCode: '00000' } });
  await create({
    externalOrderId: '1004',
    items: [{ sku: 'POSTER-A2', productId: 'p-3', name: 'Poster A2', quantity: 50, unitPrice: '8.00' }],
    payment: { provider: 'sandbox', reference: 'pay_poster', amount: '400.00' },
  });
  await create({ externalOrderId: '1005', shippingMethod: 'express' });
  // Until every order has left PENDING (the held one waits ON_HOLD, the others park or ship).
  for (let waited = 0; waited < 60_000; waited += 500) {
    const { counts } = (await call('GET', '/orders/counts')) as { counts: Record<string, number> };
    if (!counts.PENDING && !counts.PAYMENT_VERIFIED && !counts.STOCK_RESERVED) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }

  mkdirSync(OUT_DIR, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const origin = consoleOrigin(base);
  const shoot = async (screen: string, ready: (page: Page) => Promise<unknown>) => {
    await ready(page);
    await page
      .locator('[aria-busy="true"]')
      .waitFor({ state: 'detached' })
      .catch(() => undefined);
    await page.screenshot({ path: join(OUT_DIR, `${screen}.png`), fullPage: true });
    console.log(`docs/console/${screen}.png`);
  };
  await shoot('sign-in', (page) => page.goto(`${origin}/console`));
  await signIn(page, origin, API_KEY);
  await shoot('orders', (page) => page.locator('tbody tr').first().waitFor());
  await shoot('order', async (page) => {
    await page.goto(`${origin}/console#/orders/${held}`);
    await page.getByTestId('order-status').waitFor();
  });
  for (const [screen, label] of [
    ['needs-attention', 'Needs attention'],
    ['inventory', 'Inventory'],
    ['settings', 'Settings'],
  ] as const) {
    await shoot(screen, async (page) => {
      await page.getByRole('link', { name: label }).click();
      await page.getByRole('heading', { name: label, level: 1 }).waitFor();
    });
  }
} finally {
  await browser.close();
  await stop();
}
