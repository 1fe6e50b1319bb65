import { ORDER_STATUSES, type OrderStatus } from '../domain/status.js';
import { countIndexPartition } from './index-counts.js';
import { INDEXES, indexKeys } from './schema.js';

/** How many orders a seller has in each status: one count of the ByStatus index per status, in parallel. */
export async function countOrdersByStatus(sellerId: string): Promise<Record<OrderStatus, number>> {
  const counts = await Promise.all(
    ORDER_STATUSES.map(
      async (status) =>
        [
          status,
          await countIndexPartition(INDEXES.byStatus, indexKeys.byStatus(sellerId, status, '', '').GSI2PK),
        ] as const,
    ),
  );
  return Object.fromEntries(counts) as Record<OrderStatus, number>;
}
