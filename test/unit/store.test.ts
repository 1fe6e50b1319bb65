import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reserveStock } from '../../functions/shared/store/inventory.js';
import { createOrder, transition } from '../../functions/shared/store/orders.js';
import { scopes } from '../../functions/shared/store/idempotency.js';
import { keys } from '../../functions/shared/store/schema.js';
import { handler as verifyPayment } from '../../functions/verify-payment/handler.js';
import { handler as generateLabel } from '../../functions/generate-label/handler.js';
import { newOrder } from '../support/orders.js';
import { lambdaContext } from '../support/lambda.js';

const dynamo = mockClient(DynamoDBDocumentClient);
afterEach(() => dynamo.reset());

const conditionFailed = () => new ConditionalCheckFailedException({ message: 'condition', $metadata: {} });
const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

describe('status transitions', () => {
  it('write one conditional update built from the transition table', async () => {
    const order = newOrder();
    dynamo.on(GetCommand).resolves({ Item: order });
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...order, status: 'CANCELLED' } });

    await transition(order.orderId, 'CANCELLED', { actor: 'seller', reason: 'customer asked' });

    const [update] = dynamo.commandCalls(UpdateCommand);
    const input = update!.args[0].input;
    expect(input.ConditionExpression).toMatch(/^#status IN \(/);
    expect(
      Object.entries(input.ExpressionAttributeValues!)
        .filter(([key]) => key.startsWith(':from'))
        .map(([, v]) => v),
    ).toEqual([
      'PENDING',
      'PAYMENT_VERIFIED',
      'STOCK_RESERVED',
      'ON_HOLD',
      'OUT_OF_STOCK',
      'FAILED_TO_RELEASE',
      'PAYMENT_FAILED',
    ]);
    expect(input.ExpressionAttributeValues![':entry']).toEqual([
      expect.objectContaining({ status: 'CANCELLED', actor: 'seller', reason: 'customer asked' }),
    ]);
    // A final status leaves the sweeper's index of open orders.
    expect(input.UpdateExpression).toMatch(/ REMOVE #rm0_0, #rm1_0$/);
    expect([input.ExpressionAttributeNames!['#rm0_0'], input.ExpressionAttributeNames!['#rm1_0']]).toEqual([
      'GSI4PK',
      'GSI4SK',
    ]);
  });

  it("book the sweeper's first look at the order a quarter of an hour after the write", async () => {
    const order = newOrder();
    dynamo.on(GetCommand).resolves({ Item: order });
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...order, status: 'PAYMENT_VERIFIED' } });

    await transition(order.orderId, 'PAYMENT_VERIFIED', { actor: 'workflow' });

    const values = dynamo.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues!;
    const writtenAt = Date.parse(values[':at'] as string);
    expect(values[':gsi4sk']).toBe(`${new Date(writtenAt + 15 * 60_000).toISOString()}#${order.orderId}`);
  });

  it('treat a repeat of a transition that already happened as done, without a second history entry', async () => {
    const order = newOrder();
    dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: order })
      .resolves({ Item: { ...order, status: 'PAYMENT_VERIFIED' } });
    dynamo.on(UpdateCommand).rejects(conditionFailed());

    const result = await transition(order.orderId, 'PAYMENT_VERIFIED', { actor: 'workflow' });

    expect(result.status).toBe('PAYMENT_VERIFIED');
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('refuse an illegal transition whoever asks', async () => {
    const order = { ...newOrder(), status: 'RELEASED' };
    dynamo.on(GetCommand).resolves({ Item: order });
    dynamo.on(UpdateCommand).rejects(conditionFailed());

    await expect(transition(order.orderId, 'CANCELLED', { actor: 'seller' })).rejects.toMatchObject({
      name: 'IllegalTransition',
      from: 'RELEASED',
      to: 'CANCELLED',
    });
  });
});

describe('stock reservation', () => {
  it('is one transaction: the status, the reservation and one guarded decrement per SKU', async () => {
    const order = {
      ...newOrder({
        items: [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
          { sku: 'A', quantity: 1 },
        ],
      }),
      status: 'PAYMENT_VERIFIED',
    };
    dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: order })
      .resolves({ Item: { ...order, status: 'STOCK_RESERVED' } });
    dynamo.on(TransactWriteCommand).resolves({});

    await reserveStock(order.orderId);

    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items).toHaveLength(4);
    const stock = items.slice(2).map((item) => item.Update!);
    expect(
      stock.map((update) => [
        update.Key!.SK,
        update.ExpressionAttributeValues![':q'],
        update.ConditionExpression,
      ]),
    ).toEqual([
      ['SKU#A', 3, 'available >= :q'],
      ['SKU#B', 1, 'available >= :q'],
    ]);
  });

  it('names the short SKUs when the transaction is cancelled on their conditions', async () => {
    const order = {
      ...newOrder({
        items: [
          { sku: 'A', quantity: 2 },
          { sku: 'B', quantity: 1 },
        ],
      }),
      status: 'PAYMENT_VERIFIED',
    };
    dynamo.on(GetCommand).resolves({ Item: order });
    dynamo.on(TransactWriteCommand).rejects(cancelled(['None', 'None', 'None', 'ConditionalCheckFailed']));

    await expect(reserveStock(order.orderId)).rejects.toMatchObject({ name: 'OutOfStock', skus: ['B'] });
  });

  it('retries a transaction that conflicted with another and then succeeds', async () => {
    const order = { ...newOrder(), status: 'PAYMENT_VERIFIED' };
    dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: order })
      .resolves({ Item: { ...order, status: 'STOCK_RESERVED' } });
    dynamo
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled(['None', 'None', 'TransactionConflict']))
      .resolves({});

    const reserved = await reserveStock(order.orderId);

    expect(reserved.status).toBe('STOCK_RESERVED');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });
});

describe('AWS failures are never business outcomes', () => {
  const reserving = () => {
    const order = { ...newOrder(), status: 'PAYMENT_VERIFIED' };
    dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: order })
      .resolves({ Item: { ...order, status: 'STOCK_RESERVED' } });
    return order;
  };

  it.each(['ThrottlingError', 'ProvisionedThroughputExceeded', 'InternalServerError'])(
    'a transaction cancelled for %s is sent again, not taken for a stock shortage',
    async (code) => {
      const order = reserving();
      dynamo
        .on(TransactWriteCommand)
        .rejectsOnce(cancelled(['None', 'None', code]))
        .resolves({});

      const reserved = await reserveStock(order.orderId);

      expect(reserved.status).toBe('STOCK_RESERVED');
      expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
    },
  );

  it('a transaction that keeps being throttled is a TransientError, never OutOfStock', async () => {
    const order = reserving();
    dynamo.on(TransactWriteCommand).rejects(cancelled(['None', 'ThrottlingError', 'None']));
    vi.useFakeTimers();
    try {
      const outcome = expect(reserveStock(order.orderId)).rejects.toMatchObject({ name: 'TransientError' });
      await vi.runAllTimersAsync();
      await outcome;
    } finally {
      vi.useRealTimers();
    }
    expect(dynamo.commandCalls(TransactWriteCommand).length).toBeGreaterThan(1);
  });

  it("a task whose DynamoDB call stays throttled after the SDK's retries reports TransientError", async () => {
    const order = newOrder();
    dynamo.on(GetCommand).resolves({ Item: order });
    dynamo.on(BatchWriteCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: 'slow down',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    await expect(verifyPayment({ orderId: order.orderId }, lambdaContext())).rejects.toMatchObject({
      name: 'TransientError',
      message: expect.stringContaining('ProvisionedThroughputExceededException'),
    });
  });

  it('a task keeps the name of an AWS error that retrying cannot fix (AccessDenied)', async () => {
    const order = newOrder();
    dynamo.on(GetCommand).resolves({ Item: order });
    const denied = Object.assign(new Error('not authorized to perform: dynamodb:BatchWriteItem'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      $fault: 'client',
    });
    dynamo.on(BatchWriteCommand).rejects(denied);

    await expect(verifyPayment({ orderId: order.orderId }, lambdaContext())).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });
});

describe('seller API idempotency records', () => {
  it('expire for an Idempotency-Key, never for an external order id', async () => {
    dynamo.on(TransactWriteCommand).resolves({});
    const order = newOrder();

    await createOrder(order, [
      scopes.idempotencyKey('demo', 'key-1'),
      scopes.external('demo', 'api', 'EXT-1'),
    ]);

    const items = dynamo.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    const record = (scope: string) => items.find((item) => item.Put?.Item?.PK === `IDEMPOTENCY#${scope}`)!;
    expect(record(scopes.idempotencyKey('demo', 'key-1')).Put!.Item!.expiresAt).toEqual(expect.any(Number));
    expect(record(scopes.external('demo', 'api', 'EXT-1')).Put!.Item).not.toHaveProperty('expiresAt');
  });
});

describe('task handlers', () => {
  it('verify-payment indexes the order, then lets a decline through to the state machine with no status written', async () => {
    const order = newOrder({ payment: { provider: 'sandbox', reference: 'decline_card', amount: '12.50' } });
    dynamo.on(GetCommand).resolves({ Item: order });
    dynamo.on(BatchWriteCommand).resolves({});

    await expect(verifyPayment({ orderId: order.orderId }, lambdaContext())).rejects.toMatchObject({
      name: 'PaymentDeclined',
    });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
    const written = dynamo
      .commandCalls(BatchWriteCommand)
      .flatMap((call) => Object.values(call.args[0].input.RequestItems ?? {}).flat())
      .map((request) => request.PutRequest?.Item?.SK);
    expect(written).toEqual([
      ...order.items.flatMap((line) => [`LOOKUP#SKU#${line.sku}`, `LOOKUP#PRODUCT#${line.productId}`]),
      `LOOKUP#EMAIL#${order.customer.email.toLowerCase()}`,
    ]);
  });

  it('verify-payment retries the lookups DynamoDB leaves unprocessed', async () => {
    const order = newOrder({ payment: { provider: 'sandbox', reference: 'decline_card', amount: '12.50' } });
    dynamo.on(GetCommand).resolves({ Item: order });
    dynamo
      .on(BatchWriteCommand)
      .resolvesOnce({
        UnprocessedItems: {
          [process.env.ORDERS_TABLE!]: [{ PutRequest: { Item: { PK: `ORDER#${order.orderId}`, SK: 'x' } } }],
        },
      })
      .resolves({});

    await expect(verifyPayment({ orderId: order.orderId }, lambdaContext())).rejects.toMatchObject({
      name: 'PaymentDeclined',
    });
    expect(dynamo.commandCalls(BatchWriteCommand)).toHaveLength(2);
    expect(dynamo.commandCalls(BatchWriteCommand)[1]!.args[0].input.RequestItems).toEqual({
      [process.env.ORDERS_TABLE!]: [{ PutRequest: { Item: { PK: `ORDER#${order.orderId}`, SK: 'x' } } }],
    });
  });

  it('verify-payment writes the lookups of a 30-line order in batches of at most 25', async () => {
    const order = newOrder({
      items: Array.from({ length: 30 }, (_, index) => ({ sku: `SKU-${index}`, quantity: 1 })),
    });
    dynamo.on(GetCommand).resolves({ Item: order });
    dynamo.on(BatchWriteCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({ Attributes: { ...order, status: 'PAYMENT_VERIFIED' } });

    await verifyPayment({ orderId: order.orderId }, lambdaContext());

    const sizes = dynamo
      .commandCalls(BatchWriteCommand)
      .map((call) => Object.values(call.args[0].input.RequestItems ?? {}).flat().length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(25);
    // 30 SKUs, 30 products and one email.
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(61);
  });

  it('verify-payment rejects input without an order id', async () => {
    await expect(verifyPayment({}, lambdaContext())).rejects.toThrow();
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('generate-label does not buy a second label for an order that has one', async () => {
    const order = {
      ...newOrder(),
      status: 'SHIPPED',
      shipment: { estimatedDeliveryAt: '2026-01-04T00:00:00.000Z', trackingNumber: 'SBX1' },
    };
    dynamo.on(GetCommand, { Key: keys.order(order.orderId) }).resolves({ Item: order });

    const result = await generateLabel({ orderId: order.orderId }, lambdaContext());

    // The estimate is long past: the wait for the carrier's push is the shortest Step Functions allows.
    expect(result).toEqual({
      status: 'SHIPPED',
      nextPollAt: '2026-01-04T00:00:00.000Z',
      wait: { Payload: { orderId: order.orderId, timeoutSeconds: 1 } },
    });
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    // The order, and the seller for its carrier: never the label record.
    const read = dynamo.commandCalls(GetCommand).map((call) => call.args[0].input.Key?.SK);
    expect(read).not.toContain('LABEL');
    expect(read).toContain('ORDER');
  });
});
