import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startSqs, type LocalSqs } from '../../infra/local/services.js';

/**
 * The SQS emulator as `npm start` runs it, persisted to disk. fauxqs 2.4.1 lost a message made visible
 * again (ChangeMessageVisibility 0) when persisting: it wrote null into a NOT NULL column, threw, and had
 * already taken the message out of flight. patches/fauxqs+2.4.1.patch fixes it; this shows it stays fixed.
 */
let sqs: LocalSqs;
let client: SQSClient;
const dataDir = mkdtempSync(join(tmpdir(), 'orderflow-sqs-'));

beforeAll(async () => {
  sqs = await startSqs({ dataDir });
  client = new SQSClient({ endpoint: sqs.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
});
afterAll(async () => {
  client?.destroy();
  await sqs?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the SQS emulator on disk', () => {
  it('keeps a message made visible again beside one deleted, as the release DLQ scan does', async () => {
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'scan' }));
    for (const body of ['retried', 'other']) {
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    }
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    const handle = (body: string) => Messages.find((message) => message.Body === body)!.ReceiptHandle!;

    await client.send(
      new DeleteMessageBatchCommand({ QueueUrl, Entries: [{ Id: '0', ReceiptHandle: handle('retried') }] }),
    );
    const visible = await client.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl,
        Entries: [{ Id: '0', ReceiptHandle: handle('other'), VisibilityTimeout: 0 }],
      }),
    );
    const again = await client.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );

    expect(Messages).toHaveLength(2);
    expect(visible.Failed ?? []).toEqual([]);
    expect(again.Messages?.map((message) => message.Body)).toEqual(['other']);
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('keeps a queue and its messages when the runtime starts again on the same data folder', async () => {
    // The release DLQ as the runtime sets it up on every start: a restart (SIGKILL and `npm start`) must not
    // empty it. fauxqs's own createQueue did, so the crash drills counted a failed order's message missing.
    const first = await sqs.ensureQueue('kept', { MessageRetentionPeriod: '1209600' });
    await client.send(
      new SendMessageCommand({ QueueUrl: first.queueUrl, MessageBody: 'before the restart' }),
    );
    client.destroy();
    await sqs.stop();
    sqs = await startSqs({ dataDir });
    client = new SQSClient({ endpoint: sqs.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });

    const again = await sqs.ensureQueue('kept', { MessageRetentionPeriod: '345600' });
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: again.queueUrl, MaxNumberOfMessages: 10 }),
    );
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: again.queueUrl, AttributeNames: ['MessageRetentionPeriod'] }),
    );

    expect(again.queueArn).toBe(first.queueArn);
    expect(Messages.map((message) => message.Body)).toEqual(['before the restart']);
    // The attributes are the ones this start asks for, as a redeployed queue's would be.
    expect(Attributes?.MessageRetentionPeriod).toBe('345600');
  });
});
