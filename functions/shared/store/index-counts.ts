import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { tableName } from './table.js';

/**
 * How many entries one partition of an index holds, counted by DynamoDB: a COUNT query returns no items,
 * but each page still reads at most 1 MB, so a large partition is counted page by page.
 */
export async function countIndexPartition(
  index: { name: string; partition: string },
  partitionValue: string,
): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': index.partition },
        ExpressionAttributeValues: { ':pk': partitionValue },
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}
