import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { publishOrderEvents } from '../shared/events/bus.js';
import { orderEventsOf, type StreamImage } from '../shared/events/from-stream.js';
import { logger, metrics, publishMetrics } from '../shared/logger.js';

const imageOf = (image: Record<string, unknown> | undefined): StreamImage =>
  image ? unmarshall(image as Record<string, AttributeValue>) : undefined;

/**
 * The table's change stream → the stack's event bus: each record's status changes as domain events.
 * Records are published one after the other, in stream order (which is write order for each item), and the
 * first that fails is reported with everything after it (ReportBatchItemFailures), so the event source
 * mapping retries from there and no later event of an order overtakes an earlier one.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics))
  .handler(async (event) => {
    let published = 0;
    for (const record of event.Records) {
      try {
        const events = orderEventsOf(imageOf(record.dynamodb?.OldImage), imageOf(record.dynamodb?.NewImage));
        if (events.length) await publishOrderEvents(events);
        published += events.length;
      } catch (error) {
        logger.error('order events not published; retried from this record', {
          error: error as Error,
          sequenceNumber: sequenceOf(record),
        });
        if (published) metrics.addMetric('OrderEventsPublished', 'Count', published);
        return { batchItemFailures: [{ itemIdentifier: sequenceOf(record) }] };
      }
    }
    if (published) metrics.addMetric('OrderEventsPublished', 'Count', published);
    return { batchItemFailures: [] };
  });

const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? '';
