import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ENV, requireEnv } from '../config.js';
import { TransientError } from '../errors.js';
import { ORDER_EVENT_SOURCE, type OrderEvent } from './order-event.js';

/** The endpoint comes from AWS_ENDPOINT_URL_EVENTBRIDGE (the local bus stand-in of `npm start`). */
const eventBridge = new EventBridgeClient({});

/** Most entries one PutEvents call takes. */
export const PUT_EVENTS_LIMIT = 10;

/**
 * Publishes the events to the stack's bus, in their order: one PutEvents call at a time, each waiting for
 * the one before, so a consumer of the bus sees an order's events in the order they happened. An entry
 * the bus did not take fails the whole call (a TransientError): the caller sends them all again, and
 * consumers dedupe on the event id.
 */
export async function publishOrderEvents(events: readonly OrderEvent[]): Promise<void> {
  const bus = requireEnv(ENV.orderEventsBus);
  for (let start = 0; start < events.length; start += PUT_EVENTS_LIMIT) {
    const batch = events.slice(start, start + PUT_EVENTS_LIMIT);
    const { FailedEntryCount = 0, Entries = [] } = await eventBridge.send(
      new PutEventsCommand({
        Entries: batch.map((event) => ({
          EventBusName: bus,
          Source: ORDER_EVENT_SOURCE,
          DetailType: event.type,
          Detail: JSON.stringify(event),
          Time: new Date(event.occurredAt),
          Resources: [],
        })),
      }),
    );
    if (FailedEntryCount > 0) {
      const failed = Entries.flatMap((entry, index) =>
        entry.ErrorCode ? [`${batch[index]?.id}: ${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`] : [],
      );
      throw new TransientError(`the bus refused ${FailedEntryCount} event(s): ${failed.join('; ')}`);
    }
  }
}
