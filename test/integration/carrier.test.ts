import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { documents } from '../../functions/shared/clients.js';
import type { LabelRequest } from '../../functions/shared/providers/carrier.js';
import { sandboxLabels } from '../../functions/shared/providers/labels.js';
import { keys } from '../../functions/shared/store/schema.js';
import { tableName } from '../../functions/shared/store/table.js';
import { newOrder } from '../support/orders.js';

describe('sandbox labels against DynamoDB Local', () => {
  it('buys one label per idempotency key, however often and however concurrently it is asked', async () => {
    const request: LabelRequest = {
      idempotencyKey: 'ord_carrier-1',
      orderId: 'ord_carrier',
      sellerId: 'demo',
      method: 'standard',
      region: 'domestic',
      address: newOrder().shippingAddress,
    };

    const concurrent = await Promise.all(Array.from({ length: 8 }, () => sandboxLabels.buyLabel(request)));
    const later = await sandboxLabels.buyLabel(request);

    for (const label of concurrent) expect(label).toEqual(concurrent[0]);
    expect(later).toEqual(concurrent[0]);
    const { PK } = keys.label(request.idempotencyKey);
    const { Items } = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': PK },
      }),
    );
    expect(Items).toHaveLength(1);
    expect(Items![0]!.label).toEqual(later);
  });
});
