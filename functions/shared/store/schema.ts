/**
 * The single-table layout, shared by the store, the local runtime's table creation and the CDK stack,
 * so the three can never disagree. Item types (PK / SK):
 *
 * | item              | PK                       | SK                    | indexes                                   |
 * |-------------------|--------------------------|-----------------------|-------------------------------------------|
 * | seller profile    | SELLER#<sellerId>        | PROFILE               | (settings only: no secret)                |
 * | API key           | APIKEY#<sha256 of key>   | APIKEY                |                                           |
 * | console session   | SESSION#<sha256 of token>| SESSION               | (TTL: expiresAt; made from an API key)    |
 * | seller's API key  | APIKEYS#<sellerId>       | APIKEY#<sha256>       | (to list and revoke a seller's keys)      |
 * | webhook secrets   | SECRET#<sellerId>        | STOREFRONT            | (the storefront's signing secrets)        |
 * | provider secret   | CREDENTIALS#<sellerId>   | PROVIDER#<provider>   | (never read by the API's seller routes)   |
 * | provider calls    | ORDER#<orderId>          | PROVIDER#<step>       | (idempotency-key attempts per step)       |
 * | stock of a SKU    | SELLER#<sellerId>        | SKU#<sku>             |                                           |
 * | SKU mapping       | SELLER#<sellerId>        | SKUMAP#<kind>#<id>    | (a storefront product/variant → a SKU)    |
 * | order             | ORDER#<orderId>          | ORDER                 | BySeller, ByStatus, Open (while not final) |
 * | order lookup      | ORDER#<orderId>          | LOOKUP#<kind>#<value> | ByLookup (sku, product, email)            |
 * | reservation       | ORDER#<orderId>          | RESERVATION           |                                           |
 * | shipping label    | ORDER#<orderId>          | LABEL                 |                                           |
 * | Shopify sync      | ORDER#<orderId>          | SHOPIFY               | (the fulfillment made in the seller's shop) |
 * | idempotency       | IDEMPOTENCY#<scope>      | IDEMPOTENCY           | (TTL: expiresAt; seller API creates only)  |
 * | API rate window   | RATE#<sellerId>          | <epoch second>        | (TTL: expiresAt; a seller's API requests)   |
 * | webhook endpoint  | ENDPOINTS#<sellerId>     | WEBHOOK#<endpointId>  | (a seller's event subscription, signed)   |
 * | webhook delivery  | WEBHOOK#<endpointId>     | DELIVERY#<eventId>    | (TTL: expiresAt, 30 days)                 |
 *
 * Secrets and keys have partitions of their own (SECRET#, CREDENTIALS#, ENDPOINTS#, APIKEY#, APIKEYS#), apart from
 * the SELLER# partition every task reads (profile, stock): IAM's `dynamodb:LeadingKeys` condition allows a
 * role whole partitions only, so a role without these prefixes cannot read what is in them (see PARTITIONS).
 */
export const KEY = { partition: 'PK', sort: 'SK' } as const;
export const TTL_ATTRIBUTE = 'expiresAt';
/**
 * The table's change stream: both images, because an order event needs the history entries a write
 * appended (new minus old) and the order as it now is (functions/shared/events/from-stream.ts).
 */
export const STREAM_VIEW = 'NEW_AND_OLD_IMAGES';

/**
 * What an index copies from the items it holds: `ALL` for indexes whose readers return whole orders
 * (search); `KEYS_ONLY` where the reader needs only which items are there and reads them itself;
 * `INCLUDE` the keys and the few `attributes` named.
 */
export type IndexProjection = 'ALL' | 'KEYS_ONLY' | 'INCLUDE';

export const INDEXES = {
  bySeller: { name: 'BySeller', partition: 'GSI1PK', sort: 'GSI1SK', projection: 'ALL' },
  byStatus: { name: 'ByStatus', partition: 'GSI2PK', sort: 'GSI2SK', projection: 'ALL' },
  byLookup: { name: 'ByLookup', partition: 'GSI3PK', sort: 'GSI3SK', projection: 'ALL' },
  // The sweeper reads the few orders that are due with a consistent BatchGetItem anyway (the index lags
  // its table), so its index holds keys and the status only: the status lets the sweep count the open
  // orders per status in the same pass over the index, at a fraction of the size of whole orders.
  open: {
    name: 'Open',
    partition: 'GSI4PK',
    sort: 'GSI4SK',
    projection: 'INCLUDE',
    attributes: ['status'],
  },
} as const satisfies Record<
  string,
  {
    name: string;
    partition: string;
    sort: string;
    projection: IndexProjection;
    attributes?: readonly string[];
  }
>;

/** Open orders are spread over shards so the sweeper's index has no hot partition and shards sweep in parallel. */
export const OPEN_SHARDS = 8;
export const openShard = (shard: number): string => `OPEN#${shard}`;

/**
 * The partition key prefixes, one per kind of partition: what a role's `dynamodb:LeadingKeys` condition
 * names (`ORDER#*`), so the stack grants partitions by the names the store writes them with.
 */
export const PARTITIONS = {
  /** An order and its items (reservation, label, lookups, provider calls). */
  order: 'ORDER#',
  /** A seller's profile (settings), stock and SKU mappings. */
  seller: 'SELLER#',
  /** A seller's storefront webhook secrets: the api verifies webhooks with them. */
  secret: 'SECRET#',
  /** A seller's provider credentials (API keys, provider webhook secrets). */
  credentials: 'CREDENTIALS#',
  /** A seller's webhook endpoints, each with the secret its deliveries are signed with. */
  endpoints: 'ENDPOINTS#',
  /** A webhook endpoint's deliveries. */
  deliveries: 'WEBHOOK#',
  apiKey: 'APIKEY#',
  /** A seller's API keys by hash, for listing and revoking them. */
  sellerApiKeys: 'APIKEYS#',
  idempotency: 'IDEMPOTENCY#',
  rate: 'RATE#',
} as const;
export type Partition = keyof typeof PARTITIONS;

export const keys = {
  seller: (sellerId: string) => ({ PK: `SELLER#${sellerId}`, SK: 'PROFILE' }),
  apiKey: (hash: string) => ({ PK: `APIKEY#${hash}`, SK: 'APIKEY' }),
  session: (hash: string) => ({ PK: `SESSION#${hash}`, SK: 'SESSION' }),
  sellerApiKey: (sellerId: string, hash: string) => ({ PK: `APIKEYS#${sellerId}`, SK: `APIKEY#${hash}` }),
  webhookSecrets: (sellerId: string) => ({ PK: `SECRET#${sellerId}`, SK: 'STOREFRONT' }),
  providerSecret: (sellerId: string, provider: string) => ({
    PK: `CREDENTIALS#${sellerId}`,
    SK: `PROVIDER#${provider}`,
  }),
  providerCall: (orderId: string, step: string) => ({ PK: `ORDER#${orderId}`, SK: `PROVIDER#${step}` }),
  stock: (sellerId: string, sku: string) => ({ PK: `SELLER#${sellerId}`, SK: `SKU#${sku}` }),
  skuMapping: (sellerId: string, kind: 'variant' | 'product', id: string) => ({
    PK: `SELLER#${sellerId}`,
    SK: `SKUMAP#${kind}#${id}`,
  }),
  order: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'ORDER' }),
  reservation: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'RESERVATION' }),
  label: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'LABEL' }),
  shopifySync: (orderId: string) => ({ PK: `ORDER#${orderId}`, SK: 'SHOPIFY' }),
  idempotency: (scope: string) => ({ PK: `IDEMPOTENCY#${scope}`, SK: 'IDEMPOTENCY' }),
  rateWindow: (sellerId: string, second: number) => ({ PK: `RATE#${sellerId}`, SK: String(second) }),
  webhookEndpoint: (sellerId: string, endpointId: string) => ({
    PK: `ENDPOINTS#${sellerId}`,
    SK: `WEBHOOK#${endpointId}`,
  }),
  webhookDelivery: (endpointId: string, eventId: string) => ({
    PK: `WEBHOOK#${endpointId}`,
    SK: `DELIVERY#${eventId}`,
  }),
};

/**
 * What ByLookup finds orders by, one lookup item each. External ids need no index: they are idempotency
 * scopes (store/idempotency.ts).
 */
export type LookupKind = 'SKU' | 'PRODUCT' | 'EMAIL';

export const indexKeys = {
  bySeller: (sellerId: string, createdAt: string, orderId: string) => ({
    GSI1PK: `SELLER#${sellerId}`,
    GSI1SK: `${createdAt}#${orderId}`,
  }),
  byStatus: (sellerId: string, status: string, createdAt: string, orderId: string) => ({
    GSI2PK: `SELLER#${sellerId}#STATUS#${status}`,
    GSI2SK: `${createdAt}#${orderId}`,
  }),
  byLookup: (sellerId: string, kind: LookupKind, value: string, createdAt: string, orderId: string) => ({
    GSI3PK: `SELLER#${sellerId}#${kind}#${value}`,
    GSI3SK: `${createdAt}#${orderId}`,
  }),
  /** `dueAt` (ISO): when the delivery sweeper next needs to look at the order (domain/sweep-schedule.ts). */
  open: (orderId: string, dueAt: string) => ({
    GSI4PK: openShard(shardOf(orderId)),
    GSI4SK: `${dueAt}#${orderId}`,
  }),
};

function shardOf(orderId: string): number {
  let hash = 0;
  for (const char of orderId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % OPEN_SHARDS;
}
