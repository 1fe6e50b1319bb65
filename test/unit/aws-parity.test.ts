import {
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { awsFaults } from '../../infra/local/aws/faults.js';
import { seededRandom } from '../../functions/shared/random.js';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { authorizationsFor, evaluate, type LocalNames } from '../../infra/local/aws/iam.js';
import { asDeployed } from '../../infra/local/aws/lambda.js';
import { installSdkParity, runAs } from '../../infra/local/aws/sdk-parity.js';
import type { FunctionModel, PolicyStatement } from '../../infra/local/aws/stack-model.js';

const names: LocalNames = {
  partition: 'aws',
  region: 'us-east-1',
  account: '000000000000',
  tableName: 'orders',
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:orderflow',
  releaseDlqUrl: 'http://127.0.0.1:9324/000000000000/release-dlq',
  orderEventsBus: 'orderflow-events',
  webhookDeliveriesUrl: 'http://127.0.0.1:9324/000000000000/webhook-deliveries',
  shopifySyncUrl: 'http://127.0.0.1:9324/000000000000/shopify-sync',
  labelBucket: 'orderflow-labels',
  functionArn: (name) => `arn:aws:lambda:us-east-1:000000000000:function:orderflow-${name}`,
};
const TABLE = 'arn:aws:dynamodb:us-east-1:000000000000:table/orders';

describe('IAM evaluation of the stack’s statements', () => {
  const statements: PolicyStatement[] = [
    { effect: 'Allow', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: ['{{table}}'] },
    { effect: 'Allow', actions: ['dynamodb:Query'], resources: ['{{table}}/index/ByStatus'] },
    {
      effect: 'Allow',
      actions: ['states:DescribeExecution'],
      resources: ['arn:{{partition}}:states:{{region}}:{{account}}:execution:{{stateMachineName}}:*'],
    },
  ];

  it('allows what a statement names, on the resource it names, wildcards included', () => {
    expect(evaluate(statements, 'dynamodb:GetItem', TABLE, names)).toBe('allowed');
    expect(evaluate(statements, 'DynamoDB:getitem', TABLE, names)).toBe('allowed');
    expect(evaluate(statements, 'dynamodb:Query', `${TABLE}/index/ByStatus`, names)).toBe('allowed');
    expect(
      evaluate(
        statements,
        'states:DescribeExecution',
        'arn:aws:states:us-east-1:000000000000:execution:orderflow:ord_1-2',
        names,
      ),
    ).toBe('allowed');
  });

  it('allows a statement with a LeadingKeys condition only when every partition key matches it', () => {
    const orders: PolicyStatement[] = [
      { effect: 'Allow', actions: ['dynamodb:GetItem'], resources: ['{{table}}'], leadingKeys: ['ORDER#*'] },
    ];
    expect(evaluate(orders, 'dynamodb:GetItem', TABLE, names, ['ORDER#1'])).toBe('allowed');
    expect(evaluate(orders, 'dynamodb:GetItem', TABLE, names, ['ORDER#1', 'SECRET#a'])).toBe('implicitDeny');
    expect(evaluate(orders, 'dynamodb:GetItem', TABLE, names, ['XORDER#1'])).toBe('implicitDeny');
  });

  it('denies any other action, resource or index, and an explicit Deny wins', () => {
    expect(evaluate(statements, 'dynamodb:BatchWriteItem', TABLE, names)).toBe('implicitDeny');
    expect(evaluate(statements, 'dynamodb:GetItem', `${TABLE}-other`, names)).toBe('implicitDeny');
    expect(evaluate(statements, 'dynamodb:Query', TABLE, names)).toBe('implicitDeny');
    expect(evaluate(statements, 'dynamodb:Query', `${TABLE}/index/BySeller`, names)).toBe('implicitDeny');
    const denied = [...statements, { effect: 'Deny' as const, actions: ['dynamodb:*'], resources: ['*'] }];
    expect(evaluate(denied, 'dynamodb:GetItem', TABLE, names)).toBe('explicitDeny');
  });

  it('authorizes a transaction per part and a batch per table, as AWS does', () => {
    expect(
      authorizationsFor(
        'DynamoDB_20120810.TransactWriteItems',
        {
          TransactItems: [
            { Update: { TableName: 'orders', Key: { PK: { S: 'ORDER#1' } } } },
            { Put: { TableName: 'orders', Item: { PK: { S: 'SELLER#a' } } } },
            { ConditionCheck: { TableName: 'orders', Key: { PK: { S: 'APIKEY#x' } } } },
          ],
        },
        names,
      ),
    ).toEqual([
      { action: 'dynamodb:UpdateItem', resource: TABLE, leadingKeys: ['ORDER#1'] },
      { action: 'dynamodb:PutItem', resource: TABLE, leadingKeys: ['SELLER#a'] },
      { action: 'dynamodb:ConditionCheckItem', resource: TABLE, leadingKeys: ['APIKEY#x'] },
    ]);
    expect(
      authorizationsFor(
        'DynamoDB_20120810.BatchWriteItem',
        {
          RequestItems: {
            orders: [
              { PutRequest: { Item: { PK: { S: 'ORDER#1' } } } },
              { DeleteRequest: { Key: { PK: { S: 'ORDER#2' } } } },
            ],
          },
        },
        names,
      ),
    ).toEqual([{ action: 'dynamodb:BatchWriteItem', resource: TABLE, leadingKeys: ['ORDER#1', 'ORDER#2'] }]);
    // A query's partition is the value its key condition gives the (table's or index's) partition key.
    expect(
      authorizationsFor(
        'DynamoDB_20120810.Query',
        {
          TableName: 'orders',
          IndexName: 'Open',
          KeyConditionExpression: '#sk < :after AND #pk = :shard',
          ExpressionAttributeNames: { '#pk': 'GSI4PK', '#sk': 'GSI4SK' },
          ExpressionAttributeValues: { ':shard': { S: 'OPEN#3' }, ':after': { S: '2026' } },
        },
        names,
      ),
    ).toEqual([{ action: 'dynamodb:Query', resource: `${TABLE}/index/Open`, leadingKeys: ['OPEN#3'] }]);
    expect(authorizationsFor('AmazonSQS.SendMessage', { QueueUrl: names.releaseDlqUrl }, names)).toEqual([
      { action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:release-dlq' },
    ]);
    expect(authorizationsFor('AWSStepFunctions.SendTaskSuccess', { taskToken: 'AQ' }, names)).toEqual([
      { action: 'states:SendTaskSuccess', resource: names.stateMachineArn },
    ]);
  });
});

describe('SDK calls made as a role', () => {
  // No network: every request below is answered by the parity layer before it is sent.
  const documents = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' },
      maxAttempts: 3,
    }),
  );
  const write = new TransactWriteCommand({
    TransactItems: [{ Put: { TableName: 'orders', Item: { PK: 'a', SK: 'b' } } }],
  });

  it("are refused with the service's own AccessDeniedException when the role does not allow them", async () => {
    const parity = installSdkParity({ names: () => names });
    const role = { name: 'mark-status', statements: [] };

    await expect(runAs(role, () => documents.send(write))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('is not authorized to perform: dynamodb:PutItem on resource:'),
      $metadata: { httpStatusCode: 400 },
    });
    expect(parity.denials.at(-1)).toMatchObject({ principal: 'mark-status', action: 'dynamodb:PutItem' });
  });

  it("refuses an S3 object call outside the role's prefix with S3's own AccessDenied, and allows one inside", async () => {
    const parity = installSdkParity({ names: () => names });
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' },
      maxAttempts: 1,
    });
    const role = {
      name: 'generate-label',
      statements: [
        { effect: 'Allow' as const, actions: ['s3:PutObject'], resources: ['{{labelBucket}}/labels/*'] },
      ],
    };
    const put = (Key: string) =>
      new PutObjectCommand({ Bucket: 'orderflow-labels', Key, Body: new Uint8Array([1]) });

    const outside = runAs(role, () => s3.send(put('other/x.pdf')));
    const read = runAs(role, () =>
      s3.send(new GetObjectCommand({ Bucket: 'orderflow-labels', Key: 'labels/demo/ord_1.pdf' })),
    );
    // Allowed, so it is sent: to a closed port, where it fails on the network instead of being refused.
    const inside = runAs(role, () => s3.send(put('labels/demo/ord_1.pdf')));

    await expect(outside).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(read).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining(
        'not authorized to perform: s3:GetObject on resource: arn:aws:s3:::orderflow-labels/labels/demo/ord_1.pdf',
      ),
    });
    await expect(inside).rejects.not.toMatchObject({ name: 'AccessDenied' });
    expect(parity.allowed).toContain('generate-label s3:PutObject');
    expect(
      parity.denials
        .slice(-2)
        .map((d) => `${d.action} ${d.resource}`)
        .sort(),
    ).toEqual([
      's3:GetObject arn:aws:s3:::orderflow-labels/labels/demo/ord_1.pdf',
      's3:PutObject arn:aws:s3:::orderflow-labels/other/x.pdf',
    ]);
    s3.destroy();
  });

  it("fail with AWS's throttling errors, which the SDK retries as it would on AWS", async () => {
    const parity = installSdkParity({ names: () => names });
    parity.setFaults(awsFaults({ rate: 0.999999, seed: 1 }));
    const role = {
      name: 'reserve-stock',
      statements: [{ effect: 'Allow' as const, actions: ['dynamodb:*'], resources: ['{{table}}'] }],
    };
    const get = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'unit', secretAccessKey: 'unit' },
      maxAttempts: 2,
    });
    try {
      const failure = await runAs(role, () =>
        get.send(new GetItemCommand({ TableName: 'orders', Key: {} })),
      ).catch((error: unknown) => error as Error & { $metadata: { attempts: number } });
      expect([
        'ThrottlingException',
        'ProvisionedThroughputExceededException',
        'InternalServerError',
      ]).toContain((failure as Error).name);
      expect((failure as { $metadata: { attempts: number } }).$metadata.attempts).toBe(2);
      if ((failure as Error).name === 'ProvisionedThroughputExceededException') {
        expect(failure).toBeInstanceOf(ProvisionedThroughputExceededException);
      }
    } finally {
      parity.setFaults(undefined);
    }
  });

  it('a sustained fault fails every attempt of one call, and only that call', () => {
    const faults = awsFaults({ rate: 0.5, seed: 7, sustained: 1 });
    const get = 'DynamoDB_20120810.GetItem';
    let first: string | undefined;
    for (let call = 0; !first; call++) if (faults.next(get, {}, `call-${call}`)) first = `call-${call}`;
    const again = [1, 2, 3].map(() => faults.next(get, {}, first)?.type);
    expect(new Set(again).size).toBe(1);
    expect(again[0]).toMatch(
      /#(ThrottlingException|ProvisionedThroughputExceededException|InternalServerError)$/,
    );

    const passing = awsFaults({ rate: 0.5, seed: 7 });
    for (let call = 0; passing.next(get, {}, 'x') === undefined; call++) expect(call).toBeLessThan(100);
    // Without `sustained`, the same call's next attempt draws afresh: some attempt of it passes.
    const attempts = Array.from({ length: 50 }, () => passing.next(get, {}, 'x'));
    expect(attempts).toContain(undefined);
  });

  it('seeded faults repeat exactly', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const draws = Array.from({ length: 5 }, () => [a(), b()]);
    for (const [x, y] of draws) expect(x).toBe(y);
    expect(new Set(draws.map(([x]) => x)).size).toBe(5);
  });
});

describe('a function run as deployed', () => {
  const model: FunctionModel = { timeoutSeconds: 0.05, memorySize: 512, statements: [] };
  const options = { functionName: 'orderflow-x', functionArn: names.functionArn('x') };

  it('fails with Sandbox.Timedout past the timeout the stack gives it', async () => {
    const slow = asDeployed(
      'x',
      () => new Promise((resolve) => setTimeout(resolve, 1_000)),
      () => model,
      options,
    );

    await expect(slow({}, {} as never)).rejects.toMatchObject({
      name: 'Sandbox.Timedout',
      message: expect.stringMatching(/Task timed out after 0\.05 seconds$/),
    });
  });

  it('gets the memory and remaining time of the deployed function in its context', async () => {
    const seen = asDeployed(
      'x',
      async (_event, context) => ({
        memory: context.memoryLimitInMB,
        left: context.getRemainingTimeInMillis(),
      }),
      () => ({ ...model, timeoutSeconds: 20 }),
      options,
    );

    const result = (await seen({}, {} as never)) as { memory: string; left: number };
    expect(result.memory).toBe('512');
    expect(result.left).toBeGreaterThan(19_000);
    expect(result.left).toBeLessThanOrEqual(20_000);
  });

  it('is throttled by the fault drill as Lambda throttles the state machine’s invocations', async () => {
    const throttled = asDeployed(
      'x',
      async () => 'ran',
      () => model,
      {
        ...options,
        faults: () => awsFaults({ rate: 0.999999, seed: 3 }),
      },
    );

    await expect(throttled({}, {} as never)).rejects.toMatchObject({
      name: 'Lambda.TooManyRequestsException',
    });
  });
});
