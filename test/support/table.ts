import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../../functions/shared/clients.js';
import { tableName } from '../../functions/shared/store/table.js';

/** Every item in this test file's table, for "nothing was written" assertions. */
export async function countItems(): Promise<number> {
  let count = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({
        TableName: tableName(),
        Select: 'COUNT',
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    );
    count += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return count;
}
