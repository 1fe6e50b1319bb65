import { join } from 'node:path';
import type { Handler } from '../aws/lambda.js';
import { startLocalEventBus, type BusEvent, type LocalEventBus } from './bus.js';
import { startStreamPoller, type StreamPoller, type StreamPollerOptions } from './stream-poller.js';

export { startLocalEventBus, targetEnvelope, type BusEvent, type LocalEventBus } from './bus.js';
export { startStreamPoller, type StreamPoller } from './stream-poller.js';

/** Where the local bus appends each event it takes (`npm run events -- tail` follows it). */
export const localBusLogFile = (dataDir: string): string => join(dataDir, 'events', 'order-events.jsonl');

export interface LocalOrderEvents {
  bus: LocalEventBus;
  /** Starts feeding the table's stream to the publisher (once the functions' configuration is set). */
  startPublishing(options: {
    dynamoEndpoint: string;
    tableName: string;
    publisher: Handler;
    onFailure?: StreamPollerOptions['onFailure'];
  }): StreamPoller;
  stop(): Promise<void>;
}

/**
 * The order events of the local runtime, as the stack wires them on AWS: the table stream's event source
 * mapping (a poller) invoking the publish-events function, which puts the events on the bus (a stand-in
 * that keeps them in `.data/events/`). `print` writes one line per event to the terminal.
 */
export async function startLocalOrderEvents(options: {
  busName: string;
  dataDir: string;
  print?: boolean;
}): Promise<LocalOrderEvents> {
  const bus = await startLocalEventBus({ name: options.busName, logFile: localBusLogFile(options.dataDir) });
  if (options.print) bus.subscribe((event) => console.log(eventLine(event)));
  let poller: StreamPoller | undefined;
  return {
    bus,
    startPublishing({ dynamoEndpoint, tableName, publisher, onFailure }) {
      poller = startStreamPoller({
        endpoint: dynamoEndpoint,
        tableName,
        handler: publisher,
        checkpointFile: join(options.dataDir, 'events', 'stream-checkpoints.json'),
        ...(onFailure ? { onFailure } : {}),
      });
      return poller;
    },
    async stop() {
      await poller?.stop();
      await bus.stop();
    },
  };
}

/** `12:37:53  event order.shipped            ord_…:4  {…data}` */
function eventLine(event: BusEvent): string {
  const detail = event.detail as { id?: string; occurredAt?: string; reason?: string | null; data?: object };
  const time = (detail.occurredAt ?? event.time).slice(11, 19);
  const data = detail.data && Object.keys(detail.data).length ? `  ${JSON.stringify(detail.data)}` : '';
  const reason = detail.reason ? `  reason ${detail.reason}` : '';
  return `${time}  event ${event['detail-type'].padEnd(26)} ${detail.id ?? ''}${reason}${data}`;
}

export { startLocalWebhookDeliveries, type LocalWebhookDeliveries } from './webhooks.js';
export { startLocalShopifySync, type LocalShopifySync } from './shopify-sync.js';
