import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';

/**
 * The SQS client of the functions that consume their own queues (webhook deliveries, the Shopify sync).
 * The endpoint comes from AWS_ENDPOINT_URL_SQS (not from the queue URL, as for the release DLQ).
 */
export const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });

/**
 * Makes a message that failed visible again after `seconds` (its backoff) instead of at the queue's
 * visibility timeout: a retry waits in the queue, holding up nothing else.
 */
export async function delayMessage(queueUrl: string, receiptHandle: string, seconds: number): Promise<void> {
  await sqs.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: seconds,
    }),
  );
}
