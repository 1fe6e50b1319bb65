/**
 * AWS list prices used by the cost benchmark (us-east-1, on-demand, no free tier), with where each
 * comes from. Change them here when AWS does.
 */
export const PRICES = {
  stepFunctionsTransition: { usd: 0.000025, per: 'state transition (Standard workflows, $0.025 per 1,000)' },
  lambdaRequest: { usd: 0.0000002, per: 'Lambda request ($0.20 per 1M)' },
  lambdaGbSecondArm: { usd: 0.0000133334, per: 'Lambda GB-second on arm64' },
  dynamoWriteUnit: { usd: 0.000000625, per: 'DynamoDB on-demand write request unit ($0.625 per 1M)' },
  dynamoReadUnit: { usd: 0.000000125, per: 'DynamoDB on-demand read request unit ($0.125 per 1M)' },
  sqsRequest: { usd: 0.0000004, per: 'SQS standard request ($0.40 per 1M)' },
  httpApiRequest: { usd: 0.000001, per: 'API Gateway HTTP API request ($1.00 per 1M)' },
  logsIngestedGb: { usd: 0.5, per: 'CloudWatch Logs GB ingested (Standard class)' },
  xrayTrace: { usd: 0.000005, per: 'X-Ray trace recorded ($5.00 per 1M)' },
  eventBridgeEvent: { usd: 0.000001, per: 'EventBridge custom event published ($1.00 per 1M)' },
} as const;

export interface UsagePerOrder {
  transitions: number;
  lambdaInvocations: number;
  /** Billed seconds × the memory the stack gives each function (infra/function-memory.ts), summed. */
  lambdaGbSeconds: number;
  writeUnits: number;
  readUnits: number;
  sqsRequests: number;
  apiRequests: number;
  /** Bytes ingested by CloudWatch Logs: function logs, the state machine's log, API access logs. */
  logBytes: number;
  /** X-Ray traces recorded (every one sampled: an upper bound). */
  traces: number;
  /** Order events put on the stack's EventBridge bus. */
  events: number;
}

export function costPerThousand(usage: UsagePerOrder) {
  const lines = {
    'Step Functions transitions': usage.transitions * PRICES.stepFunctionsTransition.usd,
    'Lambda requests': usage.lambdaInvocations * PRICES.lambdaRequest.usd,
    'Lambda compute': usage.lambdaGbSeconds * PRICES.lambdaGbSecondArm.usd,
    'DynamoDB writes': usage.writeUnits * PRICES.dynamoWriteUnit.usd,
    'DynamoDB reads': usage.readUnits * PRICES.dynamoReadUnit.usd,
    'SQS requests': usage.sqsRequests * PRICES.sqsRequest.usd,
    'API Gateway requests': usage.apiRequests * PRICES.httpApiRequest.usd,
    'CloudWatch Logs ingestion': (usage.logBytes / 2 ** 30) * PRICES.logsIngestedGb.usd,
    'X-Ray traces': usage.traces * PRICES.xrayTrace.usd,
    'EventBridge events': usage.events * PRICES.eventBridgeEvent.usd,
  };
  const perThousand = Object.fromEntries(Object.entries(lines).map(([name, usd]) => [name, usd * 1000]));
  const total = Object.values(perThousand).reduce((sum, usd) => sum + usd, 0);
  return { perThousand, total };
}
