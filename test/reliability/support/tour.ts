import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../infra/local/services.js';
import { sampleOrder } from '../../../scripts/lib/client.js';
import type { Runtime } from '../../../infra/local/runtime.js';
import { clientFor, sendGenericWebhook } from './api.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One pass over everything the deployed functions do, through the local runtime as a seller and a
 * storefront use it: a delivered order, a declined one, an undeliverable one (the DLQ), a held one the
 * seller releases, one created and cancelled through the API, searches, and a stuck order the sweeper
 * resumes. Returns what did not happen as it should, empty when all did.
 */
export async function tour(runtime: Runtime, deadlineMs = 20_000): Promise<string[]> {
  const problems: string[] = [];
  const demo = clientFor(runtime.url);
  const tag = randomUUID().slice(0, 8);

  const webhook = async (label: string, overrides: Parameters<typeof sampleOrder>[0]) => {
    const answer = await sendGenericWebhook(runtime.url, JSON.stringify(sampleOrder(overrides)));
    if (answer.status !== 202) problems.push(`${label}: webhook answered ${answer.status}`);
    return answer.json?.orderId as string | undefined;
  };
  const statusOf = async (orderId: string) => {
    const { status, body } = await demo.request<{ status?: string }>('GET', `/orders/${orderId}`);
    return status === 200 ? body.status : `GET answered ${status}`;
  };
  const describe = (name: string) => {
    try {
      return runtime.stepFunctions.engine.describeExecution(runtime.stepFunctions.engine.executionArn(name));
    } catch {
      return undefined;
    }
  };
  /**
   * Waits for the order to reach `want` and, unless it waits for the seller (ON_HOLD), for its execution to
   * end as it should: a final status is written before the last states (the DLQ message) run.
   */
  /** Whether the release DLQ still holds a message of the order (read without hiding any). */
  const dlqHolds = async (orderId: string): Promise<boolean> => {
    const sqs = new SQSClient({
      endpoint: runtime.sqs.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      for (let i = 0; i < 3; i++) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: runtime.releaseDlqUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 0,
            WaitTimeSeconds: 0,
          }),
        );
        if (Messages.some((message) => message.Body?.includes(orderId))) return true;
      }
      return false;
    } finally {
      sqs.destroy();
    }
  };
  const reach = async (
    label: string,
    orderId: string | undefined,
    want: string,
    { execution = orderId, ends = ['SUCCEEDED'] }: { execution?: string | undefined; ends?: string[] } = {},
  ): Promise<boolean> => {
    if (!orderId || !execution) return false;
    const deadline = Date.now() + deadlineMs;
    let last: string | undefined;
    while (Date.now() < deadline) {
      const run = describe(execution);
      last = await statusOf(orderId);
      if (last === want && (want === 'ON_HOLD' || ends.includes(run?.status ?? ''))) return true;
      if (run && run.status !== 'RUNNING' && (last !== want || !ends.includes(run.status))) {
        problems.push(`${label}: ${last}, execution ${run.status} ${run.error ?? ''}`);
        return false;
      }
      await sleep(50);
    }
    problems.push(`${label}: still ${last} after ${deadlineMs} ms, wanted ${want}`);
    return false;
  };

  const [happy, declined, undeliverable, held] = await Promise.all([
    webhook('happy', { externalOrderId: `happy-${tag}` }),
    webhook('declined', {
      payment: { provider: 'sandbox', reference: `decline-${tag}`, amount: '12.50' },
    }),
    webhook('undeliverable', {
      shippingAddress: { ...sampleOrder().shippingAddress, postalCode: '00000' },
    }),
    webhook('held', { discountCodes: ['WELCOME10'] }),
  ]);

  const api = await fetch(`${runtime.url}/orders`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${demo.options.apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': `tour-${tag}`,
    },
    body: JSON.stringify(sampleOrder({ externalOrderId: `api-${tag}`, discountCodes: ['HOLDME'] })),
  });
  const apiOrderId = ((await api.json().catch(() => ({}))) as { orderId?: string }).orderId;
  if (api.status !== 201) problems.push(`api create: answered ${api.status}`);

  await Promise.all([
    reach('happy', happy, 'DELIVERED'),
    reach('declined', declined, 'PAYMENT_FAILED'),
    (async () => {
      // A failed release the seller fixes and retries: the retry also takes its message off the DLQ.
      if (!(await reach('undeliverable', undeliverable, 'FAILED_TO_RELEASE'))) return;
      const fixed = await demo.request('PATCH', `/orders/${undeliverable}`, {
        shippingAddress: sampleOrder().shippingAddress,
      });
      if (fixed.status !== 200) problems.push(`undeliverable: address fix answered ${fixed.status}`);
      const retry = await demo.request<{ executionName?: string }>('POST', `/orders/${undeliverable}/retry`);
      if (retry.status !== 202) problems.push(`undeliverable: retry answered ${retry.status}`);
      else
        await reach('undeliverable, retried', undeliverable, 'DELIVERED', {
          execution: retry.body.executionName,
        });
      if (await dlqHolds(undeliverable!)) problems.push('undeliverable: its DLQ message outlived the retry');
    })(),
    (async () => {
      if (!(await reach('held', held, 'ON_HOLD'))) return;
      const release = await demo.request('POST', `/orders/${held}/release`, {});
      if (release.status !== 202) problems.push(`held: release answered ${release.status}`);
      await reach('held', held, 'DELIVERED');
    })(),
    (async () => {
      if (!(await reach('api order', apiOrderId, 'ON_HOLD'))) return;
      const cancel = await demo.request('POST', `/orders/${apiOrderId}/cancel`, { reason: 'tour' });
      if (cancel.status !== 200) problems.push(`api order: cancel answered ${cancel.status}`);
      await reach('api order', apiOrderId, 'CANCELLED', { ends: ['ABORTED', 'SUCCEEDED'] });
    })(),
  ]);

  for (const query of [`sku=MUG-RED`, `status=DELIVERED`, `externalOrderId=happy-${tag}`, `limit=5`]) {
    const { status, body } = await demo.request<{ items?: { orderId: string }[] }>('GET', `/orders?${query}`);
    if (status !== 200 || !body.items?.length)
      problems.push(`search ${query}: ${status}, ${body.items?.length}`);
  }

  // A stuck order: written as intake writes one, long ago, and its workflow never started.
  const { createOrder } = await import('../../../functions/shared/store/orders.js');
  const { newOrder } = await import('../../support/orders.js');
  const longAgo = new Date(Date.now() - 48 * 3600_000).toISOString();
  const stuck = { ...newOrder({ sellerId: 'demo' }), createdAt: longAgo, updatedAt: longAgo };
  stuck.history = [{ status: 'PENDING', at: longAgo, actor: 'storefront' }];
  await createOrder(stuck, []);
  try {
    const report = (await runtime.sweep()) as { resumed?: string[] };
    if (!report?.resumed?.includes(stuck.orderId)) problems.push('sweeper: did not resume the stuck order');
    else await reach('stuck', stuck.orderId, 'DELIVERED', { execution: `${stuck.orderId}-2` });
  } catch (error) {
    problems.push(`sweeper: failed (${(error as Error).name})`);
  }
  return problems;
}
