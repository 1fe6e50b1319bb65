import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { ORDER_STATUSES, type OrderStatus } from '../domain/status.js';
import { INDEXES, indexKeys } from './schema.js';
import { tableName } from './table.js';

/**
 * How many orders a seller has in each status: one COUNT query of the ByStatus index per status, in
 * parallel (a COUNT returns no items, but each page still reads at most 1 MB, so large counts page).
 */
export async function countOrdersByStatus(sellerId: string): Promise<Record<OrderStatus, number>> {
  const counts = await Promise.all(
    ORDER_STATUSES.map(async (status) => {
      let count = 0;
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new QueryCommand({
            TableName: tableName(),
            IndexName: INDEXES.byStatus.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': INDEXES.byStatus.partition },
            ExpressionAttributeValues: { ':pk': indexKeys.byStatus(sellerId, status, '', '').GSI2PK },
            Select: 'COUNT',
            ExclusiveStartKey: startKey,
          }),
        );
        count += page.Count ?? 0;
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return [status, count] as const;
    }),
  );
  return Object.fromEntries(counts) as Record<OrderStatus, number>;
}
