import { DAY_MS, nowIso } from '../clock.js';
import type { Address, Problem, Region, Shipment, ShippingMethod } from '../domain/order.js';
import { maybeInjectFault } from './faults.js';

export interface LabelRequest {
  /** The carrier charges once per key: a repeated purchase returns the first label. */
  idempotencyKey: string;
  orderId: string;
  sellerId: string;
  method: ShippingMethod;
  region: Region;
  address: Address;
}

export type Label = Omit<Shipment, 'polls' | 'deliveredAt' | 'exception' | 'labelKey'> & {
  /** Where a real carrier serves the label's PDF (kept with the purchase, never on the order). */
  fileUrl?: string;
};

export type TrackingStatus =
  { status: 'IN_TRANSIT' } | { status: 'DELIVERED'; at: string } | { status: 'EXCEPTION'; reason: string };

/**
 * A carrier is three services, kept apart so each function carries (and is granted) only the one it uses:
 * release-order prepares the shipment, generate-label buys labels, poll-delivery tracks parcels.
 */
/**
 * At release (release-order): the carrier checks the address and rates the parcel, and what the purchase
 * needs (a real carrier's shipment id) is kept. What the seller must fix comes back as problems
 * (`bad_address`, with the carrier's message); nothing is bought.
 */
export interface ShipmentService {
  prepare(request: LabelRequest): Promise<Problem[]>;
}
export interface LabelService {
  /** Buys the label, once per order however often it is called (and whatever crashed in between). */
  buyLabel(request: LabelRequest): Promise<Label>;
  /** The bought label's file, a PDF 4x6: the same file however often it is asked for. */
  labelFile(label: Label, request: LabelRequest): Promise<Uint8Array>;
  /**
   * How long after the estimate a final status pushed by the carrier may still come: the workflow waits
   * for the push until then, and polls after. 0 for a carrier that pushes nothing (the sandbox, whose
   * parcels arrive exactly at the estimate): its wait ends at the estimate with the first poll.
   */
  readonly pushGraceMs: number;
}

/** A real carrier's webhook can lag its scan by hours; a day covers that without delaying the fallback long. */
export const PUSH_GRACE_MS = DAY_MS;
export interface TrackingService {
  track(shipment: Shipment, address: Address, sellerId: string): Promise<TrackingStatus>;
}

const TRANSIT_DAYS: Record<ShippingMethod, number> = { express: 1, standard: 3, economy: 5 };
const INTERNATIONAL_EXTRA_DAYS = 4;

/** Carrier and service by region and shipping method. */
export function chooseService(region: Region, method: ShippingMethod): { carrier: string; service: string } {
  const service = { express: 'Express', standard: 'Ground', economy: 'Economy' }[method];
  return region === 'domestic'
    ? { carrier: 'sandbox-post', service }
    : { carrier: 'sandbox-global', service: `International ${service}` };
}

export function transitDays(region: Region, method: ShippingMethod): number {
  return TRANSIT_DAYS[method] + (region === 'international' ? INTERNATIONAL_EXTRA_DAYS : 0);
}

/** The sandbox carrier at release (its labels, drawn with pdf-lib, are in labels.ts). */
export const sandboxShipments: ShipmentService = {
  async prepare({ address }) {
    // The sandbox's undeliverable postal code (README, Sandbox rules).
    if (address.postalCode !== '00000') return [];
    return [
      {
        reason: 'bad_address',
        field: 'shippingAddress.postalCode',
        message: 'the carrier cannot deliver to this address',
      },
    ];
  },
};

/** Deterministic sandbox tracking: postal code 99999 loses the parcel; others arrive after the transit time. */
export const sandboxTracking: TrackingService = {
  async track(shipment, address) {
    maybeInjectFault('carrier.track');
    if (address.postalCode === '99999') return { status: 'EXCEPTION', reason: 'parcel lost in transit' };
    if (Date.now() >= Date.parse(shipment.estimatedDeliveryAt)) return { status: 'DELIVERED', at: nowIso() };
    return { status: 'IN_TRANSIT' };
  },
};
