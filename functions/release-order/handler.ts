import { ships } from '../shared/domain/lines.js';
import type { Order, Problem } from '../shared/domain/order.js';
import type { OrderStatus } from '../shared/domain/status.js';
import { nowIso } from '../shared/clock.js';
import { OrderCancelledError, PaymentDeclinedError, ReleaseRejectedError } from '../shared/errors.js';
import { paymentsFor, shipmentsFor } from '../shared/providers/index.js';
import { logger, metrics } from '../shared/logger.js';
import { getReservation } from '../shared/store/inventory.js';
import { requireOrder, transition, updateOrder } from '../shared/store/orders.js';
import { orderTaskInput, taskHandler } from '../shared/task.js';

const ALREADY_RELEASED: readonly OrderStatus[] = [
  'RELEASED',
  'SHIPPED',
  'IN_TRANSIT',
  'DELIVERED',
  'DELIVERY_EXCEPTION',
];

const RELEASABLE: readonly OrderStatus[] = ['STOCK_RESERVED', 'ON_HOLD', 'FAILED_TO_RELEASE'];

/**
 * Countries whose addresses have no postal code (a storefront sends none for them); elsewhere a missing
 * one is a bad address. Deliberately short: a country missing here only parks an order for the seller.
 */
const NO_POSTAL_CODE = new Set(['AE', 'AG', 'AO', 'BS', 'BZ', 'FJ', 'HK', 'JM', 'KI', 'MO', 'QA']);
const POSTAL_CODE = /^[A-Za-z0-9 -]{2,12}$/;

/**
 * The checks an order must pass before it is picked, as the problems a seller fixes (with `PATCH
 * /orders/{id}` and a retry): no recipient name, and an address that is missing, incomplete or
 * undeliverable. Authentic storefront orders are stored whatever they lack, so this is where it shows.
 */
export function releaseProblems(order: Order): Problem[] {
  // Nothing to ship (gift cards, downloads): no parcel, so no address to check.
  if (!order.items.some(ships)) return [];
  const address = order.shippingAddress;
  const problems: Problem[] = [];
  const bad = (field: string, message: string) =>
    problems.push({ reason: 'bad_address', field: `shippingAddress.${field}`, message });
  if (!address.name.trim())
    problems.push({
      reason: 'no_delivery_name',
      field: 'shippingAddress.name',
      message: 'no recipient name',
    });
  if (!address.line1.trim()) bad('line1', 'no street address');
  if (!address.city.trim()) bad('city', 'no city');
  if (!/^[A-Z]{2}$/.test(address.country)) bad('country', 'no country');
  if (!address.postalCode.trim()) {
    if (!NO_POSTAL_CODE.has(address.country)) bad('postalCode', 'no postal code');
  } else if (!POSTAL_CODE.test(address.postalCode)) bad('postalCode', 'not a postal code');
  return problems;
}

/** The first reason the order cannot be released, if any: its problems first, then the lines and stock. */
export function releaseProblem(order: Order, reservationState: string | undefined): string | undefined {
  const [first] = releaseProblems(order);
  if (first) return first.reason;
  const unnamed = order.items
    .filter((line) => ships(line) && line.name.trim() === '')
    .map((line) => line.sku);
  if (unnamed.length > 0) return `line_without_name: ${unnamed.join(', ')}`;
  if (reservationState !== 'HELD') return 'stock_not_reserved';
  return undefined;
}

/** Parks the order for its seller: what to fix is kept on it; MarkFailedToRelease records the reason. */
async function reject(orderId: string, reason: string, problems: Problem[]): Promise<never> {
  logger.warn('release rejected', { reason });
  if (problems.length) await updateOrder(orderId, { problems }, { status: RELEASABLE });
  throw new ReleaseRejectedError(reason);
}

/**
 * An authorised payment is taken when the order is released (capture on fulfillment), after the order is
 * RELEASED, which no cancel can undo; a run that stopped in between captures on its retry (the capture
 * is idempotent). A capture the provider refuses parks the order like any failed release.
 */
async function capturePayment(order: Order): Promise<void> {
  try {
    await (await paymentsFor(order)).capture(order);
  } catch (error) {
    if (!(error instanceof PaymentDeclinedError)) throw error;
    await reject(order.orderId, `payment_not_captured: ${error.message}`.slice(0, 300), []);
  }
}

/**
 * STOCK_RESERVED / ON_HOLD / FAILED_TO_RELEASE → RELEASED, or ReleaseRejected with the reason. The carrier
 * checks the address (and keeps its shipment, for GenerateLabel to buy) before the order is released.
 */
export const handler = taskHandler(orderTaskInput, async ({ orderId }) => {
  const order = await requireOrder(orderId);
  if (order.status === 'CANCELLED') throw new OrderCancelledError(`order ${orderId} was cancelled`);
  if (order.status === 'RELEASED') {
    await capturePayment(order);
    return { status: order.status };
  }
  if (ALREADY_RELEASED.includes(order.status)) return { status: order.status };
  const problem = releaseProblem(order, (await getReservation(orderId))?.state);
  if (problem) await reject(orderId, problem, releaseProblems(order));
  if (order.items.some(ships)) {
    const carrierProblems = await (
      await shipmentsFor(order)
    ).prepare({
      idempotencyKey: orderId,
      orderId,
      sellerId: order.sellerId,
      method: order.shippingMethod,
      region: order.region,
      address: order.shippingAddress,
    });
    if (carrierProblems.length) await reject(orderId, carrierProblems[0]!.reason, carrierProblems);
  }
  const released = await transition(
    orderId,
    'RELEASED',
    {
      actor: 'workflow',
      set: { release: { releasedAt: nowIso() } },
      remove: [...(order.hold?.taskToken ? ['hold.taskToken'] : []), ...(order.problems ? ['problems'] : [])],
    },
    order,
  );
  await capturePayment(released);
  metrics.addMetric('OrdersReleased', 'Count', 1);
  metrics.addMetric('TimeToRelease', 'Milliseconds', Date.now() - Date.parse(order.createdAt));
  logger.info('order released');
  return { status: released.status };
});
