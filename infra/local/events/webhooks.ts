import { ORDER_EVENT_SOURCE } from '../../../functions/shared/events/order-event.js';
import type { Handler } from '../aws/lambda.js';
import { lambdaContext } from '../lambda-context.js';
import { LOCAL_REGION } from '../services.js';
import { targetEnvelope, type BusEvent, type LocalEventBus } from './bus.js';
import { startQueuePoller, type QueuePoller } from './queue-poller.js';

export interface LocalWebhookDeliveries {
  stop(): Promise<void>;
}

/**
 * Seller webhooks out, wired locally as the stack wires them on AWS: the rule on the order events bus
 * (a subscription to the local bus) invokes queue-webhooks asynchronously, retried as EventBridge retries
 * a target; the deliveries queue's event source mapping (a poller) invokes deliver-webhooks.
 */
export function startLocalWebhookDeliveries(options: {
  bus: LocalEventBus;
  sqsEndpoint: string;
  queueUrl: string;
  queuer: Handler;
  deliverer: Handler;
  /** Runs the deliverer's mapping's SQS calls as its role. */
  asDeliverer?: <T>(work: () => Promise<T>) => Promise<T>;
}): LocalWebhookDeliveries {
  let stopped = false;
  const invoke = async (event: BusEvent) => {
    const envelope = targetEnvelope(event, LOCAL_REGION);
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await options.queuer(envelope, lambdaContext('orderflow-queue-webhooks', Date.now() + 20_000));
        return;
      } catch (error) {
        if (attempt >= 8) {
          console.error(
            `local event rule: queue-webhooks failed ${attempt} times: ${(error as Error).message}`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  };
  const unsubscribe = options.bus.subscribe((event) => {
    // An asynchronous invocation: PutEvents does not wait for the target.
    if (event.source === ORDER_EVENT_SOURCE) void invoke(event);
  });
  const poller: QueuePoller = startQueuePoller({
    endpoint: options.sqsEndpoint,
    queueUrl: options.queueUrl,
    handler: options.deliverer,
    functionName: 'orderflow-deliver-webhooks',
    ...(options.asDeliverer ? { as: options.asDeliverer } : {}),
  });
  return {
    async stop() {
      stopped = true;
      unsubscribe();
      await poller.stop();
    },
  };
}
