import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The context the Lambda runtime passes a handler, for running one in-process until `deadline`. */
export function lambdaContext(
  functionName: string,
  deadline: number,
  arn = `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
  memoryLimitInMB = 256,
): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: String(memoryLimitInMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
