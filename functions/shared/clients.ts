import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The DynamoDB clients, created once per module; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB.
 * Only DynamoDB lives here because every function needs it: the Step Functions client is in
 * workflow.ts, so the task functions, which never call Step Functions, do not load its SDK at cold start.
 */
export const dynamodb = new DynamoDBClient({});
export const documents = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
