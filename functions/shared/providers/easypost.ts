import { nowIso } from '../clock.js';
import { ENV } from '../config.js';
import { DEFAULT_PARCEL } from '../domain/providers.js';
import type { Problem } from '../domain/order.js';
import { CarrierRefusedError, ReleaseRejectedError } from '../errors.js';
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
  addressField,
  carrierAddress,
  downloadLabelFile,
  estimateFrom,
  markBuying,
  pickRate,
  readLabelRecord,
  recordLabel,
  recordShipment,
  shipmentDigest,
} from './label-record.js';

/**
 * EasyPost labels over its REST API v2 (hand-written on fetch): create a shipment (the recipient's address
 * verified strictly, rates returned) at release, keep its id, then buy the chosen rate. A shipment can be
 * bought only once, and a retry reads the shipment back (GET) before buying: one label per order.
 */

interface EasyPostRate {
  id: string;
  carrier: string;
  service: string;
  rate: string;
  currency: string;
  delivery_days: number | null;
}

interface EasyPostShipment {
  id: string;
  rates: EasyPostRate[];
  selected_rate: EasyPostRate | null;
  tracking_code: string | null;
  postage_label: { id: string; label_url: string; label_pdf_url?: string | null } | null;
}

interface EasyPostError {
  code?: string;
  message?: string;
  errors?: { field?: string; message?: string }[];
}

async function call(
  sellerId: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<ProviderResponse> {
  const credentials = await getProviderCredentials(sellerId, 'easypost');
  if (!credentials)
    throw new ReleaseRejectedError(`carrier_not_configured: seller ${sellerId} has no EasyPost API key`);
  return providerRequest({
    provider: 'EasyPost',
    method,
    url: `${baseUrl(ENV.easypostApiUrl, 'https://api.easypost.com')}${path}`,
    headers: {
      authorization: `Basic ${Buffer.from(`${credentials.apiKey}:`).toString('base64')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const errorOf = (response: ProviderResponse): EasyPostError => (response.body.error ?? {}) as EasyPostError;

/** Creates the shipment for the order and keeps it; the carrier's address problems come back instead. */
async function createShipment(request: LabelRequest): Promise<Problem[]> {
  const seller = await getSellerCached(request.sellerId);
  if (!seller?.shipFrom) {
    throw new ReleaseRejectedError(
      `carrier_not_configured: seller ${request.sellerId} has no ship-from address`,
    );
  }
  const parcel = seller.parcel ?? DEFAULT_PARCEL;
  const response = await call(request.sellerId, 'POST', '/v2/shipments', {
    shipment: {
      reference: request.orderId,
      to_address: { ...carrierAddress(request.address), verify_strict: true },
      from_address: carrierAddress(seller.shipFrom),
      parcel: {
        length: parcel.lengthIn,
        width: parcel.widthIn,
        height: parcel.heightIn,
        weight: parcel.weightOz,
      },
      // A PDF 4x6 label (EasyPost's default is a PNG): its URL is postage_label.label_pdf_url.
      options: { label_format: 'PDF', label_size: '4x6' },
    },
  });
  if (response.status >= 400) {
    const error = errorOf(response);
    if (error.code?.startsWith('ADDRESS.')) {
      const details = error.errors?.length ? error.errors : [{ field: undefined, message: error.message }];
      return details.map((detail) => ({
        reason: 'bad_address',
        field: addressField(detail.field),
        message: `EasyPost: ${detail.message ?? error.message ?? error.code}`.slice(0, 300),
      }));
    }
    throw new ReleaseRejectedError(
      `carrier_error: EasyPost ${response.status} ${error.code ?? ''} ${error.message ?? ''}`.trim(),
    );
  }
  const shipment = response.body as unknown as EasyPostShipment;
  const rate = pickRate(
    shipment.rates.map((r) => ({ ...r, amount: r.rate, days: r.delivery_days ?? undefined })),
    request.method,
    request.region,
  );
  if (!rate) throw new ReleaseRejectedError('carrier_error: EasyPost offered no rate for this parcel');
  await recordShipment(request.orderId, {
    provider: 'easypost',
    shipmentId: shipment.id,
    rateId: rate.id,
    carrier: rate.carrier,
    service: rate.service,
    digest: shipmentDigest(request),
    ...(rate.days !== undefined ? { estimatedDays: rate.days } : {}),
  });
  return [];
}

export const easypostShipments: ShipmentService = {
  async prepare(request) {
    const record = await readLabelRecord(request.orderId);
    if (record?.label || record?.buyingAt) return [];
    if (record?.provider === 'easypost' && record.digest === shipmentDigest(request)) return [];
    return createShipment(request);
  },
};

function labelOf(shipment: EasyPostShipment, request: LabelRequest, estimatedDays?: number): Label {
  const rate = shipment.selected_rate!;
  const shippedAt = nowIso();
  return {
    carrier: rate.carrier,
    service: rate.service,
    trackingNumber: shipment.tracking_code!,
    labelId: shipment.postage_label!.id,
    fileUrl: shipment.postage_label!.label_pdf_url ?? shipment.postage_label!.label_url,
    shippedAt,
    estimatedDeliveryAt: estimateFrom(
      shippedAt,
      rate.delivery_days ?? estimatedDays,
      request.region,
      request.method,
    ),
  };
}

export const easypostLabels: LabelService = {
  pushGraceMs: PUSH_GRACE_MS,
  async buyLabel(request) {
    let record = await readLabelRecord(request.orderId);
    if (record?.label) return record.label;
    if (!record?.shipmentId) {
      // Released before the shipment was kept (or by an older version): make it now.
      const problems = await createShipment(request);
      if (problems.length) throw new CarrierRefusedError(`bad_address: ${problems[0]!.message}`);
      record = (await readLabelRecord(request.orderId))!;
    }
    await markBuying(request.orderId);
    const current = await call(request.sellerId, 'GET', `/v2/shipments/${record.shipmentId}`);
    if (current.status >= 400) {
      throw new CarrierRefusedError(
        `label_refused: EasyPost ${current.status}: ${errorOf(current).message ?? 'shipment not readable'}`,
      );
    }
    let shipment = current.body as unknown as EasyPostShipment;
    if (shipment.postage_label) {
      logger.info('label found bought on a retry, not bought again', { shipmentId: shipment.id });
    } else {
      const bought = await call(request.sellerId, 'POST', `/v2/shipments/${record.shipmentId}/buy`, {
        rate: { id: record.rateId },
      });
      if (bought.status >= 400) {
        // Bought meanwhile by a concurrent attempt: EasyPost refuses a second purchase; read what it bought.
        const again = await call(request.sellerId, 'GET', `/v2/shipments/${record.shipmentId}`);
        const read = again.body as unknown as EasyPostShipment;
        if (!read.postage_label) {
          throw new CarrierRefusedError(
            `label_refused: EasyPost ${bought.status}: ${errorOf(bought).message ?? 'purchase refused'}`,
          );
        }
        shipment = read;
      } else shipment = bought.body as unknown as EasyPostShipment;
    }
    return recordLabel(request.orderId, labelOf(shipment, request, record.estimatedDays), {
      sellerId: request.sellerId,
      provider: 'easypost',
    });
  },
  labelFile: (label) => downloadLabelFile('EasyPost', label),
};
