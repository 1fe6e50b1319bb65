import {
  canTransition,
  HOLDABLE,
  ORDER_STATUSES,
  RETRYABLE,
  type OrderStatus,
} from '../../functions/shared/domain/status.js';

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

/**
 * What the API lets a seller do to an order in a status: release a held order, retry what the API retries,
 * cancel where the transition table allows it (the same module the API enforces them with).
 */
export const canRelease = (status: string) => status === 'ON_HOLD';
export const canRetry = (status: string) => (RETRYABLE as readonly string[]).includes(status);
/** A hold the seller asks for: before the order reaches ReserveStock (the API's HOLDABLE). */
export const canHold = (status: string) => (HOLDABLE as readonly string[]).includes(status);
export const canCancel = (status: string) =>
  (ORDER_STATUSES as readonly string[]).includes(status) && canTransition(status as OrderStatus, 'CANCELLED');
/** The address can change where the order can still be cancelled (the API's ADDRESS_EDITABLE, the same rule). */
export const canEditAddress = canCancel;
