import { SFNClient } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/services.js';
import {
  awaitSettled,
  clientFor,
  deliverUntilAccepted,
  executionHistory,
  inParallel,
  sendGenericWebhook,
  serverErrors,
} from './support/api.js';
import { startInProcessRuntime } from './support/in-process.js';
import { assertOutcome, planOrders } from './support/mix.js';

let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;

beforeAll(async () => {
  // Read by the sandbox providers on every call: 30 % of payment and carrier calls fail transiently.
  process.env.ORDERFLOW_FAULT_RATE = '0.3';
  runtime = await startInProcessRuntime();
});
afterAll(async () => {
  delete process.env.ORDERFLOW_FAULT_RATE;
  await runtime?.cleanUp();
});

describe('30 % transient faults in payment and carrier calls', () => {
  it('every order still ends where it should, with one label each, and the retries are in the history', async () => {
    const demo = clientFor(runtime.url);
    const plan = planOrders({ happy: 30, declined: 5, lost: 5, outOfStock: 5, undeliverable: 5 });

    const answers = await inParallel(plan, 8, ({ input }) =>
      deliverUntilAccepted(() => sendGenericWebhook(runtime.url, JSON.stringify(input))),
    );
    const orderIds = answers.map((answer) => answer.json.orderId as string);
    const orders = await awaitSettled(demo, orderIds, 150_000);
    // Payment and carrier faults are the workflow's to retry: the API answered every request.
    expect(serverErrors.unexpected()).toEqual([]);

    await assertOutcome({
      client: demo,
      dynamoDbEndpoint: runtime.dynamo.endpoint,
      plan,
      orderIds,
      orders,
      initialStock: { 'MUG-RED': 100, 'TEE-BLK-M': 50, 'POSTER-A2': 10 },
    });

    const sfn = new SFNClient({
      endpoint: runtime.stepFunctions.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const faults: Record<string, number> = {};
    for (const orderId of orderIds) {
      const events = await executionHistory(sfn, runtime.stepFunctions.engine.executionArn(orderId));
      for (const event of events) {
        const failed = event.lambdaFunctionFailedEventDetails;
        if (event.type !== 'LambdaFunctionFailed' || failed?.error !== 'TransientError') continue;
        const call = /injected fault in ([\w.]+)/.exec(failed.cause ?? '')?.[1] ?? 'other';
        faults[call] = (faults[call] ?? 0) + 1;
        // Retried: the same state scheduled its function again after the failure.
        expect(
          events.find((later) => later.id! > event.id! && later.type === 'LambdaFunctionScheduled'),
        ).toBeDefined();
      }
    }
    sfn.destroy();
    expect(faults.payment).toBeGreaterThan(0);
    expect(faults['carrier.buyLabel']).toBeGreaterThan(0);
    expect(faults['carrier.track']).toBeGreaterThan(0);
  });

  it('a permanent failure (undeliverable address) lands in the release DLQ with its reason', async () => {
    const sqs = new SQSClient({
      endpoint: runtime.sqs.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const messages: Record<string, unknown>[] = [];
    for (let i = 0; i < 5 && messages.length < 5; i++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: runtime.releaseDlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
        }),
      );
      messages.push(...Messages.map((message) => JSON.parse(message.Body!) as Record<string, unknown>));
    }
    sqs.destroy();
    const { items } = (
      await clientFor(runtime.url).request<{ items: { orderId: string }[] }>(
        'GET',
        '/orders?status=FAILED_TO_RELEASE&limit=100',
      )
    ).body;

    expect(items).toHaveLength(5);
    expect(messages.map((message) => message.orderId).sort()).toEqual(
      items.map((order) => order.orderId).sort(),
    );
    for (const message of messages) {
      expect(message).toEqual({
        orderId: expect.any(String),
        sellerId: 'demo',
        reason: 'bad_address',
        failedAt: expect.any(String),
      });
    }
  });
});
