import { nowIso } from '../clock.js';
import { ENV } from '../config.js';
import { getProviderCredentials } from '../store/provider-secrets.js';
import type { TrackingService, TrackingStatus } from './carrier.js';
import { baseUrl, providerRequest } from './http.js';

/**
 * What a carrier's tracking status means for the order, from its webhook or a poll: nothing yet
 * (`undefined`: label made, parcel not handed over, or the carrier does not know), in transit, delivered,
 * or a delivery exception with the reason recorded.
 */
export type TrackingUpdate = TrackingStatus | undefined;

const EXCEPTIONS: Record<string, string> = {
  return_to_sender: 'returned_to_sender',
  failure: 'delivery_failure',
  cancelled: 'tracking_cancelled',
  RETURNED: 'returned_to_sender',
  FAILURE: 'delivery_failure',
};

/** EasyPost tracker statuses. `error` is the carrier's trouble answering, not the parcel's: no news. */
export function easypostUpdate(status: string, at = nowIso()): TrackingUpdate {
  if (status === 'delivered') return { status: 'DELIVERED', at };
  if (['in_transit', 'out_for_delivery', 'available_for_pickup'].includes(status))
    return { status: 'IN_TRANSIT' };
  const reason = EXCEPTIONS[status];
  return reason ? { status: 'EXCEPTION', reason } : undefined;
}

/** Shippo tracking statuses: UNKNOWN, PRE_TRANSIT, TRANSIT, DELIVERED, RETURNED, FAILURE. */
export function shippoUpdate(status: string, at = nowIso()): TrackingUpdate {
  if (status === 'DELIVERED') return { status: 'DELIVERED', at };
  if (status === 'TRANSIT') return { status: 'IN_TRANSIT' };
  const reason = EXCEPTIONS[status];
  return reason ? { status: 'EXCEPTION', reason } : undefined;
}

async function authorization(sellerId: string, provider: 'easypost' | 'shippo'): Promise<string> {
  const credentials = await getProviderCredentials(sellerId, provider);
  if (!credentials) throw new Error(`seller ${sellerId} has no ${provider} credentials`);
  return provider === 'easypost'
    ? `Basic ${Buffer.from(`${credentials.apiKey}:`).toString('base64')}`
    : `ShippoToken ${credentials.apiKey}`;
}

/**
 * Polling, the fallback when no webhook came by the estimate: the tracker's status now. A parcel not yet
 * handed over counts as in transit for the poll loop, which is bounded either way.
 */
export const easypostTracking: TrackingService = {
  async track(shipment, _address, sellerId) {
    const { body, status } = await providerRequest({
      provider: 'EasyPost',
      method: 'GET',
      url: `${baseUrl(ENV.easypostApiUrl, 'https://api.easypost.com')}/v2/trackers?tracking_code=${encodeURIComponent(shipment.trackingNumber)}`,
      headers: { authorization: await authorization(sellerId, 'easypost') },
    });
    const tracker = (body.trackers as { status?: string }[] | undefined)?.[0];
    if (status >= 400 || !tracker?.status) return { status: 'IN_TRANSIT' };
    return easypostUpdate(tracker.status) ?? { status: 'IN_TRANSIT' };
  },
};

export const shippoTracking: TrackingService = {
  async track(shipment, _address, sellerId) {
    const carrier = shipment.carrier.toLowerCase();
    const { body, status } = await providerRequest({
      provider: 'Shippo',
      method: 'GET',
      url: `${baseUrl(ENV.shippoApiUrl, 'https://api.goshippo.com')}/tracks/${encodeURIComponent(carrier)}/${encodeURIComponent(shipment.trackingNumber)}`,
      headers: { authorization: await authorization(sellerId, 'shippo') },
    });
    const current = (body.tracking_status as { status?: string } | null | undefined)?.status;
    if (status >= 400 || !current) return { status: 'IN_TRANSIT' };
    return shippoUpdate(current) ?? { status: 'IN_TRANSIT' };
  },
};
