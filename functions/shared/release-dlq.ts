import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { ENV, requireEnv } from './config.js';

/**
 * The release DLQ as operators and sellers work it: list its messages, and remove an order's. Only the
 * API (a seller's retry) and `npm run ops` import this module; the task functions never load the SQS SDK.
 *
 * SQS cannot read or delete a message by id: a message is seen by receiving it, which hides it for the
 * visibility timeout. So every operation here receives the whole queue, deletes what it was asked to,
 * and makes every other message visible again at once (ChangeMessageVisibility 0). Two scans at the same
 * moment can each miss what the other holds; a message is never lost by it.
 */

/** The SQS actions this module calls: what the stack grants a function that uses it. */
export const RELEASE_DLQ_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
] as const;

/** One message of the release DLQ, as the state machine's SendToReleaseDlq state writes it. */
export interface ReleaseDlqMessage {
  messageId: string;
  /** From the body; absent when the body is not what the state machine sends. */
  orderId?: string;
  sellerId?: string;
  reason?: string;
  failedAt?: string;
  /** When SQS received the message (SentTimestamp), ISO-8601 UTC. */
  sentAt?: string;
  /** How many times the message has been received, this scan included. */
  receiveCount: number;
  body: string;
}

export interface ReleaseDlqOptions {
  /** Default: RELEASE_DLQ_URL. */
  queueUrl?: string;
  sqs?: SQSClient;
  /**
   * How long the receive that finds the queue empty waits (long polling, default 1 s). Short polls sample
   * a subset of SQS's servers and can answer empty while messages remain; a long poll asks them all.
   */
  waitTimeSeconds?: number;
}

/** Long enough to receive and settle a large queue; a crashed scan's messages come back after it. */
const SCAN_VISIBILITY_SECONDS = 60;
const BATCH = 10;

let defaultSqs: SQSClient | undefined;

/** The endpoint comes from AWS_ENDPOINT_URL_SQS; the queue URL's host is not used as one. */
function sqsClient(): SQSClient {
  return (defaultSqs ??= new SQSClient({ useQueueUrlAsEndpoint: false }));
}

function fromMessage(message: Message): ReleaseDlqMessage {
  const body = message.Body ?? '';
  let fields: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object') fields = parsed as Record<string, unknown>;
  } catch {
    // not JSON: listed with its raw body, and removable by message id
  }
  const text = (name: string) => (typeof fields[name] === 'string' ? { [name]: fields[name] as string } : {});
  const sent = Number(message.Attributes?.SentTimestamp);
  return {
    messageId: message.MessageId!,
    ...text('orderId'),
    ...text('sellerId'),
    ...text('reason'),
    ...text('failedAt'),
    ...(Number.isFinite(sent) && sent > 0 ? { sentAt: new Date(sent).toISOString() } : {}),
    receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0),
    body,
  };
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += BATCH) out.push(items.slice(start, start + BATCH));
  return out;
}

export class ReleaseDlq {
  readonly queueUrl: string;
  private readonly sqs: SQSClient;
  private readonly waitTimeSeconds: number;

  constructor(options: ReleaseDlqOptions = {}) {
    this.queueUrl = options.queueUrl ?? requireEnv(ENV.releaseDlqUrl);
    this.sqs = options.sqs ?? sqsClient();
    this.waitTimeSeconds = options.waitTimeSeconds ?? 1;
  }

  /** Every message, oldest first; all of them stay in the queue, visible. */
  async list(): Promise<ReleaseDlqMessage[]> {
    return this.scan(() => false).then(({ kept }) => kept);
  }

  /** Deletes the messages `select` picks and returns them; every other message is visible again. */
  async remove(select: (message: ReleaseDlqMessage) => boolean): Promise<ReleaseDlqMessage[]> {
    return this.scan(select).then(({ removed }) => removed);
  }

  private async scan(select: (message: ReleaseDlqMessage) => boolean) {
    // By id, with the newest receipt handle: a message seen twice (its visibility ran out) counts once.
    const held = new Map<string, { message: ReleaseDlqMessage; receiptHandle: string }>();
    try {
      for (;;) {
        const { Messages = [] } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: BATCH,
            VisibilityTimeout: SCAN_VISIBILITY_SECONDS,
            WaitTimeSeconds: this.waitTimeSeconds,
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          }),
        );
        const fresh = Messages.filter((message) => !held.has(message.MessageId!));
        for (const message of Messages) {
          held.set(message.MessageId!, {
            message: fromMessage(message),
            receiptHandle: message.ReceiptHandle!,
          });
        }
        if (fresh.length === 0) break;
      }
    } catch (error) {
      await this.makeVisible([...held.values()].map((entry) => entry.receiptHandle)).catch(() => undefined);
      throw error;
    }
    const entries = [...held.values()].sort((a, b) =>
      (a.message.sentAt ?? '').localeCompare(b.message.sentAt ?? ''),
    );
    const removed = entries.filter((entry) => select(entry.message));
    const kept = entries.filter((entry) => !removed.includes(entry));
    try {
      await this.delete(removed.map((entry) => entry.receiptHandle));
    } finally {
      await this.makeVisible(kept.map((entry) => entry.receiptHandle));
    }
    return { removed: removed.map((entry) => entry.message), kept: kept.map((entry) => entry.message) };
  }

  private async delete(receiptHandles: string[]): Promise<void> {
    for (const batch of chunks(receiptHandles)) {
      const { Failed = [] } = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((ReceiptHandle, index) => ({ Id: String(index), ReceiptHandle })),
        }),
      );
      if (Failed.length > 0) {
        throw new Error(
          `the release DLQ refused to delete ${Failed.length} message(s): ${Failed[0]!.Message}`,
        );
      }
    }
  }

  /** Best effort: a message this misses becomes visible anyway when the scan's timeout runs out. */
  private async makeVisible(receiptHandles: string[]): Promise<void> {
    for (const batch of chunks(receiptHandles)) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((ReceiptHandle, index) => ({
            Id: String(index),
            ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}

/** A message is named by its message id or by the order it is about. */
export const named =
  (id: string) =>
  (message: ReleaseDlqMessage): boolean =>
    message.messageId === id || message.orderId === id;

/** Removes an order's messages from the release DLQ in RELEASE_DLQ_URL (a seller's retry of it). */
export async function removeOrderMessages(orderId: string): Promise<ReleaseDlqMessage[]> {
  return new ReleaseDlq().remove((message) => message.orderId === orderId);
}
