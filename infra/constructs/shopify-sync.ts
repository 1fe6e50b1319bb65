import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ORDER_EVENT_SOURCE } from '../../functions/shared/events/order-event.js';
import { SHOPIFY_SYNC_EVENT_TYPES, SHOPIFY_SYNC_MAX_ATTEMPTS } from '../../functions/shared/shopify-sync.js';
import type { OrderflowFunction } from './orderflow-function.js';
import { retriedQueue } from './retried-queue.js';

export interface ShopifySyncProps {
  /** The order events bus. */
  readonly bus: events.IEventBus;
  /** Sends fulfillments and tracking to the sellers' shops (functions/sync-shopify). */
  readonly syncer: OrderflowFunction;
}

/** The syncer's timeout; the queue's visibility timeout is six times it, as Lambda advises. */
export const SYNCER_TIMEOUT = Duration.seconds(30);

/**
 * Fulfillment back to Shopify, driven by the order events (not by the workflow): a rule on the bus puts
 * each shipped, in-transit, delivered and cancelled event on the sync queue, which sync-shopify reads
 * (ReportBatchItemFailures). A sync Shopify cannot take yet (THROTTLED, unavailable) waits out its backoff
 * as the message's visibility; after the last attempt the message goes to the dead-letter queue and the
 * ShopifySyncFailing alarm fires. A slow shop delays only its own orders' syncs, never an order.
 */
export class ShopifySync extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: ShopifySyncProps) {
    super(scope, id);
    ({ queue: this.queue, deadLetters: this.deadLetters } = retriedQueue(this, {
      consumerTimeout: SYNCER_TIMEOUT,
      maxAttempts: SHOPIFY_SYNC_MAX_ATTEMPTS,
      deadLettersAre:
        'an order event lands here after its last sync attempt (the order has a notice, the alarm fires)',
    }));
    new events.Rule(this, 'OrderEventsToShopify', {
      description: 'queues the order events the Shopify fulfillment sync acts on',
      eventBus: props.bus,
      eventPattern: { source: [ORDER_EVENT_SOURCE], detailType: [...SHOPIFY_SYNC_EVENT_TYPES] },
      targets: [new targets.SqsQueue(this.queue, { retryAttempts: 185 })],
    });
    props.syncer.useShopifySync(this.queue, ['sqs:ChangeMessageVisibility']);
    props.syncer.handler.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 5 }),
    );
  }
}
