import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: 'orderflow' });
export const metrics = new Metrics({ namespace: 'orderflow', serviceName: 'orderflow' });
