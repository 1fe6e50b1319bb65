import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';

/** SDK clients, created once per module; endpoints come from AWS_ENDPOINT_URL_* configuration. */
export const dynamodb = new DynamoDBClient({});
export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
export const sfn = new SFNClient({});
// Queue URLs from emulators do not name a reachable host; the configured endpoint is always right.
export const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
