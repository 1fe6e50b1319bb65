import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { signOrderflowWebhook } from '../api/signatures.js';
import { inSchemaOrder } from '../shared/events/order-event.js';
import { logger, metrics, publishMetrics } from '../shared/logger.js';
import { claimAttempt, getDelivery, recordAttempt } from '../shared/store/webhook-deliveries.js';
import { getWebhookEndpoint } from '../shared/store/webhook-endpoints.js';
import { delayRetry, type DeliveryMessage } from '../shared/webhooks/delivery-queue.js';
import {
  DELIVERER_TIMEOUT_MS,
  WEBHOOK_MAX_ATTEMPTS,
  retryDelaySeconds,
} from '../shared/webhooks/retry-schedule.js';
import { postWebhook } from '../shared/webhooks/send.js';
import { resolveWebhookTarget, webhookUrlPolicy } from '../shared/webhooks/url-policy.js';

/** `held`: another attempt holds the delivery; this message comes back once that one has run its course. */
type Outcome = 'delivered' | 'skipped' | 'held' | 'retry' | 'dead';

/**
 * Delivers one queued event to one seller endpoint, signed as orderflow verifies its generic webhook
 * (`X-Orderflow-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the endpoint's secret).
 * A 2xx delivers it; anything else is retried with the schedule's backoff (the message's visibility) until
 * the last attempt, after which SQS moves the message to the dead-letter queue and the delivery stays
 * `dead` until the seller replays it. A delivery already made is not made again.
 */
async function deliver(record: SQSRecord): Promise<Outcome> {
  const message = JSON.parse(record.body) as DeliveryMessage;
  const attempt = Number(record.attributes.ApproximateReceiveCount ?? '1');
  const delivery = await getDelivery(message.endpointId, message.eventId);
  if (delivery.status === 'delivered' || delivery.status === 'cancelled') return 'skipped';
  const endpoint = await getWebhookEndpoint(message.sellerId, message.endpointId);
  if (endpoint.deletedAt) {
    await recordAttempt(message.endpointId, message.eventId, {
      status: 'cancelled',
      attempts: delivery.attempts,
    });
    return 'skipped';
  }
  // One attempt at a time, for as long as this function may run: a second message for the same delivery
  // (a repeated event) comes back once the holder's lease is over (real time: it is the function's
  // timeout), and finds the delivery made, or free.
  if (!(await claimAttempt(message.endpointId, message.eventId, DELIVERER_TIMEOUT_MS))) {
    await delayRetry(record.receiptHandle, DELIVERER_TIMEOUT_MS / 1000);
    return 'held';
  }
  const body = JSON.stringify(inSchemaOrder(delivery.event));
  let error: string;
  try {
    const url = new URL(endpoint.url);
    const address = await resolveWebhookTarget(url, webhookUrlPolicy());
    const answer = await postWebhook(url, address, body, {
      'user-agent': 'orderflow-webhooks/1',
      'x-orderflow-signature': signOrderflowWebhook(body, endpoint.secret),
      'x-orderflow-event-id': delivery.event.id,
      'x-orderflow-event-type': delivery.event.type,
    });
    if (answer.status >= 200 && answer.status < 300) {
      await recordAttempt(message.endpointId, message.eventId, { status: 'delivered', attempts: attempt });
      return 'delivered';
    }
    error = `HTTP ${answer.status}: ${answer.body}`;
  } catch (failure) {
    error = `${(failure as Error).name}: ${(failure as Error).message}`;
  }
  const dead = attempt >= WEBHOOK_MAX_ATTEMPTS;
  await recordAttempt(message.endpointId, message.eventId, {
    status: dead ? 'dead' : 'failing',
    attempts: attempt,
    error,
  });
  // A dead one is made visible at once: its next receive is past maxReceiveCount and moves it to the DLQ.
  await delayRetry(record.receiptHandle, dead ? 0 : retryDelaySeconds(attempt));
  return dead ? 'dead' : 'retry';
}

export const handler = middy<SQSEvent, SQSBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics))
  .handler(async (event) => {
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    // Side by side: one slow endpoint in the batch does not hold up the others' deliveries.
    const outcomes = await Promise.all(
      event.Records.map(async (record) => {
        try {
          return await deliver(record);
        } catch (error) {
          logger.error('webhook delivery could not be processed; retried', { error: error as Error });
          return 'retry' as const;
        }
      }),
    );
    outcomes.forEach((outcome, index) => {
      if (outcome === 'retry' || outcome === 'held' || outcome === 'dead')
        failures.push({ itemIdentifier: event.Records[index]!.messageId });
    });
    const count = (wanted: Outcome) => outcomes.filter((outcome) => outcome === wanted).length;
    if (count('delivered')) metrics.addMetric('WebhooksDelivered', 'Count', count('delivered'));
    if (count('retry')) metrics.addMetric('WebhookDeliveriesFailed', 'Count', count('retry'));
    if (count('dead')) metrics.addMetric('WebhookDeliveriesDeadLettered', 'Count', count('dead'));
    return { batchItemFailures: failures };
  });
