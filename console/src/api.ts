/**
 * The API as the console calls it: same origin, the session cookie sent by the browser, and the session's
 * CSRF token on every state-changing request. A 401 means the session is over: the app shows sign-in.
 */
export interface Session {
  sellerId: string;
  csrfToken: string;
  expiresAt: string;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => {};

export function useSession(session: Session | undefined, signedOut: () => void): void {
  csrfToken = session?.csrfToken ?? '';
  onSignedOut = signedOut;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
    if (response.status === 401 && path !== '/sessions') onSignedOut();
    throw new ApiFailure(response.status, answer.error?.message ?? `HTTP ${response.status}`);
  }
  return response;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  if (response.status === 204) return undefined as T;
  return (await response.json().catch(() => ({}))) as T;
}

/** An answer that is a file (CSV, PDF), with the header that continues a long one. */
export async function download(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ blob: Blob; nextCursor: string | null }> {
  const response = await send(method, path, body);
  return { blob: await response.blob(), nextCursor: response.headers.get('x-next-cursor') };
}

export const signIn = (apiKey: string) => api<Session>('POST', '/sessions', { apiKey });
export const currentSession = () => api<Session>('GET', '/sessions/current');
export const signOut = () => api<void>('DELETE', '/sessions/current');

export interface OrderSummary {
  orderId: string;
  externalOrderId?: string;
  status: string;
  createdAt: string;
  updatedAt: string;
  total: string;
  currency: string;
  customer: { name: string; email: string };
  items: { sku?: string; productId?: string; name: string; quantity: number; unitPrice: string }[];
  shippingAddress: {
    name: string;
    line1: string;
    line2?: string;
    city: string;
    region?: string;
    postalCode: string;
    country: string;
  };
  region?: string;
  history: { status: string; at: string; reason?: string; actor: string }[];
  hold?: { reason?: string; expiresAt?: string; warning?: string };
  holdRequest?: { reason: string; at: string } | null;
  paymentWait?: { reason: string; expiresAt: string };
  release?: { failureReason?: string };
  problems?: { reason: string; field: string; message: string }[];
  shipment?: {
    carrier: string;
    service: string;
    trackingNumber: string;
    trackingUrl?: string;
    estimatedDeliveryAt?: string;
    deliveredAt?: string;
    exception?: string;
  };
}

export type Address = OrderSummary['shippingAddress'];

export interface OrderPage {
  items: OrderSummary[];
  nextCursor?: string | null;
}

export const searchOrders = (query: URLSearchParams) => api<OrderPage>('GET', `/orders?${query}`);
export const orderCounts = () => api<{ counts: Record<string, number> }>('GET', '/orders/counts');
export const getOrder = (orderId: string) =>
  api<OrderSummary>('GET', `/orders/${encodeURIComponent(orderId)}`);
export const orderAction = (orderId: string, action: 'release' | 'cancel' | 'retry' | 'hold') =>
  api<unknown>('POST', `/orders/${encodeURIComponent(orderId)}/${action}`);
export const bulkRelease = (orderIds: string[]) =>
  api<{ results: { orderId: string; statusCode: number; status?: string; error?: { message: string } }[] }>(
    'POST',
    '/orders/release',
    { orderIds },
  );
export const fixAddress = (orderId: string, shippingAddress: Address) =>
  api<OrderSummary>('PATCH', `/orders/${encodeURIComponent(orderId)}`, { shippingAddress });

/** Where an order's documents are: opened in a new tab, the session cookie goes with them. */
export const documentLinks = (orderId: string) => {
  const order = `/orders/${encodeURIComponent(orderId)}`;
  return {
    label: `${order}/label`,
    invoice: `${order}/documents/invoice.pdf`,
    packingSlip: `${order}/documents/packing-slip.pdf`,
  };
};
export const packingSlips = (orderIds: string[]) =>
  download('POST', '/documents/packing-slips', { orderIds });
export const exportOrders = (query: URLSearchParams) => download('GET', `/orders/export.csv?${query}`);

export interface Stock {
  sku: string;
  available: number;
  reserved: number;
}
export const listStock = (cursor?: string) =>
  api<{ items: Stock[]; nextCursor?: string }>(
    'GET',
    `/inventory?${new URLSearchParams(cursor ? { cursor } : {})}`,
  );
export const setStock = (sku: string, available: number) =>
  api<Stock>('PUT', `/inventory/${encodeURIComponent(sku)}`, { available });
export const mapSku = (kind: 'product' | 'variant', id: string, sku: string) =>
  api<unknown>('PUT', `/sku-mappings/${kind}/${encodeURIComponent(id)}`, { sku });

export interface Settings {
  releaseMode: 'auto' | 'manual';
  reviewThresholds: Record<string, string>;
  holdTimeoutHours: number;
  releaseSlaHours: number;
}
export const getSettings = () => api<Settings>('GET', '/settings');
export const saveSettings = (settings: Partial<Settings>) => api<Settings>('PATCH', '/settings', settings);

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
}
export interface WebhookDelivery {
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  createdAt: string;
  lastError?: string;
  deliveredAt?: string;
}
export const listEndpoints = () => api<{ items: WebhookEndpoint[] }>('GET', '/webhook-endpoints');
export const createEndpoint = (url: string) =>
  api<WebhookEndpoint & { secret: string }>('POST', '/webhook-endpoints', { url });
export const deleteEndpoint = (id: string) =>
  api<unknown>('DELETE', `/webhook-endpoints/${encodeURIComponent(id)}`);
export const listDeliveries = (id: string) =>
  api<{ items: WebhookDelivery[] }>('GET', `/webhook-endpoints/${encodeURIComponent(id)}/deliveries`);
export const replayDelivery = (id: string, eventId: string) =>
  api<WebhookDelivery>(
    'POST',
    `/webhook-endpoints/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(eventId)}/replay`,
  );

/** Opens a file the API made (a PDF) in a new tab. */
export function openBlob(blob: Blob): void {
  const url = URL.createObjectURL(blob);
  window.open(url, '_blank');
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Saves a file the API made (a CSV) under a name. */
export function saveBlob(blob: Blob, name: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}
