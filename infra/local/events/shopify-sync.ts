import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ORDER_EVENT_SOURCE } from '../../../functions/shared/events/order-event.js';
import { SHOPIFY_SYNC_EVENT_TYPES } from '../../../functions/shared/shopify-sync.js';
import type { Handler } from '../aws/lambda.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../services.js';
import { targetEnvelope, type LocalEventBus } from './bus.js';
import { startQueuePoller } from './queue-poller.js';

export interface LocalShopifySync {
  stop(): Promise<void>;
}

/**
 * The Shopify fulfillment sync, wired locally as the stack wires it on AWS: the rule on the order events
 * bus (a subscription to the local bus) sends each event of the sync's types to the sync queue, as an
 * EventBridge SQS target does (the envelope as the body, retried while the queue refuses), and the
 * queue's event source mapping (a poller) invokes sync-shopify.
 */
export function startLocalShopifySync(options: {
  bus: LocalEventBus;
  sqsEndpoint: string;
  queueUrl: string;
  syncer: Handler;
  /** Runs the mapping's SQS calls as the function's role. */
  asSyncer?: <T>(work: () => Promise<T>) => Promise<T>;
}): LocalShopifySync {
  const sqs = new SQSClient({
    endpoint: options.sqsEndpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const types: readonly string[] = SHOPIFY_SYNC_EVENT_TYPES;
  let stopped = false;
  const unsubscribe = options.bus.subscribe(async (event) => {
    if (event.source !== ORDER_EVENT_SOURCE || !types.includes(event['detail-type'])) return;
    const body = JSON.stringify(targetEnvelope(event, LOCAL_REGION));
    for (let attempt = 1; !stopped; attempt++) {
      try {
        await sqs.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: body }));
        return;
      } catch (error) {
        if (attempt >= 8) {
          console.error(
            `local event rule: the Shopify sync queue refused ${attempt} times: ${(error as Error).message}`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
      }
    }
  });
  const poller = startQueuePoller({
    endpoint: options.sqsEndpoint,
    queueUrl: options.queueUrl,
    handler: options.syncer,
    functionName: 'orderflow-sync-shopify',
    ...(options.asSyncer ? { as: options.asSyncer } : {}),
  });
  return {
    async stop() {
      stopped = true;
      unsubscribe();
      await poller.stop();
      sqs.destroy();
    },
  };
}
