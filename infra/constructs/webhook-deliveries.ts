import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ORDER_EVENT_SOURCE } from '../../functions/shared/events/order-event.js';
import {
  DELIVERER_TIMEOUT_MS,
  WEBHOOK_MAX_ATTEMPTS,
} from '../../functions/shared/webhooks/retry-schedule.js';
import type { OrderflowFunction } from './orderflow-function.js';
import { retriedQueue } from './retried-queue.js';

export interface WebhookDeliveriesProps {
  /** The order events bus. */
  readonly bus: events.IEventBus;
  /** Turns each event into a queued delivery per subscribed endpoint (functions/queue-webhooks). */
  readonly queuer: OrderflowFunction;
  /** POSTs each queued delivery to its endpoint (functions/deliver-webhooks). */
  readonly deliverer: OrderflowFunction;
}

/** The deliverer's timeout; the queue's visibility timeout is six times it, as Lambda advises. */
export const DELIVERER_TIMEOUT = Duration.millis(DELIVERER_TIMEOUT_MS);

/**
 * Seller webhooks out: a rule on the order events bus invokes queue-webhooks, which queues one message
 * per event and subscribed endpoint; deliver-webhooks takes them from the queue. A failing endpoint's
 * messages wait out their backoff in the queue (their visibility), so they delay nothing else; after the
 * last attempt SQS moves a message to the dead-letter queue (maxReceiveCount), and the seller replays it
 * through the API. The queue keeps messages 4 days, longer than the 34 hours of retries.
 */
export class WebhookDeliveries extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: WebhookDeliveriesProps) {
    super(scope, id);
    ({ queue: this.queue, deadLetters: this.deadLetters } = retriedQueue(this, {
      consumerTimeout: DELIVERER_TIMEOUT,
      maxAttempts: WEBHOOK_MAX_ATTEMPTS,
      deadLettersAre:
        'a delivery lands here after its last attempt and the seller replays it through the API',
    }));

    new events.Rule(this, 'OrderEventsToWebhooks', {
      description: 'queues the seller webhook deliveries of each order event',
      eventBus: props.bus,
      eventPattern: { source: [ORDER_EVENT_SOURCE] },
      targets: [new targets.LambdaFunction(props.queuer.handler, { retryAttempts: 185 })],
    });
    props.queuer.useWebhookDeliveries(this.queue, ['sqs:SendMessage']);
    props.deliverer.useWebhookDeliveries(this.queue, ['sqs:ChangeMessageVisibility']);
    props.deliverer.handler.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 10 }),
    );
  }
}
