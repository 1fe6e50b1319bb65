import type { OrderSummary } from './api.js';

/** The name a seller knows an order by: the storefront's order number, else orderflow's id. */
export const orderName = (order: Pick<OrderSummary, 'orderId' | 'externalOrderId'>) =>
  order.externalOrderId ?? order.orderId;

/** A link to the order's screen, named as the seller knows the order. */
export function OrderLink({ order }: { order: OrderSummary }) {
  return <a href={`#/orders/${encodeURIComponent(order.orderId)}`}>{orderName(order)}</a>;
}
