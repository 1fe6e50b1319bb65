import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export interface RetriedQueueProps {
  /** The consumer's timeout: the queue's visibility timeout is six times it, as Lambda advises. */
  readonly consumerTimeout: Duration;
  /** Receives before SQS moves a message to the dead-letter queue (its redrive maxReceiveCount). */
  readonly maxAttempts: number;
  /** What lands in the dead-letter queue and what happens then: why it has no dead-letter queue itself. */
  readonly deadLettersAre: string;
}

/**
 * A work queue whose failed messages wait out their backoff as their visibility and, after the last
 * attempt, move to a dead-letter queue kept 14 days; work is kept 4 days. Both are made in `scope` as
 * `Queue` and `DeadLetters`, so the queues keep their logical ids wherever this is used.
 */
export function retriedQueue(
  scope: Construct,
  props: RetriedQueueProps,
): { queue: sqs.Queue; deadLetters: sqs.Queue } {
  const deadLetters = new sqs.Queue(scope, 'DeadLetters', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    retentionPeriod: Duration.days(14),
    enforceSSL: true,
  });
  Validations.of(deadLetters).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: `DeadLetters is itself a dead-letter queue: ${props.deadLettersAre}. A queue behind it would never receive.`,
  });
  const queue = new sqs.Queue(scope, 'Queue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    retentionPeriod: Duration.days(4),
    visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
    enforceSSL: true,
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: props.maxAttempts },
  });
  return { queue, deadLetters };
}
