import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import type { OrderEvent } from '../shared/events/order-event.js';
import { logger, metrics, publishMetrics } from '../shared/logger.js';
import { recordDelivery } from '../shared/store/webhook-deliveries.js';
import { listWebhookEndpoints, subscribesTo } from '../shared/store/webhook-endpoints.js';
import { enqueueDelivery } from '../shared/webhooks/delivery-queue.js';

/**
 * An order event from the bus (a rule on source orderflow.orders) → one delivery per endpoint of its
 * seller that subscribes to its type: recorded once (a repeated event finds its records), then queued.
 * A record whose message may not have been sent (pending, never attempted) is queued again: a repeat
 * costs an attempt the deliverer skips once delivered, a lost message would cost the event.
 */
export const handler = middy<EventBridgeEvent<string, OrderEvent>, { queued: number }, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics))
  .handler(async ({ detail: event }) => {
    logger.appendKeys({ orderId: event.orderId, eventId: event.id });
    const endpoints = (await listWebhookEndpoints(event.sellerId)).filter((endpoint) =>
      subscribesTo(endpoint, event.type),
    );
    let queued = 0;
    for (const endpoint of endpoints) {
      const { created, delivery } = await recordDelivery(endpoint, event);
      if (!created && !(delivery.status === 'pending' && delivery.attempts === 0)) continue;
      await enqueueDelivery({ sellerId: event.sellerId, endpointId: endpoint.endpointId, eventId: event.id });
      queued++;
    }
    if (queued) metrics.addMetric('WebhookDeliveriesQueued', 'Count', queued);
    return { queued };
  });
