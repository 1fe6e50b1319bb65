/**
 * `npm run simulate -- --orders 200 --rate 50`: a load generator for a local or deployed orderflow.
 * Sends signed generic webhooks at a steady rate, follows every order to a settled status, and prints a
 * summary table. Point it elsewhere with --url, --seller, --key and --secret.
 */
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { LOCAL_DEMO, OrderflowClient, SETTLED, sampleOrder } from './lib/client.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '100' },
    rate: { type: 'string', default: '20' },
    url: { type: 'string', default: LOCAL_DEMO.baseUrl },
    seller: { type: 'string', default: LOCAL_DEMO.sellerId },
    key: { type: 'string', default: LOCAL_DEMO.apiKey },
    secret: { type: 'string', default: LOCAL_DEMO.webhookSecret },
    sku: { type: 'string', default: 'MUG-RED' },
    'timeout-seconds': { type: 'string', default: '300' },
  },
});
const total = Number(values.orders);
const rate = Number(values.rate);
if (!Number.isInteger(total) || total < 1 || !(rate > 0)) {
  console.error('usage: npm run simulate -- --orders N --rate R   (R orders per second)');
  process.exit(2);
}
const client = new OrderflowClient({
  baseUrl: values.url,
  sellerId: values.seller,
  apiKey: values.key,
  webhookSecret: values.secret,
});
const accepted: { orderId: string; sentAt: number; latency: number }[] = [];
const rejected: number[] = [];
const bar = new SingleBar({ format: '{phase} [{bar}] {value}/{total} | {detail}' }, Presets.shades_classic);

bar.start(total, 0, { phase: 'sending ', detail: '' });
const sends: Promise<void>[] = [];
const started = Date.now();
for (let index = 0; index < total; index++) {
  const due = started + (index * 1000) / rate;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
  sends.push(
    (async () => {
      const sentAt = Date.now();
      const order = sampleOrder({
        items: [
          { sku: values.sku, productId: 'p-sim', name: 'Simulated item', quantity: 1, unitPrice: '12.50' },
        ],
      });
      const answer = await client.sendWebhook(order).catch(() => ({ status: 0, orderId: undefined }));
      if (answer.orderId) accepted.push({ orderId: answer.orderId, sentAt, latency: Date.now() - sentAt });
      else rejected.push(answer.status);
      bar.increment(1, { detail: `${rejected.length} rejected` });
    })(),
  );
}
await Promise.all(sends);
bar.stop();

const statuses = new Map<string, string>();
const deadline = Date.now() + Number(values['timeout-seconds']) * 1000;
bar.start(accepted.length, 0, { phase: 'settling', detail: '' });
while (Date.now() < deadline) {
  const open = accepted.filter(({ orderId }) => !SETTLED.has(statuses.get(orderId) ?? ''));
  if (open.length === 0) break;
  for (let offset = 0; offset < open.length; offset += 32) {
    await Promise.all(
      open.slice(offset, offset + 32).map(async ({ orderId }) => {
        const order = await client.getOrder(orderId).catch(() => undefined);
        if (order) statuses.set(orderId, order.status);
      }),
    );
  }
  const settled = accepted.filter(({ orderId }) => SETTLED.has(statuses.get(orderId) ?? '')).length;
  bar.update(settled, { detail: `${accepted.length - settled} in flight` });
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
bar.stop();

const latencies = accepted.map((entry) => entry.latency).sort((a, b) => a - b);
const percentile = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const byStatus: Record<string, number> = {};
for (const { orderId } of accepted) {
  const status = statuses.get(orderId) ?? 'UNKNOWN';
  byStatus[status] = (byStatus[status] ?? 0) + 1;
}
console.table({
  sent: { value: total },
  accepted: { value: accepted.length },
  rejected: { value: rejected.length },
  'intake p50 (ms)': { value: percentile(50) },
  'intake p99 (ms)': { value: percentile(99) },
  'wall time (s)': { value: Math.round((Date.now() - started) / 100) / 10 },
});
console.table(
  Object.fromEntries(Object.entries(byStatus).map(([status, count]) => [status, { orders: count }])),
);
process.exit(
  rejected.length || accepted.some(({ orderId }) => !SETTLED.has(statuses.get(orderId) ?? '')) ? 1 : 0,
);
