import type { TestProject } from 'vitest/node';
import { loadStackModel } from '../../infra/local/aws/stack-model.js';
import { startDynamoDbLocal, startSqs } from '../../infra/local/services.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
    sqsEndpoint: string;
  }
}

/** One DynamoDB Local and one SQS emulator for the whole run, on free ports; each file gets its own table. */
export default async function setup(project: TestProject) {
  // The synthesized stack's roles and timeouts, which the local runtime enforces: synthesized (and cached)
  // once here rather than by each test file at once.
  const [dynamo, sqs] = await Promise.all([startDynamoDbLocal(), startSqs(), loadStackModel()]);
  project.provide('dynamoEndpoint', dynamo.endpoint);
  project.provide('sqsEndpoint', sqs.endpoint);
  return async () => {
    await Promise.all([dynamo.stop(), sqs.stop()]);
  };
}
