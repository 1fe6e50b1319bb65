import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ReleaseDlq } from '../../functions/shared/release-dlq.js';

const sqs = mockClient(SQSClient);
const queueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/release-dlq';
const message = (id: string, orderId: string) => ({
  MessageId: id,
  ReceiptHandle: `handle-${id}`,
  Body: JSON.stringify({ orderId, sellerId: 'demo', reason: 'address_undeliverable', failedAt: 'x' }),
  Attributes: { SentTimestamp: '1700000000000', ApproximateReceiveCount: '1' },
});
const dlq = () => new ReleaseDlq({ queueUrl, sqs: new SQSClient({}), waitTimeSeconds: 0 });

afterEach(() => sqs.reset());

describe('ReleaseDlq', () => {
  it('deletes the messages it is asked to and makes the others visible at once', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m1', 'ord_a'), message('m2', 'ord_b')] })
      .resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });

    const removed = await dlq().remove((m) => m.orderId === 'ord_a');

    expect(removed.map((m) => m.messageId)).toEqual(['m1']);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'handle-m1' },
    ]);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'handle-m2', VisibilityTimeout: 0 },
    ]);
  });

  it('stops when a receive brings back only messages it holds already', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message('m1', 'ord_a')] });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});

    const listed = await dlq().list();

    expect(listed.map((m) => m.messageId)).toEqual(['m1']);
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(2);
  });

  it('makes what it holds visible again when a receive fails, and says so', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m1', 'ord_a')] })
      .rejects(new Error('throttled'));
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});

    await expect(dlq().remove(() => true)).rejects.toThrow('throttled');

    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'handle-m1', VisibilityTimeout: 0 },
    ]);
  });

  it('fails when SQS refuses a delete, and still makes the others visible', async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m1', 'ord_a'), message('m2', 'ord_b')] })
      .resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({
      Failed: [{ Id: '0', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'bad handle' }],
    });
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({});

    await expect(dlq().remove((m) => m.orderId === 'ord_a')).rejects.toThrow(
      /refused to delete 1 message\(s\): bad handle/,
    );

    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)[0]!.args[0].input.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'handle-m2', VisibilityTimeout: 0 },
    ]);
  });
});
