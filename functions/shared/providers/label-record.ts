import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { DAY_MS, addBusinessMs, nowIso } from '../clock.js';
import { toMinor } from '../domain/money.js';
import type { Address, Region, ShippingMethod } from '../domain/order.js';
import { rememberTracking } from '../store/provider-records.js';
import { keys } from '../store/schema.js';
import { tableName } from '../store/table.js';
import type { Label, LabelRequest } from './carrier.js';
import { providerFile } from './http.js';

/**
 * The order's LABEL item as a real carrier's adapter keeps it. Neither EasyPost nor Shippo takes an
 * idempotency key, so the provider's shipment id (and the rate chosen) is written here before anything is
 * bought, and a retry reads it back and asks the provider what became of that shipment instead of buying
 * again: one shipment, at most one label, whatever crashed between "bought" and "recorded".
 */
export interface LabelRecord {
  provider: string;
  shipmentId: string;
  rateId: string;
  /** The address and method the shipment was made for: a seller's fix of the address makes a new one. */
  digest: string;
  estimatedDays?: number;
  /** The chosen rate's carrier and service, as the provider names them. */
  carrier: string;
  service: string;
  /** Set just before the purchase is sent (Shippo's retry looks the purchase up only when it is). */
  buyingAt?: string;
  label?: Label;
}

export const shipmentDigest = (request: Pick<LabelRequest, 'address' | 'method' | 'region'>): string =>
  createHash('sha256')
    .update(JSON.stringify([request.address, request.method, request.region]))
    .digest('hex')
    .slice(0, 32);

export async function readLabelRecord(orderId: string): Promise<LabelRecord | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: tableName(), Key: keys.label(orderId), ConsistentRead: true }),
  );
  if (!Item?.shipmentId && !Item?.label) return undefined;
  const { estimatedDays, ...record } = Item;
  // DynamoDB keeps an unknown transit time as null.
  return {
    ...record,
    ...(typeof estimatedDays === 'number' ? { estimatedDays } : {}),
  } as unknown as LabelRecord;
}

/** Keeps the shipment to buy, unless a label was bought already (then nothing is changed). */
export async function recordShipment(
  orderId: string,
  shipment: Omit<LabelRecord, 'label' | 'buyingAt'>,
): Promise<void> {
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.label(orderId),
        UpdateExpression:
          'SET provider = :provider, shipmentId = :shipment, rateId = :rate, digest = :digest, ' +
          'estimatedDays = :days, carrier = :carrier, service = :service, orderId = :orderId, ' +
          'preparedAt = :at REMOVE buyingAt',
        ConditionExpression: 'attribute_not_exists(label) AND attribute_not_exists(buyingAt)',
        ExpressionAttributeValues: {
          ':provider': shipment.provider,
          ':shipment': shipment.shipmentId,
          ':rate': shipment.rateId,
          ':digest': shipment.digest,
          ':days': shipment.estimatedDays ?? null,
          ':carrier': shipment.carrier,
          ':service': shipment.service,
          ':orderId': orderId,
          ':at': nowIso(),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // A purchase was started or made for the shipment kept: that one stands.
  }
}

export async function markBuying(orderId: string): Promise<void> {
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.label(orderId),
      UpdateExpression: 'SET buyingAt = if_not_exists(buyingAt, :at)',
      ConditionExpression: 'attribute_exists(shipmentId)',
      ExpressionAttributeValues: { ':at': nowIso() },
    }),
  );
}

/**
 * Records the bought label, once: a concurrent or earlier record wins, and is returned. Its tracking number
 * is remembered first, so the carrier's tracking webhooks find the order as soon as it is SHIPPED.
 */
export async function recordLabel(
  orderId: string,
  label: Label,
  owner: { sellerId: string; provider: string },
): Promise<Label> {
  await rememberTracking(owner.sellerId, owner.provider, label.trackingNumber, orderId);
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.label(orderId),
        UpdateExpression: 'SET label = :label, purchasedAt = :at',
        ConditionExpression: 'attribute_not_exists(label)',
        ExpressionAttributeValues: { ':label': label, ':at': label.shippedAt },
      }),
    );
    return label;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return (await readLabelRecord(orderId))!.label!;
  }
}

/**
 * A real carrier's label file: the PDF at the URL its purchase gave (public, unauthenticated, as EasyPost's
 * and Shippo's label URLs are), within a timeout well under the task's, so a hung download is a retry.
 */
export async function downloadLabelFile(provider: string, label: Label): Promise<Uint8Array> {
  if (!label.fileUrl) throw new Error(`${provider} gave no label file URL for label ${label.labelId}`);
  return providerFile({
    provider,
    url: label.fileUrl,
    headers: {},
    contentType: 'application/pdf',
    timeoutMs: 8_000,
  });
}

/** A label's delivery estimate from the carrier's transit days (scaled like every business duration). */
export function estimateFrom(
  shippedAt: string,
  days: number | undefined,
  region: Region,
  method: ShippingMethod,
) {
  const fallback = { express: 1, standard: 3, economy: 5 }[method] + (region === 'international' ? 4 : 0);
  return addBusinessMs(shippedAt, (days ?? fallback) * DAY_MS);
}

export interface RateOption {
  id: string;
  amount: string;
  currency: string;
  days?: number;
}

/**
 * The rate for the shipping method: express is the fastest (then cheapest); standard the cheapest that
 * arrives within 5 days at home or 10 abroad (else the cheapest); economy the cheapest.
 */
export function pickRate<Rate extends RateOption>(
  rates: readonly Rate[],
  method: ShippingMethod,
  region: Region,
): Rate | undefined {
  const price = (rate: Rate) => toMinor(rate.amount, rate.currency.toUpperCase());
  const byPrice = [...rates].sort((a, b) => (price(a) < price(b) ? -1 : price(a) > price(b) ? 1 : 0));
  if (method === 'economy') return byPrice[0];
  if (method === 'express') {
    return [...byPrice].sort((a, b) => (a.days ?? Infinity) - (b.days ?? Infinity))[0];
  }
  const limit = region === 'domestic' ? 5 : 10;
  return byPrice.find((rate) => rate.days !== undefined && rate.days <= limit) ?? byPrice[0];
}

/** Where the carrier's field names point in our address (EasyPost's and Shippo's share most). */
const FIELDS: Record<string, keyof Address> = {
  name: 'name',
  street1: 'line1',
  street2: 'line2',
  city: 'city',
  state: 'region',
  zip: 'postalCode',
  country: 'country',
};

export const addressField = (field: string | undefined): string =>
  `shippingAddress${field && FIELDS[field] ? `.${FIELDS[field]}` : ''}`;

/** Our address as EasyPost and Shippo both take it. */
export function carrierAddress(address: Address) {
  return {
    name: address.name,
    street1: address.line1,
    street2: address.line2,
    city: address.city,
    state: address.region,
    zip: address.postalCode,
    country: address.country,
  };
}
