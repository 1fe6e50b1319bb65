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

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status === 204) return undefined as T;
  const answer = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  if (!response.ok) {
    if (response.status === 401 && path !== '/sessions') onSignedOut();
    throw new ApiFailure(response.status, answer.error?.message ?? `HTTP ${response.status}`);
  }
  return answer as T;
}

export const signIn = (apiKey: string) => api<Session>('POST', '/sessions', { apiKey });
export const currentSession = () => api<Session>('GET', '/sessions/current');
export const signOut = () => api<void>('DELETE', '/sessions/current');

export interface OrderSummary {
  orderId: string;
  externalOrderId?: string;
  status: string;
  createdAt: string;
  total: string;
  currency: string;
  customer: { name: string; email: string };
  items: { sku?: string; name: string; quantity: number; unitPrice: string }[];
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
  hold?: { reason?: string };
  release?: { failureReason?: string };
  shipment?: { carrier: string; service: string; trackingNumber: string; deliveredAt?: string };
}

export interface OrderPage {
  items: OrderSummary[];
  nextCursor?: string | null;
}

export const searchOrders = (query: URLSearchParams) => api<OrderPage>('GET', `/orders?${query}`);
export const orderCounts = () => api<{ counts: Record<string, number> }>('GET', '/orders/counts');
export const getOrder = (orderId: string) =>
  api<OrderSummary>('GET', `/orders/${encodeURIComponent(orderId)}`);
export const orderAction = (orderId: string, action: 'release' | 'cancel' | 'retry') =>
  api<unknown>('POST', `/orders/${encodeURIComponent(orderId)}/${action}`);
export const bulkRelease = (orderIds: string[]) =>
  api<{ results: { orderId: string; statusCode: number; status?: string; error?: { message: string } }[] }>(
    'POST',
    '/orders/release',
    { orderIds },
  );
