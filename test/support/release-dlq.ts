import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * A release DLQ of its own on the SQS emulator, set as RELEASE_DLQ_URL (what the API's retry and the ops
 * command work on), with what the state machine would send to it and a way to see what is visible.
 */
export async function testReleaseDlq() {
  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: `release-dlq-${randomUUID().slice(0, 8)}` }),
  );
  const queueUrl = QueueUrl!;
  process.env.RELEASE_DLQ_URL = queueUrl;
  return {
    queueUrl,
    /** A message as the state machine's SendToReleaseDlq state sends it; its message id. */
    async sendFailure(orderId: string, reason = 'address_undeliverable'): Promise<string> {
      const body = { orderId, sellerId: 'demo', reason, failedAt: new Date().toISOString() };
      const { MessageId } = await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }),
      );
      return MessageId!;
    },
    async sendRaw(body: string): Promise<void> {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    },
    /**
     * The order ids (or raw bodies) of the messages visible right now, sorted. It receives them, so they
     * stay hidden for a few seconds after: call it last.
     */
    async visibleNow(): Promise<string[]> {
      const seen: string[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 5 }),
        );
        if (Messages.length === 0) return seen.sort();
        for (const { Body = '' } of Messages) {
          seen.push(Body.startsWith('{') ? (JSON.parse(Body) as { orderId: string }).orderId : Body);
        }
      }
    },
    stop: () => sqs.destroy(),
  };
}
