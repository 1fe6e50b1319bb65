import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { ENV, requireEnv } from '../config.js';
import { delayMessage, sqs } from '../queues.js';

/** One message per event and endpoint: the delivery record has the rest. */
export interface DeliveryMessage {
  sellerId: string;
  endpointId: string;
  eventId: string;
}

/**
 * Queues a delivery. Each endpoint's deliveries are messages of their own, so a slow or failing endpoint
 * holds up nothing but its own retries: never the orders, nor another seller's deliveries.
 */
export async function enqueueDelivery(message: DeliveryMessage): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: requireEnv(ENV.webhookDeliveriesUrl),
      MessageBody: JSON.stringify(message),
    }),
  );
}

/** Makes a failed delivery's message visible again after `seconds` (its backoff), instead of at once. */
export async function delayRetry(receiptHandle: string, seconds: number): Promise<void> {
  await delayMessage(requireEnv(ENV.webhookDeliveriesUrl), receiptHandle, seconds);
}
