import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { forStateMachine } from './errors.js';
import { logger, metrics, publishMetrics } from './logger.js';

/** zod's mini build: the task functions only check a small input, and the full build costs ~15 ms to load. */
export const orderTaskInput = z.object({ orderId: z.string().check(z.minLength(1)) });

/**
 * A workflow task Lambda: validates its input, puts the order id on every log line, flushes metrics.
 * Errors keep their names, which are what the state machine's Retry and Catch match, except that a
 * retryable AWS failure (throttling, a 5xx) becomes a TransientError, which every task state retries.
 */
export function taskHandler<Schema extends z.ZodMiniType<{ orderId: string }>, Result>(
  schema: Schema,
  work: (input: z.infer<Schema>) => Promise<Result>,
) {
  return middy<unknown, Result, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(publishMetrics(metrics))
    .handler(async (event) => {
      const input = schema.parse(event);
      logger.appendKeys({ orderId: input.orderId });
      try {
        return await work(input);
      } catch (error) {
        throw forStateMachine(error);
      }
    });
}
