/**
 * The order screen's tabs: the seeds' groups of the API's statuses. Every status is in exactly one group,
 * so the tab counts add up to all of a seller's orders.
 */
export const ORDER_GROUPS = [
  {
    id: 'not-released',
    label: 'Not yet released',
    statuses: ['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'ON_HOLD', 'OUT_OF_STOCK'],
  },
  { id: 'released', label: 'Released', statuses: ['RELEASED'] },
  { id: 'failed', label: 'Failed to release', statuses: ['FAILED_TO_RELEASE'] },
  { id: 'shipped', label: 'Shipped', statuses: ['SHIPPED', 'IN_TRANSIT', 'DELIVERY_EXCEPTION'] },
  { id: 'delivered', label: 'Delivered', statuses: ['DELIVERED'] },
  { id: 'cancelled', label: 'Cancelled', statuses: ['CANCELLED', 'PAYMENT_FAILED'] },
] as const;

export type OrderGroup = (typeof ORDER_GROUPS)[number];

/** What the API lets a seller do to an order in a status (DESIGN.md's transition table). */
export const canRelease = (status: string) => status === 'ON_HOLD';
export const canRetry = (status: string) => status === 'FAILED_TO_RELEASE' || status === 'OUT_OF_STOCK';
export const canCancel = (status: string) =>
  [
    'PENDING',
    'PAYMENT_VERIFIED',
    'STOCK_RESERVED',
    'ON_HOLD',
    'OUT_OF_STOCK',
    'FAILED_TO_RELEASE',
    'PAYMENT_FAILED',
  ].includes(status);
