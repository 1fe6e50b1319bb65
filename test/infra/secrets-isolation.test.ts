import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../functions/shared/store/schema.js';
import { hashApiKey } from '../../functions/shared/store/sellers.js';
import type { FunctionName } from '../../infra/bundling.js';
import { authorizationsFor, evaluate, type LocalNames } from '../../infra/local/aws/iam.js';
import { installSdkParity, runAs } from '../../infra/local/aws/sdk-parity.js';
import { loadStackModel, type StackModel } from '../../infra/local/aws/stack-model.js';

/**
 * The roles of the synthesized stack, as the local runtime enforces them: the task functions and the other
 * functions that need no secret cannot read the storefront's webhook secrets, provider credentials (unless
 * they call a provider), webhook endpoints or API keys, because their table grant is limited to the
 * partitions they use (dynamodb:LeadingKeys).
 */

const TABLE = 'orders';
const names: LocalNames = {
  partition: 'aws',
  region: 'us-east-1',
  account: '000000000000',
  tableName: TABLE,
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:orderflow',
  releaseDlqUrl: 'http://127.0.0.1:9324/000000000000/release-dlq',
  orderEventsBus: 'orderflow-events',
  webhookDeliveriesUrl: 'http://127.0.0.1:9324/000000000000/webhook-deliveries',
  shopifySyncUrl: 'http://127.0.0.1:9324/000000000000/shopify-sync',
  labelBucket: 'orderflow-labels',
  functionArn: (name) => `arn:aws:lambda:us-east-1:000000000000:function:orderflow-${name}`,
};

// No network: every request below is refused by the parity layer before it is sent.
const documents = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' },
    maxAttempts: 1,
  }),
);

let model: StackModel;
beforeAll(async () => {
  model = await loadStackModel();
  installSdkParity({ names: () => names });
}, 120_000);

const TASKS = [
  'verify-payment',
  'reserve-stock',
  'await-payment',
  'await-release',
  'release-order',
  'generate-label',
  'poll-delivery',
  'mark-status',
] as const satisfies FunctionName[];
/** Functions that call no payment or carrier provider, so hold no provider credential. */
const WITHOUT_PROVIDERS = [
  'reserve-stock',
  'await-payment',
  'await-release',
  'delivery-sweeper',
  'queue-webhooks',
  'deliver-webhooks',
] as const satisfies FunctionName[];

const apiKeyItem = keys.apiKey(hashApiKey('demo-api-key'));
const SECRET_ITEMS = {
  'API key': apiKeyItem,
  "seller's API key entry": keys.sellerApiKey('demo', hashApiKey('demo-api-key')),
  'storefront webhook secrets': keys.webhookSecrets('demo'),
  'webhook endpoint': keys.webhookEndpoint('demo', 'whe_1'),
};

const as = (name: FunctionName) => ({ name, statements: model.functions[name].statements });
const refusal = {
  name: 'AccessDeniedException',
  message: expect.stringContaining('is not authorized to perform: dynamodb:'),
};

/** Whether the role may send the request, as the parity layer decides it (without sending it). */
function allows(name: FunctionName, target: string, body: Record<string, unknown>): boolean {
  return authorizationsFor(`DynamoDB_20120810.${target}`, body, names).every(
    ({ action, resource, leadingKeys }) =>
      evaluate(model.functions[name].statements, action, resource, names, leadingKeys) === 'allowed',
  );
}
const wire = (key: { PK: string; SK: string }) => ({ PK: { S: key.PK }, SK: { S: key.SK } });

describe('a task role reading a secret or key item', () => {
  it.each([...TASKS, 'delivery-sweeper', 'queue-webhooks', 'deliver-webhooks'] as const)(
    '%s is refused the API key, the webhook secrets and the endpoints (those it does not use)',
    async (name) => {
      const items = Object.entries(SECRET_ITEMS).filter(
        ([what]) => !(what === 'webhook endpoint' && name.endsWith('-webhooks')),
      );
      for (const [what, Key] of items) {
        await expect(
          runAs(as(name), () => documents.send(new GetCommand({ TableName: TABLE, Key }))),
          `${name} reading the ${what}`,
        ).rejects.toMatchObject(refusal);
      }
    },
  );

  it.each(WITHOUT_PROVIDERS)('%s is refused the provider credentials', async (name) => {
    const Key = keys.providerSecret('demo', 'stripe');
    await expect(
      runAs(as(name), () => documents.send(new GetCommand({ TableName: TABLE, Key }))),
    ).rejects.toMatchObject(refusal);
  });

  it('is refused when one key of a batch or transaction is outside its partitions', async () => {
    const order = keys.order('ord_1');
    await expect(
      runAs(as('reserve-stock'), () =>
        documents.send(
          new BatchGetCommand({ RequestItems: { [TABLE]: { Keys: [order, keys.webhookSecrets('demo')] } } }),
        ),
      ),
    ).rejects.toMatchObject(refusal);
    await expect(
      runAs(as('mark-status'), () =>
        documents.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: TABLE,
                  Key: order,
                  UpdateExpression: 'SET a = :a',
                  ExpressionAttributeValues: { ':a': 1 },
                },
              },
              { Put: { TableName: TABLE, Item: { ...apiKeyItem, sellerId: 'attacker' } } },
            ],
          }),
        ),
      ),
    ).rejects.toMatchObject(refusal);
  });

  it("is refused a query of a secret partition, though the role may query (queue-webhooks' own)", async () => {
    const query = (pk: string) =>
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'PK' },
        ExpressionAttributeValues: { ':pk': pk },
      });
    await expect(
      runAs(as('queue-webhooks'), () => documents.send(query(keys.webhookSecrets('demo').PK))),
    ).rejects.toMatchObject(refusal);
    expect(
      allows('queue-webhooks', 'Query', {
        TableName: TABLE,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'PK' },
        ExpressionAttributeValues: { ':pk': { S: keys.webhookEndpoint('demo', '').PK } },
      }),
    ).toBe(true);
  });
});

describe('the partitions each role keeps', () => {
  it('every task reads its order and the seller profile it needs; reserve-stock the stock', () => {
    for (const name of TASKS) {
      expect(allows(name, 'GetItem', { TableName: TABLE, Key: wire(keys.order('ord_1')) }), name).toBe(true);
    }
    expect(allows('reserve-stock', 'GetItem', { TableName: TABLE, Key: wire(keys.seller('demo')) })).toBe(
      true,
    );
    expect(
      allows('reserve-stock', 'BatchGetItem', {
        RequestItems: {
          [TABLE]: { Keys: [wire(keys.stock('demo', 'MUG')), wire(keys.skuMapping('demo', 'variant', '1'))] },
        },
      }),
    ).toBe(true);
  });

  it('the tasks that call a provider read its credentials; the api reads every secret it checks webhooks with', () => {
    const credentials = { TableName: TABLE, Key: wire(keys.providerSecret('demo', 'stripe')) };
    for (const name of [
      'verify-payment',
      'release-order',
      'generate-label',
      'poll-delivery',
      'mark-status',
    ] as const) {
      expect(allows(name, 'GetItem', credentials), name).toBe(true);
    }
    for (const key of [keys.webhookSecrets('demo'), keys.providerSecret('demo', 'stripe'), apiKeyItem]) {
      expect(allows('api', 'GetItem', { TableName: TABLE, Key: wire(key) }), key.PK).toBe(true);
    }
  });

  it('the webhook functions read the endpoints and their deliveries only', () => {
    for (const name of ['queue-webhooks', 'deliver-webhooks'] as const) {
      expect(
        allows(name, 'GetItem', { TableName: TABLE, Key: wire(keys.webhookEndpoint('demo', 'whe_1')) }),
      ).toBe(true);
      expect(
        allows(name, 'GetItem', { TableName: TABLE, Key: wire(keys.webhookDelivery('whe_1', 'e1')) }),
      ).toBe(true);
      expect(allows(name, 'GetItem', { TableName: TABLE, Key: wire(keys.order('ord_1')) }), name).toBe(false);
    }
  });
});
