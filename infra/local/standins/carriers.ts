import { createHmac } from 'node:crypto';
import { renderLabelPdf } from '../../../functions/shared/providers/label-pdf.js';
import { newId, startStandIn, type StandIn, type StandInRequest, type StandInResponse } from './server.js';

/**
 * Stand-ins for the label APIs orderflow uses, at EASYPOST_API_URL and SHIPPO_API_URL, with their
 * request and answer shapes and their errors.
 *
 * Addresses: a `zip` of `00000` is one no carrier can find (EasyPost: 422 `ADDRESS.VERIFY.FAILURE` with
 * `errors[{field, message}]` when the shipment asks `verify_strict`; Shippo: 400 `{"address_to": {...}}`
 * when `address_to.validate` is true). Rates (domestic = same country as the sender): USPS
 * GroundAdvantage 5 days 6.40, Priority 2 days 9.10, Express 1 day 31.25; abroad, First Class
 * International 10 days 15.80, Priority International 6 days 42.10, Express International 4 days 61.90.
 *
 * EasyPost: `Authorization: Basic base64(<EZTK…|EZAK…>:)`; `POST /v2/shipments {shipment: {to_address,
 * from_address, parcel, reference}}` → the shipment with `rates`; `GET /v2/shipments/:id`;
 * `POST /v2/shipments/:id/buy {rate: {id}}` → the shipment with `postage_label`, `tracking_code`,
 * `selected_rate`; buying a bought shipment is 422 `SHIPMENT.POSTAGE.EXISTS` (EasyPost sells one label
 * per shipment).
 * Shippo: `Authorization: ShippoToken <shippo_test_…|shippo_live_…>`; `POST /shipments {address_from,
 * address_to, parcels, async: false}` → `{object_id, status: "SUCCESS", rates, messages}`;
 * `POST /transactions {rate, label_file_type, async: false, metadata}` → `{object_id, status: "SUCCESS",
 * tracking_number, label_url, rate, metadata}` (Shippo sells a second label for the same rate if asked);
 * `GET /transactions?results=&page=` → `{next, previous, results}`, newest first.
 *
 * Label files: a bought label's URL (EasyPost `postage_label.label_url` and `label_pdf_url`, Shippo's
 * `label_url`) serves its PDF 4x6 without credentials, as the carriers' file hosts do, at
 * `<stand-in>/files/<id>.pdf`: carrier, service, tracking number, recipient and the order's reference.
 *
 * Tracking: each label gets a tracker (EasyPost `GET /v2/trackers?tracking_code=` → `{trackers: [{status,
 * …}]}`; Shippo `GET /tracks/:carrier/:tracking_number` → `{tracking_status: {status, …}}`). Unless
 * `autoProgress` is off, every read moves the parcel one step on, as time would: EasyPost pre_transit →
 * in_transit → out_for_delivery → delivered, Shippo PRE_TRANSIT → TRANSIT → DELIVERED; to postal code `99999`
 * the parcel comes back (return_to_sender / RETURNED). `track(number, status)` sets a status and returns the
 * webhook body the carrier would post: EasyPost's `tracker.updated` event (signed with `X-Hmac-Signature:
 * hmac-sha256-hex=<hex HMAC-SHA256 of the body>`, signEasyPostWebhook), Shippo's `track_updated`
 * (`Shippo-Auth-Signature: t=,v1=`, signShippoWebhook).
 */

interface Rate {
  carrier: string;
  service: string;
  rate: string;
  days: number;
}

const DOMESTIC: Rate[] = [
  { carrier: 'USPS', service: 'GroundAdvantage', rate: '6.40', days: 5 },
  { carrier: 'USPS', service: 'Priority', rate: '9.10', days: 2 },
  { carrier: 'USPS', service: 'Express', rate: '31.25', days: 1 },
];
const ABROAD: Rate[] = [
  { carrier: 'USPS', service: 'FirstClassPackageInternationalService', rate: '15.80', days: 10 },
  { carrier: 'USPS', service: 'PriorityMailInternational', rate: '42.10', days: 6 },
  { carrier: 'USPS', service: 'ExpressMailInternational', rate: '61.90', days: 4 },
];

type Json = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const ratesFor = (from: Json, to: Json) => (text(from.country) === text(to.country) ? DOMESTIC : ABROAD);
const unknownAddress = (address: Json) => text(address.zip) === '00000';
let trackingSequence = 0;
const trackingNumber = (prefix: string) =>
  `${prefix}${Date.now()}${String(trackingSequence++).padStart(6, '0')}`;

/** A bought label's file, as the carrier's label URL serves it (drawn as the sandbox carrier draws its own). */
async function labelFile(label: {
  carrier: string;
  service: string;
  trackingNumber: string;
  reference: string;
  to: Json;
  boughtAt: string;
}): Promise<StandInResponse> {
  const { to } = label;
  const body = await renderLabelPdf({
    carrier: label.carrier,
    service: label.service,
    trackingNumber: label.trackingNumber,
    orderId: label.reference,
    shippedAt: label.boughtAt,
    address: {
      name: text(to.name),
      line1: text(to.street1),
      line2: text(to.street2),
      city: text(to.city),
      region: text(to.state),
      postalCode: text(to.zip),
      country: text(to.country),
    },
  });
  return { status: 200, body, contentType: 'application/pdf' };
}

const FILE_PATH = /^\/files\/([^/]+)\.pdf$/;

export interface EasyPostStandIn extends StandIn {
  shipments: Map<string, Json>;
  /** Labels sold per shipment: never more than one. */
  purchases: Map<string, number>;
  trackers: Map<string, Json>;
  /** Sets a tracker's status; returns the `tracker.updated` event body EasyPost would post. */
  track(trackingCode: string, status: string): Json;
}

const EASYPOST_STEPS = ['pre_transit', 'in_transit', 'out_for_delivery', 'delivered'];
const SHIPPO_STEPS = ['PRE_TRANSIT', 'TRANSIT', 'DELIVERED'];

/** The next status a parcel reaches; one to 99999 is returned to sender instead of delivered. */
function nextStep(steps: string[], current: string, zip: string, returned: string): string {
  const next = steps[Math.min(steps.indexOf(current) + 1, steps.length - 1)]!;
  return next === steps.at(-1) && zip === '99999' ? returned : next;
}

export async function startEasyPostStandIn(
  options: { port?: number; autoProgress?: boolean } = {},
): Promise<EasyPostStandIn> {
  const shipments = new Map<string, Json>();
  const purchases = new Map<string, number>();
  const trackers = new Map<string, Json>();
  /** Where each tracked parcel goes (its postal code), kept off the tracker EasyPost answers with. */
  const destinations = new Map<string, string>();
  const error = (status: number, code: string, message: string, errors: Json[] = []): StandInResponse => ({
    status,
    body: { error: { code, message, errors } },
  });
  let base = '';
  const handle = (request: StandInRequest): StandInResponse | Promise<StandInResponse> => {
    const file = request.method === 'GET' ? FILE_PATH.exec(request.path) : null;
    if (file) {
      const bought = shipments.get(file[1]!);
      const rate = bought?.selected_rate as Json | undefined;
      if (!bought || !rate)
        return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'Not found' } } };
      return labelFile({
        carrier: text(rate.carrier),
        service: text(rate.service),
        trackingNumber: text(bought.tracking_code),
        reference: text(bought.reference),
        to: bought.to_address as Json,
        boughtAt: text((bought.postage_label as Json).created_at),
      });
    }
    const auth = /^Basic (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const apiKey = auth ? Buffer.from(auth, 'base64').toString('utf8').replace(/:$/, '') : '';
    if (!/^EZ(TK|AK)[A-Za-z0-9_]{4,}$/.test(apiKey)) {
      return error(
        401,
        'APIKEY.INACTIVE',
        'This api key is no longer active. Please use a different api key.',
      );
    }
    if (request.method === 'GET' && request.path === '/v2/trackers') {
      const tracker = trackers.get(request.query.get('tracking_code') ?? '');
      if (tracker && options.autoProgress !== false && EASYPOST_STEPS.includes(text(tracker.status))) {
        tracker.status = nextStep(
          EASYPOST_STEPS,
          text(tracker.status),
          destinations.get(text(tracker.tracking_code)) ?? '',
          'return_to_sender',
        );
      }
      return { status: 200, body: { trackers: tracker ? [tracker] : [], has_more: false } };
    }
    if (request.method === 'POST' && request.path === '/v2/shipments') {
      const input = ((request.json as Json | undefined)?.shipment ?? {}) as Json;
      const to = (input.to_address ?? {}) as Json;
      const from = (input.from_address ?? {}) as Json;
      const missing = ['street1', 'city', 'zip', 'country'].filter((field) => !text(to[field]));
      if (missing.length || !input.parcel) {
        return error(
          422,
          'PARAMETER.REQUIRED',
          'Missing required parameter.',
          missing.map((field) => ({ field, message: 'cannot be blank' })),
        );
      }
      if ((to.verify_strict === true || to.verify === true) && unknownAddress(to)) {
        return error(422, 'ADDRESS.VERIFY.FAILURE', 'Unable to verify address.', [
          { field: 'address', message: 'Address not found' },
        ]);
      }
      const id = newId('shp');
      const shipment: Json = {
        id,
        object: 'Shipment',
        reference: input.reference ?? null,
        to_address: to,
        from_address: from,
        parcel: input.parcel,
        rates: ratesFor(from, to).map((rate) => ({
          id: newId('rate'),
          object: 'Rate',
          shipment_id: id,
          carrier: rate.carrier,
          service: rate.service,
          rate: rate.rate,
          currency: 'USD',
          delivery_days: rate.days,
        })),
        selected_rate: null,
        postage_label: null,
        tracking_code: null,
        messages: [],
      };
      shipments.set(id, shipment);
      return { status: 201, body: shipment };
    }
    const match = /^\/v2\/shipments\/([^/]+)(\/buy)?$/.exec(request.path);
    const shipment = match ? shipments.get(match[1]!) : undefined;
    if (!match || !shipment) return error(404, 'NOT_FOUND', 'The requested resource could not be found.');
    if (request.method === 'GET' && !match[2]) return { status: 200, body: shipment };
    if (request.method !== 'POST' || !match[2])
      return error(405, 'METHOD.NOT_ALLOWED', 'Method not allowed.');
    if (shipment.postage_label) {
      return error(422, 'SHIPMENT.POSTAGE.EXISTS', 'This shipment already has postage.');
    }
    const rateId = text(((request.json as Json | undefined)?.rate as Json | undefined)?.id);
    const rate = (shipment.rates as Json[]).find((candidate) => candidate.id === rateId);
    if (!rate) return error(422, 'SHIPMENT.RATE.INVALID', 'Rate is not valid for this shipment.');
    const code = trackingNumber('9400');
    const tracker: Json = {
      id: newId('trk'),
      object: 'Tracker',
      tracking_code: code,
      carrier: rate.carrier,
      status: 'pre_transit',
      shipment_id: shipment.id,
      tracking_details: [],
    };
    trackers.set(code, tracker);
    destinations.set(code, text((shipment.to_address as Json).zip));
    Object.assign(shipment, {
      tracker,
      selected_rate: rate,
      tracking_code: code,
      postage_label: {
        id: newId('pl'),
        object: 'PostageLabel',
        created_at: new Date().toISOString(),
        label_file_type: 'application/pdf',
        label_size: '4x6',
        label_url: `${base}/files/${text(shipment.id)}.pdf`,
        label_pdf_url: `${base}/files/${text(shipment.id)}.pdf`,
      },
    });
    purchases.set(text(shipment.id), (purchases.get(text(shipment.id)) ?? 0) + 1);
    return { status: 200, body: shipment };
  };
  const standIn = await startStandIn(
    'EasyPost',
    handle,
    (status) => ({
      error: { code: 'INTERNAL_SERVER_ERROR', message: `stand-in outage ${status}`, errors: [] },
    }),
    options,
  );
  base = standIn.url;
  return {
    ...standIn,
    shipments,
    purchases,
    trackers,
    track(trackingCode, status) {
      const tracker = trackers.get(trackingCode);
      if (!tracker) throw new Error(`no tracker ${trackingCode}`);
      tracker.status = status;
      return {
        id: newId('evt'),
        object: 'Event',
        description: 'tracker.updated',
        mode: 'test',
        created_at: new Date().toISOString(),
        result: { ...tracker },
      };
    },
  };
}

/** `X-Hmac-Signature: hmac-sha256-hex=<hex>`: HMAC-SHA256 of the raw body with the NFKD-normalized secret. */
export const signEasyPostWebhook = (body: string, secret: string): string =>
  `hmac-sha256-hex=${createHmac('sha256', secret.normalize('NFKD')).update(body).digest('hex')}`;

/** `Shippo-Auth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const signShippoWebhook = (body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)) =>
  `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;

export interface ShippoStandIn extends StandIn {
  transactions: Json[];
  /** Sets a parcel's status; returns the `track_updated` body Shippo would post. */
  track(trackingNumber: string, status: string): Json;
}

export async function startShippoStandIn(
  options: { port?: number; autoProgress?: boolean } = {},
): Promise<ShippoStandIn> {
  const rates = new Map<string, Json>();
  /** Where each rate's parcel goes (its postal code), kept off the rate Shippo answers with. */
  const destinations = new Map<string, string>();
  /** Each rate's shipment (its recipient and order reference), for the label file. */
  const shipmentOf = new Map<string, { to: Json; metadata: string }>();
  const transactions: Json[] = [];
  const tracks = new Map<string, Json>();
  const statusOf = (number: string, status: string): Json => {
    const track = tracks.get(number)!;
    track.tracking_status = {
      object_id: newId('', ''),
      status,
      status_details: `stand-in: ${status}`,
      status_date: new Date().toISOString(),
    };
    return track;
  };
  let base = '';
  const handle = (request: StandInRequest): StandInResponse | Promise<StandInResponse> => {
    const file = request.method === 'GET' ? FILE_PATH.exec(request.path) : null;
    if (file) {
      const transaction = transactions.find((t) => t.object_id === file[1]);
      const rate = transaction ? rates.get(text(transaction.rate)) : undefined;
      if (!transaction || !rate) return { status: 404, body: { detail: 'Not found.' } };
      const shipment = shipmentOf.get(text(rate.object_id))!;
      return labelFile({
        carrier: text(rate.provider),
        service: text((rate.servicelevel as Json).name),
        trackingNumber: text(transaction.tracking_number),
        reference: text(transaction.metadata) || shipment.metadata,
        to: shipment.to,
        boughtAt: text(transaction.object_created),
      });
    }
    const token = /^ShippoToken (shippo_(test|live)_[A-Za-z0-9_]{4,})$/.exec(
      request.headers.authorization ?? '',
    );
    if (!token) return { status: 401, body: { detail: 'Invalid token.' } };
    const body = (request.json ?? {}) as Json;
    const tracked = /^\/tracks\/([^/]+)\/([^/]+)$/.exec(request.path);
    if (request.method === 'GET' && tracked) {
      const track = tracks.get(decodeURIComponent(tracked[2]!));
      if (!track) return { status: 404, body: { detail: 'Not found.' } };
      const current = text((track.tracking_status as Json).status);
      if (options.autoProgress !== false && SHIPPO_STEPS.includes(current)) {
        statusOf(text(track.tracking_number), nextStep(SHIPPO_STEPS, current, text(track.zip), 'RETURNED'));
      }
      const { zip: _zip, ...answer } = track;
      return { status: 200, body: answer };
    }
    if (request.method === 'POST' && request.path === '/shipments') {
      const to = (body.address_to ?? {}) as Json;
      const from = (body.address_from ?? {}) as Json;
      const missing = ['street1', 'city', 'zip', 'country'].filter((field) => !text(to[field]));
      if (missing.length || !Array.isArray(body.parcels)) {
        return {
          status: 400,
          body: {
            address_to: Object.fromEntries(missing.map((field) => [field, ['This field is required.']])),
          },
        };
      }
      if (to.validate === true && unknownAddress(to)) {
        return {
          status: 400,
          body: { address_to: { non_field_errors: ['The address as submitted could not be found.'] } },
        };
      }
      const id = newId('', '');
      const offered = ratesFor(from, to).map((rate) => {
        const offer: Json = {
          object_id: newId('', ''),
          shipment: id,
          amount: rate.rate,
          currency: 'USD',
          provider: rate.carrier,
          servicelevel: { name: rate.service, token: `usps_${rate.service.toLowerCase()}` },
          estimated_days: rate.days,
        };
        rates.set(offer.object_id as string, offer);
        destinations.set(offer.object_id as string, text(to.zip));
        shipmentOf.set(offer.object_id as string, { to, metadata: text(body.metadata) });
        return offer;
      });
      return {
        status: 201,
        body: {
          object_id: id,
          status: 'SUCCESS',
          metadata: body.metadata ?? '',
          rates: offered,
          messages: [],
        },
      };
    }
    if (request.method === 'POST' && request.path === '/transactions') {
      const rate = rates.get(text(body.rate));
      if (!rate) return { status: 400, body: { rate: ['Rate not found.'] } };
      const objectId = newId('', '');
      const transaction: Json = {
        object_id: objectId,
        object_created: new Date().toISOString(),
        object_state: 'VALID',
        status: 'SUCCESS',
        rate: rate.object_id,
        metadata: text(body.metadata),
        label_file_type: text(body.label_file_type) || 'PDF_4x6',
        tracking_number: trackingNumber('9205'),
        tracking_url_provider: 'https://tools.usps.com/go/TrackConfirmAction',
        label_url: `${base}/files/${objectId}.pdf`,
        messages: [],
      };
      transactions.unshift(transaction);
      const number = text(transaction.tracking_number);
      tracks.set(number, {
        carrier: text(rate.provider).toLowerCase(),
        tracking_number: number,
        zip: destinations.get(text(rate.object_id)),
      });
      statusOf(number, 'PRE_TRANSIT');
      return { status: 201, body: transaction };
    }
    if (request.method === 'GET' && request.path === '/transactions') {
      const size = Math.min(Number(request.query.get('results') ?? 25) || 25, 100);
      const page = Math.max(Number(request.query.get('page') ?? 1) || 1, 1);
      const results = transactions.slice((page - 1) * size, page * size);
      const more = transactions.length > page * size;
      return {
        status: 200,
        body: {
          next: more ? `/transactions?results=${size}&page=${page + 1}` : null,
          previous: page > 1 ? `/transactions?results=${size}&page=${page - 1}` : null,
          results,
        },
      };
    }
    return { status: 404, body: { detail: 'Not found.' } };
  };
  const standIn = await startStandIn(
    'Shippo',
    handle,
    (status) => ({ detail: `stand-in outage ${status}` }),
    options,
  );
  base = standIn.url;
  return {
    ...standIn,
    transactions,
    track(number, status) {
      if (!tracks.has(number)) throw new Error(`no parcel ${number}`);
      const { zip: _zip, ...track } = statusOf(number, status);
      return { event: 'track_updated', test: true, data: structuredClone(track) };
    },
  };
}
