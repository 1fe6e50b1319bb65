/**
 * Order statuses and the one transition table every writer obeys. The store turns `allowedFrom`
 * into DynamoDB condition expressions, so an illegal transition fails whoever attempts it.
 */
export const ORDER_STATUSES = [
  'PENDING',
  'PAYMENT_VERIFIED',
  'STOCK_RESERVED',
  'ON_HOLD',
  'OUT_OF_STOCK',
  'RELEASED',
  'FAILED_TO_RELEASE',
  'SHIPPED',
  'IN_TRANSIT',
  'DELIVERED',
  'DELIVERY_EXCEPTION',
  'PAYMENT_FAILED',
  'CANCELLED',
] as const;

export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  PENDING: ['PAYMENT_VERIFIED', 'PAYMENT_FAILED', 'CANCELLED'],
  PAYMENT_VERIFIED: ['STOCK_RESERVED', 'OUT_OF_STOCK', 'CANCELLED'],
  STOCK_RESERVED: ['ON_HOLD', 'RELEASED', 'FAILED_TO_RELEASE', 'CANCELLED'],
  ON_HOLD: ['RELEASED', 'FAILED_TO_RELEASE', 'CANCELLED'],
  OUT_OF_STOCK: ['PAYMENT_VERIFIED', 'CANCELLED'],
  // An order with nothing to ship (gift cards, downloads) is complete once released: no label.
  RELEASED: ['SHIPPED', 'FAILED_TO_RELEASE', 'DELIVERED'],
  FAILED_TO_RELEASE: ['RELEASED', 'CANCELLED'],
  SHIPPED: ['IN_TRANSIT', 'DELIVERED', 'DELIVERY_EXCEPTION'],
  IN_TRANSIT: ['DELIVERED', 'DELIVERY_EXCEPTION'],
  DELIVERED: [],
  DELIVERY_EXCEPTION: [],
  // A seller may retry a payment that failed (one never received, say, once it has come).
  PAYMENT_FAILED: ['PENDING', 'CANCELLED'],
  CANCELLED: [],
};

/** Statuses from which `to` may be reached. */
export function allowedFrom(to: OrderStatus): OrderStatus[] {
  return ORDER_STATUSES.filter((from) => TRANSITIONS[from].includes(to));
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(status: OrderStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/** Statuses an order may still leave: what the Open index holds, and the sweeper counts. */
export const OPEN_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter((status) => !isTerminal(status));

/** Statuses that hold reserved stock, which a cancellation must return. */
export const RESERVING_STATUSES: readonly OrderStatus[] = ['STOCK_RESERVED', 'ON_HOLD', 'FAILED_TO_RELEASE'];

export const ACTORS = ['workflow', 'seller', 'storefront', 'system'] as const;
export type Actor = (typeof ACTORS)[number];

/** The statuses a seller's retry starts again from (POST /orders/{orderId}/retry). */
export const RETRYABLE: readonly OrderStatus[] = ['FAILED_TO_RELEASE', 'OUT_OF_STOCK', 'PAYMENT_FAILED'];

/**
 * The statuses a seller's hold (POST /orders/{orderId}/hold) takes effect from: the order has yet to pass
 * ReserveStock, where holds are decided (a retry of a parked one passes it again). A FAILED_TO_RELEASE
 * order's retry starts at the release itself, and a STOCK_RESERVED one is being released: neither can be held.
 */
export const HOLDABLE: readonly OrderStatus[] = [
  'PENDING',
  'PAYMENT_VERIFIED',
  'OUT_OF_STOCK',
  'PAYMENT_FAILED',
];
