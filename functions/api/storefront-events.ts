import { orderTotal } from '../shared/domain/lines.js';
import { normalizeAmount } from '../shared/domain/money.js';
import { regionOf, type Order, type OrderInput } from '../shared/domain/order.js';
import type { Seller } from '../shared/domain/seller.js';
import { allowedFrom, canTransition, type OrderStatus } from '../shared/domain/status.js';
import { IllegalTransitionError } from '../shared/errors.js';
import { recordFinancialStatus, restorePaymentToken } from '../shared/store/executions.js';
import { indexOrder, updateOrder } from '../shared/store/orders.js';
import { sendRelease } from '../shared/workflow.js';
import { storefrontDigest } from './intake.js';
import { cancelOrder } from './seller-actions.js';

/**
 * What a storefront's later delivery of an order (cancelled, paid, updated) does to it, read from the
 * signed body, never from the unsigned topic. Each returns the outcome kept on the order for the seller.
 */

export interface StorefrontOrderState {
  topic: string;
  /** The order as the body has it now. */
  input: OrderInput;
  cancelledAt?: string;
  cancelReason?: string;
  financialStatus?: string;
  updatedAt?: string;
}

/** Before release the address and names may change (the statuses the order can still be cancelled in). */
const CONTENT_EDITABLE: readonly OrderStatus[] = allowedFrom('CANCELLED');
/** Lines may change only while no stock is reserved for them and no reservation is being made. */
const LINES_EDITABLE: readonly OrderStatus[] = ['PENDING', 'OUT_OF_STOCK', 'PAYMENT_FAILED'];

const isOlder = (updatedAt: string | undefined, stored: string | undefined) =>
  updatedAt !== undefined && stored !== undefined && Date.parse(updatedAt) < Date.parse(stored);

export async function applyStorefrontEvent(
  seller: Pick<Seller, 'originCountry'>,
  order: Order,
  state: StorefrontOrderState,
): Promise<{ outcome: string; storefrontUpdatedAt?: string }> {
  // A storefront cannot un-cancel an order: a body that says cancelled is acted on, however old.
  if (state.cancelledAt) return { outcome: await cancelFromStorefront(order, state.cancelReason) };
  if (state.topic === 'orders/cancelled') {
    return { outcome: 'ignored: the order in the body is not cancelled' };
  }
  if (isOlder(state.updatedAt, order.storefrontUpdatedAt)) {
    return { outcome: `ignored: older (${state.updatedAt}) than the order as stored` };
  }
  const outcomes: string[] = [];
  if (state.financialStatus && state.financialStatus !== order.payment.financialStatus) {
    outcomes.push(await paymentFromStorefront(order, state.financialStatus));
  }
  if (state.topic === 'orders/updated') outcomes.push(await updateFromStorefront(seller, order, state.input));
  return {
    outcome: outcomes.join('; ') || 'nothing_to_do',
    ...(state.updatedAt ? { storefrontUpdatedAt: state.updatedAt } : {}),
  };
}

/** Cancels the order unless it is released already: then the cancellation is recorded, and changes nothing. */
async function cancelFromStorefront(order: Order, reason: string | undefined): Promise<string> {
  if (order.status === 'CANCELLED') return 'already_cancelled';
  if (!canTransition(order.status, 'CANCELLED')) return `too_late: the order is ${order.status}`;
  try {
    await cancelOrder(order, 'storefront', `shopify_cancelled:${reason || 'other'}`.slice(0, 200));
    return 'cancelled';
  } catch (error) {
    if (!(error instanceof IllegalTransitionError)) throw error;
    return `too_late: the order is ${error.from}`;
  }
}

/**
 * A new payment status: recorded on an order not yet verified, and an order waiting for its payment is
 * sent on to verify it again (orders/paid).
 */
async function paymentFromStorefront(order: Order, financialStatus: string): Promise<string> {
  const { changed, taskToken } = await recordFinancialStatus(order.orderId, financialStatus);
  if (!changed) return `payment ${financialStatus} ignored: the order is ${order.status}`;
  if (!taskToken) return `payment_${financialStatus}`;
  try {
    const delivered = await sendRelease(taskToken, { paymentStatus: financialStatus });
    return delivered ? `payment_${financialStatus}: verifying` : `payment_${financialStatus}`;
  } catch (error) {
    await restorePaymentToken(order.orderId, taskToken);
    throw error;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * orders/updated: the address, the names and the lines as the storefront has them now. Before release
 * they replace the order's (the lines only while no stock is reserved for them); after, they are
 * recorded and change nothing.
 */
async function updateFromStorefront(
  seller: Pick<Seller, 'originCountry'>,
  order: Order,
  input: OrderInput,
): Promise<string> {
  const currency = order.currency;
  const items = input.items.map((line) => ({
    ...line,
    unitPrice: normalizeAmount(line.unitPrice, currency),
  }));
  // What the storefront changed since it last sent the order: not what differs from the order now,
  // which may be a seller's fix (a PATCHed address, a mapped SKU) that an unrelated update must not undo.
  const now = storefrontDigest(input);
  const before = order.storefrontDigest;
  const storefrontChanged = (part: keyof typeof now, current: unknown, next: unknown) =>
    before ? before[part] !== now[part] : !same(current, next);
  const changed: string[] = [];
  const set: Record<string, unknown> = { storefrontDigest: now };
  if (storefrontChanged('address', order.shippingAddress, input.shippingAddress)) {
    changed.push('address');
    set.shippingAddress = input.shippingAddress;
    set.region = regionOf(input.shippingAddress, seller.originCountry);
  }
  if (storefrontChanged('name', order.customer.name, input.customer.name)) {
    changed.push('customer name');
    set.customer = { ...order.customer, name: input.customer.name };
  }
  const linesChanged = input.currency === currency && storefrontChanged('lines', order.items, items);
  if (!changed.length && !linesChanged) return 'no_changes';
  if (!CONTENT_EDITABLE.includes(order.status)) {
    return `recorded, not applied: the order is ${order.status} (${[...changed, ...(linesChanged ? ['lines'] : [])].join(', ')})`;
  }
  let notApplied = '';
  if (linesChanged && LINES_EDITABLE.includes(order.status)) {
    changed.push('lines');
    set.items = items;
    set.total = orderTotal(items, currency);
    set.payment = { ...order.payment, amount: normalizeAmount(input.payment.amount, currency) };
  } else if (linesChanged) {
    notApplied = `; lines not applied: stock is reserved (the order is ${order.status})`;
  }
  if (!changed.length) return `no_changes${notApplied}`;
  const statuses = set.items ? LINES_EDITABLE : CONTENT_EDITABLE;
  try {
    const updated = await updateOrder(order.orderId, set, { status: statuses });
    if (set.items) await indexOrder(updated);
  } catch (error) {
    if (!(error instanceof IllegalTransitionError)) throw error;
    return `recorded, not applied: the order moved on to ${error.from}`;
  }
  return `updated: ${changed.join(', ')}${notApplied}`;
}
