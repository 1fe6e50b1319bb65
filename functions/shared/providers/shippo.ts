import { nowIso } from '../clock.js';
import { ENV } from '../config.js';
import { DEFAULT_PARCEL } from '../domain/providers.js';
import type { Problem } from '../domain/order.js';
import { CarrierRefusedError, ReleaseRejectedError, TransientError } from '../errors.js';
import { logger } from '../logger.js';
import { getProviderCredentials } from '../store/provider-secrets.js';
import { getSellerCached } from '../store/sellers.js';
import {
  PUSH_GRACE_MS,
  type Label,
  type LabelRequest,
  type LabelService,
  type ShipmentService,
} from './carrier.js';
import { baseUrl, providerRequest, type ProviderResponse } from './http.js';
import {
  carrierAddress,
  downloadLabelFile,
  estimateFrom,
  markBuying,
  pickRate,
  readLabelRecord,
  recordLabel,
  recordShipment,
  shipmentDigest,
  type LabelRecord,
} from './label-record.js';

/**
 * Shippo labels over its REST API (hand-written on fetch): a shipment with its rates at release, kept; then
 * a transaction (the purchase) for the chosen rate, as a PDF 4x6, tagged with the order id. Shippo would
 * sell a second label for the same rate, so the purchase is marked before it is sent, and a retry that
 * finds the mark looks the transaction up among the account's latest before buying.
 */

interface ShippoRate {
  object_id: string;
  amount: string;
  currency: string;
  provider: string;
  servicelevel: { name: string; token: string };
  estimated_days: number | null;
}

interface ShippoTransaction {
  object_id: string;
  status: 'WAITING' | 'QUEUED' | 'SUCCESS' | 'ERROR' | 'REFUNDED' | 'REFUNDPENDING' | 'REFUNDREJECTED';
  tracking_number: string | null;
  label_url: string | null;
  metadata?: string;
  rate: string | { object_id: string };
  messages?: { text?: string }[];
}

/** How far back a retry looks for a purchase it may have made: the latest transactions, newest first. */
const LOOKBACK_PAGES = 3;

async function call(sellerId: string, method: 'GET' | 'POST', path: string, body?: unknown) {
  const credentials = await getProviderCredentials(sellerId, 'shippo');
  if (!credentials)
    throw new ReleaseRejectedError(`carrier_not_configured: seller ${sellerId} has no Shippo API token`);
  return providerRequest({
    provider: 'Shippo',
    method,
    url: `${baseUrl(ENV.shippoApiUrl, 'https://api.goshippo.com')}${path}`,
    headers: {
      authorization: `ShippoToken ${credentials.apiKey}`,
      'shippo-api-version': '2018-02-08',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Shippo's 4xx bodies name the fields at fault, `{"address_to": {"zip": ["…"]}}`, or carry `detail`. */
function messageOf(response: ProviderResponse): string {
  return JSON.stringify(response.body).slice(0, 300);
}

async function createShipment(request: LabelRequest): Promise<Problem[]> {
  const seller = await getSellerCached(request.sellerId);
  if (!seller?.shipFrom) {
    throw new ReleaseRejectedError(
      `carrier_not_configured: seller ${request.sellerId} has no ship-from address`,
    );
  }
  const parcel = seller.parcel ?? DEFAULT_PARCEL;
  const response = await call(request.sellerId, 'POST', '/shipments', {
    address_from: carrierAddress(seller.shipFrom),
    address_to: { ...carrierAddress(request.address), validate: true },
    parcels: [
      {
        length: String(parcel.lengthIn),
        width: String(parcel.widthIn),
        height: String(parcel.heightIn),
        distance_unit: 'in',
        weight: String(parcel.weightOz),
        mass_unit: 'oz',
      },
    ],
    metadata: request.orderId,
    async: false,
  });
  if (response.status >= 400) {
    if (response.body.address_to) {
      return [{ reason: 'bad_address', field: 'shippingAddress', message: `Shippo: ${messageOf(response)}` }];
    }
    throw new ReleaseRejectedError(`carrier_error: Shippo ${response.status} ${messageOf(response)}`);
  }
  const shipment = response.body as {
    object_id: string;
    rates: ShippoRate[];
    messages?: { text?: string }[];
  };
  const rate = pickRate(
    shipment.rates.map((r) => ({ ...r, id: r.object_id, days: r.estimated_days ?? undefined })),
    request.method,
    request.region,
  );
  if (!rate) {
    // No rate at all: Shippo says why in the shipment's messages, an address the carriers cannot reach.
    const why =
      shipment.messages
        ?.map((m) => m.text)
        .filter(Boolean)
        .join('; ') || 'no carrier serves this address';
    return [{ reason: 'bad_address', field: 'shippingAddress', message: `Shippo: ${why}`.slice(0, 300) }];
  }
  await recordShipment(request.orderId, {
    provider: 'shippo',
    shipmentId: shipment.object_id,
    rateId: rate.id,
    carrier: rate.provider,
    service: rate.servicelevel.name,
    digest: shipmentDigest(request),
    ...(rate.days !== undefined ? { estimatedDays: rate.days } : {}),
  });
  return [];
}

export const shippoShipments: ShipmentService = {
  async prepare(request) {
    const record = await readLabelRecord(request.orderId);
    if (record?.label || record?.buyingAt) return [];
    if (record?.provider === 'shippo' && record.digest === shipmentDigest(request)) return [];
    return createShipment(request);
  },
};

const rateIdOf = (transaction: ShippoTransaction) =>
  typeof transaction.rate === 'string' ? transaction.rate : transaction.rate.object_id;

/** A purchase an earlier attempt made for this order's rate, if it reached Shippo. */
async function earlierPurchase(
  request: LabelRequest,
  record: LabelRecord,
): Promise<ShippoTransaction | undefined> {
  for (let page = 1; page <= LOOKBACK_PAGES; page++) {
    const response = await call(request.sellerId, 'GET', `/transactions?results=100&page=${page}`);
    if (response.status >= 400)
      throw new CarrierRefusedError(`label_refused: Shippo ${response.status}: ${messageOf(response)}`);
    const { results = [], next } = response.body as { results?: ShippoTransaction[]; next?: string | null };
    const found = results.find(
      (t) => rateIdOf(t) === record.rateId && t.metadata === request.orderId && t.status !== 'ERROR',
    );
    if (found || !next) return found;
  }
  return undefined;
}

function labelOf(transaction: ShippoTransaction, request: LabelRequest, record: LabelRecord): Label {
  const shippedAt = nowIso();
  return {
    carrier: record.carrier,
    service: record.service,
    trackingNumber: transaction.tracking_number!,
    labelId: transaction.object_id,
    ...(transaction.label_url ? { fileUrl: transaction.label_url } : {}),
    shippedAt,
    estimatedDeliveryAt: estimateFrom(shippedAt, record.estimatedDays, request.region, request.method),
  };
}

export const shippoLabels: LabelService = {
  pushGraceMs: PUSH_GRACE_MS,
  async buyLabel(request) {
    let record = await readLabelRecord(request.orderId);
    if (record?.label) return record.label;
    if (!record?.shipmentId) {
      const problems = await createShipment(request);
      if (problems.length) throw new CarrierRefusedError(`bad_address: ${problems[0]!.message}`);
      record = (await readLabelRecord(request.orderId))!;
    }
    let transaction = record.buyingAt ? await earlierPurchase(request, record) : undefined;
    if (transaction)
      logger.info('label found bought on a retry, not bought again', { transaction: transaction.object_id });
    else {
      await markBuying(request.orderId);
      const bought = await call(request.sellerId, 'POST', '/transactions', {
        rate: record.rateId,
        label_file_type: 'PDF_4x6',
        async: false,
        metadata: request.orderId,
      });
      if (bought.status >= 400)
        throw new CarrierRefusedError(`label_refused: Shippo ${bought.status}: ${messageOf(bought)}`);
      transaction = bought.body as unknown as ShippoTransaction;
    }
    if (transaction.status !== 'SUCCESS' || !transaction.tracking_number) {
      const why = transaction.messages?.map((m) => m.text).join('; ') ?? transaction.status;
      const message = `Shippo label ${transaction.status}: ${why}`.slice(0, 300);
      // QUEUED or WAITING: Shippo is still making it, and a retry finds this purchase (earlierPurchase).
      if (transaction.status !== 'ERROR' && transaction.status !== 'REFUNDED')
        throw new TransientError(message);
      throw new CarrierRefusedError(`label_refused: ${message}`);
    }
    return recordLabel(request.orderId, labelOf(transaction, request, record), {
      sellerId: request.sellerId,
      provider: 'shippo',
    });
  },
  labelFile: (label) => downloadLabelFile('Shippo', label),
};
