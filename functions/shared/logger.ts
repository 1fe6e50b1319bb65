import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';

export const logger = new Logger({ serviceName: 'orderflow' });
export const metrics = new Metrics({ namespace: 'orderflow', serviceName: 'orderflow' });

/**
 * Publishes the metrics an invocation recorded as one EMF line, after it succeeds or fails. Powertools'
 * own logMetrics middleware also warns on every invocation that recorded none, and most task runs record
 * none: that was one line of noise per invocation.
 */
export function publishMetrics(metrics: Metrics): MiddlewareObj {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}
