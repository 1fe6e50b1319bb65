/**
 * `npm run demo`: sends a mix of orders to a running orderflow (`npm start`) and shows them advancing
 * to their final statuses. Each scenario leans on a sandbox rule from the README.
 */
import { LOCAL_DEMO, OrderflowClient, SETTLED, sampleOrder } from './lib/client.js';
import type { OrderInput } from '../functions/shared/domain/order.js';

interface Scenario {
  name: string;
  expect: string;
  order: Partial<OrderInput>;
}

const address = sampleOrder().shippingAddress;
const SCENARIOS: Scenario[] = [
  { name: 'happy path', expect: 'DELIVERED', order: {} },
  {
    name: 'express, two lines',
    expect: 'DELIVERED',
    order: {
      shippingMethod: 'express',
      items: [
        { sku: 'MUG-RED', productId: 'p-1', name: 'Red mug', quantity: 2, unitPrice: '12.50' },
        { sku: 'TEE-BLK-M', productId: 'p-2', name: 'Black tee M', quantity: 1, unitPrice: '20.00' },
      ],
    },
  },
  {
    name: 'international',
    expect: 'DELIVERED',
    order: { shippingAddress: { ...address, country: 'CA', postalCode: 'K1A 0B1' } },
  },
  {
    name: 'declined card',
    expect: 'PAYMENT_FAILED',
    order: { payment: { provider: 'sandbox', reference: 'decline_demo', amount: '12.50' } },
  },
  {
    name: 'flaky payment provider',
    expect: 'DELIVERED',
    order: { payment: { provider: 'sandbox', reference: 'flaky_demo', amount: '12.50' } },
  },
  {
    name: 'out of stock',
    expect: 'OUT_OF_STOCK',
    order: {
      items: [{ sku: 'POSTER-A2', productId: 'p-3', name: 'Poster A2', quantity: 11, unitPrice: '5.00' }],
    },
  },
  {
    name: 'held (discount code), then released',
    expect: 'DELIVERED',
    order: { discountCodes: ['WELCOME10'] },
  },
  {
    name: 'undeliverable address',
    expect: 'FAILED_TO_RELEASE',
    order: { shippingAddress: { ...address, postalCode: '00000' } },
  },
  {
    name: 'parcel lost',
    expect: 'DELIVERY_EXCEPTION',
    order: { shippingAddress: { ...address, postalCode: '99999' } },
  },
];

const client = new OrderflowClient(LOCAL_DEMO);
const tty = process.stdout.isTTY;

async function main() {
  const health = await fetch(`${LOCAL_DEMO.baseUrl}/health`).catch(() => undefined);
  if (!health?.ok) {
    console.error(`orderflow is not answering at ${LOCAL_DEMO.baseUrl}: start it with \`npm start\` first.`);
    process.exit(1);
  }
  const rows = await Promise.all(
    SCENARIOS.map(async (scenario) => {
      const sent = await client.sendWebhook(sampleOrder(scenario.order));
      if (!sent.orderId)
        throw new Error(`${scenario.name}: the webhook answered ${sent.status} ${JSON.stringify(sent.body)}`);
      return { ...scenario, orderId: sent.orderId, status: 'PENDING', released: false };
    }),
  );
  const started = Date.now();
  let drawn = 0;
  const draw = () => {
    const lines = rows.map((row) => {
      const done = row.status === row.expect ? '✔' : SETTLED.has(row.status) ? '✘' : '…';
      return `${done} ${row.name.padEnd(38)} ${row.orderId.padEnd(30)} ${row.status.padEnd(20)} (expect ${row.expect})`;
    });
    if (tty && drawn) process.stdout.write(`\x1b[${drawn}A`);
    process.stdout.write(`${lines.map((line) => `${line}\x1b[K`).join('\n')}\n`);
    drawn = lines.length;
  };
  while (Date.now() - started < 180_000) {
    await Promise.all(
      rows.map(async (row) => {
        const order = await client.getOrder(row.orderId);
        row.status = order.status;
        if (order.status === 'ON_HOLD' && !row.released) {
          row.released = true;
          await client.request('POST', `/orders/${row.orderId}/release`);
        }
      }),
    );
    if (tty || rows.every((row) => SETTLED.has(row.status))) draw();
    if (rows.every((row) => SETTLED.has(row.status))) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const wrong = rows.filter((row) => row.status !== row.expect);
  console.log(
    `\n${rows.length - wrong.length}/${rows.length} orders ended as expected in ${Math.round((Date.now() - started) / 1000)} s.`,
  );
  process.exit(wrong.length ? 1 : 0);
}

await main();
