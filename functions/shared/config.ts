/**
 * Configuration read once at start-up. Only configuration differs between AWS and the local runtime:
 * endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables, names and knobs from these.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`missing environment variable ${name}`);
  return value;
}

export function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return value;
}

export const ENV = {
  tableName: 'ORDERS_TABLE',
  stateMachineArn: 'STATE_MACHINE_ARN',
  releaseDlqUrl: 'RELEASE_DLQ_URL',
  /** The EventBridge bus the order events are published to (its name). */
  orderEventsBus: 'ORDER_EVENTS_BUS',
  /** The queue of seller webhook deliveries (one message per event and endpoint). */
  webhookDeliveriesUrl: 'WEBHOOK_DELIVERIES_URL',
  /** The queue of order events for the Shopify fulfillment sync (an EventBridge rule fills it). */
  shopifySyncUrl: 'SHOPIFY_SYNC_URL',
  /** The S3 bucket of the label files (its name); generate-label writes them, the api reads them. */
  labelBucket: 'LABEL_BUCKET',
  /**
   * Which seller webhook URLs may be registered and called: `public-https` (the stack sets it: https only,
   * never a private, loopback or link-local address) or `any` (the local runtime, whose receivers are local).
   */
  webhookUrlPolicy: 'WEBHOOK_URL_POLICY',
  /** How many times faster than real time workflow durations run (transit, hold timeout, SLA). 1 on AWS. */
  timeScale: 'ORDERFLOW_TIME_SCALE',
  /** `true` where the sandbox payment and carrier providers may serve orders (set per stage by the stack). */
  allowSandboxProviders: 'ALLOW_SANDBOX_PROVIDERS',
  /**
   * Base URLs of the providers' HTTP APIs: unset, the real ones; the local runtime and the tests point
   * them at the stand-ins of infra/local/standins/, so the adapters run the same code either way.
   */
  stripeApiUrl: 'STRIPE_API_URL',
  easypostApiUrl: 'EASYPOST_API_URL',
  shippoApiUrl: 'SHIPPO_API_URL',
  /** Unset: each shop's own `https://<shop>.myshopify.com`; set: `<url>/<shop>` (the local stand-in). */
  shopifyApiUrl: 'SHOPIFY_API_URL',
  /** Probability (0..1) that a sandbox provider call fails transiently; for fault-injection runs. */
  faultRate: 'ORDERFLOW_FAULT_RATE',
  /** Seed of those faults' draws (default 1): the same seed gives the same sequence. */
  faultSeed: 'ORDERFLOW_FAULT_SEED',
  /** Seller API requests one seller may make a second (set per stage by the stack); unset, no limit. */
  sellerApiRate: 'SELLER_API_RATE_PER_SECOND',
} as const;
