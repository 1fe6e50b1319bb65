import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoClient } from '../../infra/local/services.js';
import { malformedRequests, type RawRequest } from '../support/malformed-input.js';
import { DEMO_SELLER, inParallel, request } from './support/api.js';
import { startInProcessRuntime } from './support/in-process.js';

let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;

beforeAll(async () => {
  // As the stack sets it: the corpus's private and plain-http webhook URLs are refused, as on AWS.
  runtime = await startInProcessRuntime({ webhookUrlPolicy: 'public-https' });
});
afterAll(async () => {
  await runtime?.cleanUp();
});

/** Every item in the runtime's table, for "nothing was written". */
async function tableItems(): Promise<number> {
  const client = localDynamoClient(runtime.dynamo.endpoint);
  let count = 0;
  let startKey: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: 'orderflow',
        Select: 'COUNT',
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (startKey);
  client.destroy();
  return count;
}

/** Sends a corpus request over HTTP as a client would: JSON unless the request says otherwise. */
function send(raw: RawRequest) {
  const body =
    raw.body === undefined || typeof raw.body === 'string' || Buffer.isBuffer(raw.body)
      ? raw.body
      : JSON.stringify(raw.body);
  const query = raw.query ? `?${new URLSearchParams(raw.query)}` : '';
  return request(`${runtime.url}${raw.path}${query}`, {
    method: raw.method,
    headers: { 'content-type': 'application/json', ...raw.headers },
    ...(body === undefined ? {} : { body }),
  });
}

describe('the malformed-input corpus through the HTTP gateway', () => {
  it('is answered with 4xx only, and nothing is written, started or queued', async () => {
    const before = await tableItems();
    const corpus = malformedRequests(DEMO_SELLER);

    const answers = await inParallel(corpus, 32, ({ request: raw }) => send(raw));

    expect(corpus.length).toBeGreaterThanOrEqual(300);
    const unexpected = corpus
      .map(({ label, expected }, index) => ({ label, expected, status: answers[index]!.status }))
      .filter(({ expected, status }) => !expected.includes(status));
    expect(unexpected).toEqual([]);
    for (const answer of answers.filter(({ status }) => status >= 400)) {
      expect(answer.json?.error).toEqual(
        expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
      );
    }
    expect(await tableItems()).toBe(before);
    expect(runtime.stepFunctions.engine.listExecutions().executions).toEqual([]);
    const sqs = new SQSClient({
      endpoint: runtime.sqs.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: runtime.releaseDlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages'],
      }),
    );
    sqs.destroy();
    expect(Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect((await request(`${runtime.url}/health`)).status).toBe(200);
  });
});
