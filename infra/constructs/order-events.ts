import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { OrderflowFunction } from './orderflow-function.js';

export interface OrderEventsProps {
  /** The order table, with its stream (NEW_AND_OLD_IMAGES). */
  readonly table: ITable;
  /** The function that turns stream records into events on the bus (functions/publish-events). */
  readonly publisher: OrderflowFunction;
}

/**
 * Where a stream batch that failed every retry is recorded. DynamoDB Streams keep records 24 h: within
 * that time the message (shard, sequence numbers) says what to read again.
 */
export const STREAM_MAX_RECORD_AGE = Duration.hours(6);
export const STREAM_RETRY_ATTEMPTS = 10;

/**
 * The order events: the stack's own EventBridge bus, fed from the table's change stream by one small
 * function, so no writer can forget to publish and nothing is published for a write that did not commit.
 * The stream gives one item's changes in write order; the function publishes them in that order and
 * reports the first record it could not publish (ReportBatchItemFailures), so retries resume there and
 * never skip ahead of an order's earlier event. A poison batch is halved until the bad record stands
 * alone (bisect), retried, and then recorded in the on-failure queue.
 */
export class OrderEvents extends Construct {
  readonly bus: events.EventBus;
  /** The on-failure destination of the stream's event source mapping. */
  readonly streamFailures: sqs.Queue;

  constructor(scope: Construct, id: string, props: OrderEventsProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      description: 'orderflow order events: one per status change, from the order table stream',
    });
    this.streamFailures = new sqs.Queue(this, 'StreamFailures', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
    Validations.of(this.streamFailures).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'StreamFailures is itself the on-failure destination of the order stream: Lambda records here the ' +
        'shard and sequence numbers of a batch that failed every retry. Nothing consumes it automatically.',
    });

    props.publisher.useOrderEvents(this.bus);
    props.publisher.handler.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        maxRecordAge: STREAM_MAX_RECORD_AGE,
        onFailure: new SqsDlq(this.streamFailures),
      }),
    );
  }
}
