/**
 * The performance mark the orders screen sets once its first list is shown and usable: the end of the
 * console's time to interactive, measured from navigation start (bench/console.ts reads it).
 */
export const ORDERS_READY_MARK = 'orders-ready';
