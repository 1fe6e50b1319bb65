import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Handler } from '../aws/lambda.js';
import { lambdaContext } from '../lambda-context.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../services.js';

export interface QueuePollerOptions {
  /** The SQS emulator, and the queue. */
  endpoint: string;
  queueUrl: string;
  /** The consumer, as deployed. */
  handler: Handler;
  /** The function's name, for its context. */
  functionName: string;
  batchSize?: number;
  /**
   * Batches handled at once (Lambda's mapping scales its pollers up to the function's maximum
   * concurrency): a batch held up by a slow receiver does not hold up the next. Default 5.
   */
  concurrency?: number;
  /**
   * Runs the mapping's own SQS calls (receive, delete), as Lambda makes them: with the function's role,
   * so a grant the stack forgot fails here too.
   */
  as?: <T>(work: () => Promise<T>) => Promise<T>;
}

export interface QueuePoller {
  stop(): Promise<void>;
}

/**
 * The local stand-in of a Lambda event source mapping on an SQS queue, with ReportBatchItemFailures:
 * receives up to `batchSize` messages, hands them to the handler in the Lambda event shape and deletes
 * those it did not report as failed. A failed message stays in the queue, visible again when its
 * visibility timeout (or what the handler set it to) ends; the queue's redrive policy does the rest.
 */
export function startQueuePoller(options: QueuePollerOptions): QueuePoller {
  const sqs = new SQSClient({
    endpoint: options.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const as = options.as ?? (<T>(work: () => Promise<T>) => work());
  const queueName = options.queueUrl.split('/').at(-1)!;
  const arn = `arn:aws:sqs:${LOCAL_REGION}:000000000000:${queueName}`;
  let stopped = false;
  const worker = async () => {
    while (!stopped) {
      try {
        const { Messages = [] } = await as(() =>
          sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: options.queueUrl,
              MaxNumberOfMessages: options.batchSize ?? 10,
              WaitTimeSeconds: 1,
              MessageSystemAttributeNames: ['All'],
            }),
          ),
        );
        if (!Messages.length || stopped) continue;
        const records: SQSRecord[] = Messages.map((message) => ({
          messageId: message.MessageId!,
          receiptHandle: message.ReceiptHandle!,
          body: message.Body ?? '',
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(Date.now()),
            SenderId: 'local',
            ApproximateFirstReceiveTimestamp: String(Date.now()),
            ...(message.Attributes as Partial<SQSRecord['attributes']>),
          },
          messageAttributes: {},
          md5OfBody: message.MD5OfBody ?? '',
          eventSource: 'aws:sqs',
          eventSourceARN: arn,
          awsRegion: LOCAL_REGION,
        }));
        let failed: Set<string>;
        try {
          const result = (await options.handler(
            { Records: records } satisfies SQSEvent,
            lambdaContext(options.functionName, Date.now() + 30_000),
          )) as SQSBatchResponse | undefined;
          failed = new Set((result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
        } catch {
          failed = new Set(records.map((record) => record.messageId));
        }
        const done = records.filter((record) => !failed.has(record.messageId));
        if (done.length) {
          await as(() =>
            sqs.send(
              new DeleteMessageBatchCommand({
                QueueUrl: options.queueUrl,
                Entries: done.map((record, index) => ({
                  Id: String(index),
                  ReceiptHandle: record.receiptHandle,
                })),
              }),
            ),
          );
        }
      } catch (error) {
        if (!stopped) {
          console.error(`local queue poller (${queueName}): ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    }
  };
  const workers = Array.from({ length: options.concurrency ?? 5 }, () => worker());
  return {
    async stop() {
      stopped = true;
      await Promise.all(workers);
      sqs.destroy();
    },
  };
}
