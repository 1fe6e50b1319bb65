import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import {
  CARRIER_PROVIDERS,
  CREDENTIALED_PROVIDERS,
  DEFAULT_PROVIDERS,
  PAYMENT_PROVIDERS,
  SHOP_DOMAIN_PATTERN,
  acceptedWebhookSecrets,
  sellerSettingsSchema,
  type CredentialedProvider,
  type SellerProviders,
  type RetiringSecret,
  type Seller,
  type SellerSettings,
  type ShopifyConnection,
} from '../domain/seller.js';
import { addressSchema, type Address } from '../domain/order.js';
import { keys } from './schema.js';
import { getSeller, hashApiKey, newCursorKey } from './sellers.js';
import { getWebhookSecrets } from './webhook-secrets.js';
import { tableName } from './table.js';

/**
 * Creating sellers and managing their webhook secrets and API keys: for the admin command, the local
 * seed and the tests. Never bundled into a function (it validates settings with zod, and no function
 * may change secrets or keys).
 */

export const newSecret = (prefix: string): string => `${prefix}_${randomBytes(24).toString('base64url')}`;

/** A refusal the operator can act on; nothing was changed. */
export class SellerAdminError extends Error {
  override name = 'SellerAdminError';
}

export async function putSeller(
  input: { sellerId: string; name?: string; webhookSecrets: string[] } & Partial<SellerSettings> &
    Pick<SellerSettings, 'originCountry'>,
): Promise<Seller> {
  const settings = sellerSettingsSchema.parse(input);
  const seller: Seller = {
    ...settings,
    sellerId: input.sellerId,
    name: input.name ?? input.sellerId,
    createdAt: nowIso(),
  };
  // The profile every task reads, and the storefront's secrets apart from it, only the api reads.
  await documents.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: tableName(), Item: { ...keys.seller(seller.sellerId), ...seller } } },
        {
          Put: {
            TableName: tableName(),
            Item: { ...keys.webhookSecrets(seller.sellerId), webhookSecrets: input.webhookSecrets },
          },
        },
      ],
    }),
  );
  return seller;
}

// ---- webhook secrets ---------------------------------------------------------------------------------

/**
 * The most secrets a seller may have accepted at once (current and in overlap): webhook checks try this
 * many, stand-ins included, so it is also what each check costs. Kept equal to SECRET_SLOTS in
 * functions/api/signatures.ts (a test ties them).
 */
export const MAX_WEBHOOK_SECRETS = 4;
/** Secrets a storefront gives are its own format (Shopify: hex or `shpss_…`); printable ASCII, not short. */
export const WEBHOOK_SECRET_PATTERN = /^[\x21-\x7e]{16,256}$/;
export const MAX_OVERLAP_HOURS = 24 * 30;

interface SecretState {
  webhookSecrets: string[];
  retiringWebhookSecrets: RetiringSecret[];
}

/**
 * Applies a change to a seller's secrets: read, change, then write only if nobody changed them meanwhile.
 * Retired secrets past their overlap are dropped on the way.
 */
async function changeSecrets(
  sellerId: string,
  change: (state: SecretState) => SecretState,
): Promise<SecretState> {
  if (!(await getSeller(sellerId))) throw new SellerAdminError(`no seller ${sellerId}`);
  const read = await getWebhookSecrets(sellerId);
  const now = Date.now();
  const current: SecretState = {
    webhookSecrets: read?.webhookSecrets ?? [],
    retiringWebhookSecrets: (read?.retiringWebhookSecrets ?? []).filter(
      ({ until }) => Date.parse(until) > now,
    ),
  };
  const next = change(current);
  if (next.webhookSecrets.length === 0) {
    throw new SellerAdminError(
      `${sellerId} would have no current webhook secret; rotate to a new one instead`,
    );
  }
  if (acceptedWebhookSecrets(next, now).length > MAX_WEBHOOK_SECRETS) {
    throw new SellerAdminError(
      `${sellerId} would have more than ${MAX_WEBHOOK_SECRETS} webhook secrets accepted at once; remove one first`,
    );
  }
  try {
    await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.webhookSecrets(sellerId),
        UpdateExpression: 'SET webhookSecrets = :secrets, retiringWebhookSecrets = :retiring',
        // Only over the secrets read: a concurrent change is not silently undone.
        ConditionExpression: !read
          ? 'attribute_not_exists(PK)'
          : read.retiringWebhookSecrets
            ? 'webhookSecrets = :read AND retiringWebhookSecrets = :readRetiring'
            : 'webhookSecrets = :read AND attribute_not_exists(retiringWebhookSecrets)',
        ExpressionAttributeValues: {
          ':secrets': next.webhookSecrets,
          ':retiring': next.retiringWebhookSecrets,
          ...(read ? { ':read': read.webhookSecrets } : {}),
          ...(read?.retiringWebhookSecrets ? { ':readRetiring': read.retiringWebhookSecrets } : {}),
        },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      throw new SellerAdminError(`${sellerId}'s secrets changed meanwhile; run the command again`);
    }
    throw error;
  }
  return next;
}

function checkSecret(secret: string): void {
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) {
    throw new SellerAdminError('a webhook secret is 16-256 printable ASCII characters, without spaces');
  }
}

/**
 * Adds a secret the storefront chose (Shopify signs with the app's client secret or the shop's webhook
 * key): webhooks signed with it are accepted alongside the current ones.
 */
export async function addWebhookSecret(sellerId: string, secret: string): Promise<void> {
  checkSecret(secret);
  await changeSecrets(sellerId, (state) => {
    if (acceptedWebhookSecrets(state).includes(secret)) {
      throw new SellerAdminError(`${sellerId} has this webhook secret already`);
    }
    return { ...state, webhookSecrets: [...state.webhookSecrets, secret] };
  });
}

/** Removes a secret at once, current or in overlap: webhooks signed with it are refused from then on. */
export async function removeWebhookSecret(sellerId: string, secret: string): Promise<void> {
  await changeSecrets(sellerId, (state) => {
    if (!acceptedWebhookSecrets(state).includes(secret)) {
      throw new SellerAdminError(`${sellerId} has no such webhook secret`);
    }
    return {
      webhookSecrets: state.webhookSecrets.filter((current) => current !== secret),
      retiringWebhookSecrets: state.retiringWebhookSecrets.filter((retiring) => retiring.secret !== secret),
    };
  });
}

/**
 * Makes `secret` the one current secret; the secrets it replaces stay accepted for the overlap (so the
 * storefront can switch over without dropping a delivery), then are refused.
 */
export async function rotateWebhookSecret(
  sellerId: string,
  secret: string,
  overlapHours: number,
): Promise<{ retiredUntil: string }> {
  checkSecret(secret);
  if (!(overlapHours > 0 && overlapHours <= MAX_OVERLAP_HOURS)) {
    throw new SellerAdminError(`the overlap is more than 0 and at most ${MAX_OVERLAP_HOURS} hours`);
  }
  const until = new Date(Date.now() + overlapHours * 3_600_000).toISOString();
  await changeSecrets(sellerId, (state) => {
    if (acceptedWebhookSecrets(state).includes(secret)) {
      throw new SellerAdminError(`${sellerId} has this webhook secret already; rotate to a new one`);
    }
    return {
      webhookSecrets: [secret],
      retiringWebhookSecrets: [
        ...state.retiringWebhookSecrets,
        ...state.webhookSecrets.map((retired) => ({ secret: retired, until })),
      ],
    };
  });
  return { retiredUntil: until };
}

// ---- API keys ------------------------------------------------------------------------------------------

/**
 * Keys are found by their hash (the API's lookup); each also has an entry under its seller, so a seller's
 * keys can be listed and revoked by a short id: the hash's first characters, which say nothing of the key.
 */
const KEY_ID_LENGTH = 12;
const keyIdOf = (hash: string) => hash.slice(0, KEY_ID_LENGTH);
const sellerKeyEntry = keys.sellerApiKey;

export interface ApiKeyInfo {
  keyId: string;
  label: string;
  createdAt: string;
  lastUsedAt?: string;
}

export async function addApiKey(sellerId: string, apiKey: string, label = ''): Promise<ApiKeyInfo> {
  const hash = hashApiKey(apiKey);
  const createdAt = nowIso();
  await documents.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: tableName(),
            Item: { ...keys.apiKey(hash), sellerId, label, createdAt, cursorKey: newCursorKey() },
          },
        },
        { Put: { TableName: tableName(), Item: { ...sellerKeyEntry(sellerId, hash), label, createdAt } } },
      ],
    }),
  );
  return { keyId: keyIdOf(hash), label, createdAt };
}

/** The seller's keys with their label, creation and last use (recorded hourly by the API). */
export async function listApiKeys(sellerId: string): Promise<ApiKeyInfo[]> {
  const entries: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': sellerKeyEntry(sellerId, '').PK, ':prefix': 'APIKEY#' },
        ExclusiveStartKey: startKey,
      }),
    );
    entries.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  const hashes = entries.map((entry) => (entry.SK as string).slice('APIKEY#'.length));
  const lastUse = new Map<string, string>();
  for (let start = 0; start < hashes.length; start += 100) {
    let requested: Record<string, unknown>[] | undefined = hashes.slice(start, start + 100).map(keys.apiKey);
    while (requested?.length) {
      const { Responses, UnprocessedKeys }: BatchGetCommandOutput = await documents.send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: requested } } }),
      );
      for (const item of Responses?.[tableName()] ?? []) {
        if (typeof item.lastUsedAt === 'string')
          lastUse.set((item.PK as string).slice('APIKEY#'.length), item.lastUsedAt);
      }
      requested = UnprocessedKeys?.[tableName()]?.Keys;
    }
  }
  return entries
    .map((entry, index) => {
      const hash = hashes[index]!;
      const used = lastUse.get(hash);
      return {
        keyId: keyIdOf(hash),
        label: (entry.label as string | undefined) ?? '',
        createdAt: entry.createdAt as string,
        ...(used ? { lastUsedAt: used } : {}),
      };
    })
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Revokes one of the seller's keys, named by its key id (from list-keys) or given whole: the API refuses
 * it from the next request on.
 */
export async function revokeApiKey(
  sellerId: string,
  key: { keyId: string } | { apiKey: string },
): Promise<{ keyId: string }> {
  let hash: string;
  if ('apiKey' in key) hash = hashApiKey(key.apiKey);
  else {
    if (!/^[0-9a-f]{6,64}$/.test(key.keyId))
      throw new SellerAdminError('a key id is hex, as list-keys shows it');
    const { Items = [] } = await documents.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: {
          ':pk': sellerKeyEntry(sellerId, '').PK,
          ':prefix': `APIKEY#${key.keyId}`,
        },
      }),
    );
    if (Items.length > 1)
      throw new SellerAdminError(`key id ${key.keyId} names several keys; give more of it`);
    if (Items.length === 0) throw new SellerAdminError(`${sellerId} has no key ${key.keyId}`);
    hash = (Items[0]!.SK as string).slice('APIKEY#'.length);
  }
  try {
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: tableName(),
              Key: keys.apiKey(hash),
              // Another seller's key is not this seller's to revoke.
              ConditionExpression: 'sellerId = :sellerId',
              ExpressionAttributeValues: { ':sellerId': sellerId },
            },
          },
          { Delete: { TableName: tableName(), Key: sellerKeyEntry(sellerId, hash) } },
        ],
      }),
    );
  } catch (error) {
    if ((error as Error).name === 'TransactionCanceledException') {
      throw new SellerAdminError(`${sellerId} has no such key`);
    }
    throw error;
  }
  return { keyId: keyIdOf(hash) };
}

// ---- providers and their credentials -----------------------------------------------------------------

/** Chooses the seller's payment and carrier providers; what is not given stays as it was. */
export async function setProviders(
  sellerId: string,
  choice: Partial<SellerProviders>,
): Promise<SellerProviders> {
  if (choice.payment !== undefined && !PAYMENT_PROVIDERS.includes(choice.payment)) {
    throw new SellerAdminError(`payment provider must be one of ${PAYMENT_PROVIDERS.join(', ')}`);
  }
  if (choice.carrier !== undefined && !CARRIER_PROVIDERS.includes(choice.carrier)) {
    throw new SellerAdminError(`carrier must be one of ${CARRIER_PROVIDERS.join(', ')}`);
  }
  const seller = await getSeller(sellerId);
  if (!seller) throw new SellerAdminError(`no seller ${sellerId}`);
  const providers = { ...DEFAULT_PROVIDERS, ...seller.providers, ...choice };
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.seller(sellerId),
      UpdateExpression: 'SET providers = :providers',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':providers': providers },
    }),
  );
  return providers;
}

/** An API key or webhook secret as the providers issue them: printable ASCII, no spaces. */
export const PROVIDER_SECRET_PATTERN = /^[\x21-\x7e]{8,512}$/;

/**
 * Stores a seller's credentials for a provider: the API key, and the webhook signing secrets (given ones
 * replace the old; none given keeps them). Nothing is written if any of it is malformed.
 */
export async function setProviderCredentials(
  sellerId: string,
  provider: CredentialedProvider,
  credentials: { apiKey?: string; webhookSecrets?: string[] },
): Promise<void> {
  if (!CREDENTIALED_PROVIDERS.includes(provider)) {
    throw new SellerAdminError(`credentials are kept for ${CREDENTIALED_PROVIDERS.join(', ')} only`);
  }
  const secrets = [
    ...(credentials.apiKey === undefined ? [] : [credentials.apiKey]),
    ...(credentials.webhookSecrets ?? []),
  ];
  if (secrets.some((secret) => !PROVIDER_SECRET_PATTERN.test(secret))) {
    throw new SellerAdminError('an API key or webhook secret is 8-512 printable ASCII characters, no spaces');
  }
  if ((credentials.webhookSecrets?.length ?? 0) > MAX_WEBHOOK_SECRETS) {
    throw new SellerAdminError(`at most ${MAX_WEBHOOK_SECRETS} webhook secrets per provider`);
  }
  if (!(await getSeller(sellerId))) throw new SellerAdminError(`no seller ${sellerId}`);
  const sets = ['updatedAt = :now'];
  const values: Record<string, unknown> = { ':now': nowIso() };
  if (credentials.apiKey !== undefined) {
    sets.push('apiKey = :apiKey');
    values[':apiKey'] = credentials.apiKey;
  }
  if (credentials.webhookSecrets !== undefined) {
    sets.push('webhookSecrets = :webhookSecrets');
    values[':webhookSecrets'] = credentials.webhookSecrets;
  }
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.providerSecret(sellerId, provider),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ExpressionAttributeValues: values,
    }),
  );
}

/** An address an operator gave, checked before anything is written: a bad one changes nothing. */
function checkedAddress(what: string, address: unknown): Address {
  const parsed = addressSchema.safeParse(address);
  if (!parsed.success) {
    throw new SellerAdminError(
      `${what}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** Sets attributes of an existing seller's profile. */
async function updateProfile(sellerId: string, values: Record<string, unknown>): Promise<void> {
  const names = Object.keys(values);
  await documents
    .send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.seller(sellerId),
        UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeNames: Object.fromEntries(names.map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: Object.fromEntries(names.map((name) => [`:${name}`, values[name]])),
      }),
    )
    .catch((error: unknown) => {
      if (error instanceof ConditionalCheckFailedException)
        throw new SellerAdminError(`no seller ${sellerId}`);
      throw error;
    });
}

/** The address parcels leave from (the label's sender), which EasyPost and Shippo require. */
export async function setShipFrom(sellerId: string, address: unknown): Promise<Address> {
  const shipFrom = checkedAddress('ship-from address', address);
  await updateProfile(sellerId, { shipFrom });
  return shipFrom;
}

/** The business name and address invoices and packing slips show (the ship-from address stands in). */
export async function setBusiness(
  sellerId: string,
  business: { name?: string; address?: unknown },
): Promise<Pick<Seller, 'name' | 'businessAddress'>> {
  if (business.name === undefined && business.address === undefined)
    throw new SellerAdminError('give a business name, an address or both');
  const name = business.name?.trim();
  if (name !== undefined && (name === '' || name.length > 200 || /[\u0000-\u001F\u007F]/.test(name)))
    throw new SellerAdminError('business name: 1-200 characters, no control characters');
  const businessAddress =
    business.address === undefined ? undefined : checkedAddress('business address', business.address);
  await updateProfile(sellerId, {
    ...(name === undefined ? {} : { name }),
    ...(businessAddress === undefined ? {} : { businessAddress }),
  });
  const seller = (await getSeller(sellerId))!;
  return {
    name: seller.name,
    ...(seller.businessAddress ? { businessAddress: seller.businessAddress } : {}),
  };
}

/** A Shopify Admin API access token as Shopify issues them (`shpat_…` for a custom app). */
export const SHOPIFY_TOKEN_PATTERN = /^shp[a-z]{2}_[A-Za-z0-9_]{8,200}$/;

/**
 * Connects the seller's Shopify shop: orderflow sends fulfillments and tracking back to it. The shop
 * domain and `notifyCustomer` go on the profile; the access token is a `shopify` credential, never on the
 * profile, never printed or returned. Given again, it changes what is given and keeps the rest.
 */
export async function connectShopify(
  sellerId: string,
  input: { shopDomain?: string; accessToken?: string; notifyCustomer?: boolean },
): Promise<ShopifyConnection> {
  const seller = await getSeller(sellerId);
  if (!seller) throw new SellerAdminError(`no seller ${sellerId}`);
  const shopDomain = (input.shopDomain ?? seller.shopify?.shopDomain ?? '').toLowerCase();
  if (!SHOP_DOMAIN_PATTERN.test(shopDomain)) {
    throw new SellerAdminError("the shop domain is the shop's own <shop>.myshopify.com");
  }
  if (input.accessToken !== undefined && !SHOPIFY_TOKEN_PATTERN.test(input.accessToken)) {
    throw new SellerAdminError(
      "a Shopify Admin API access token looks like shpat_… (from the app's API credentials)",
    );
  }
  if (input.accessToken === undefined && !seller.shopify) {
    throw new SellerAdminError('connecting a shop needs its Admin API access token');
  }
  const connection: ShopifyConnection = {
    shopDomain,
    notifyCustomer: input.notifyCustomer ?? seller.shopify?.notifyCustomer ?? true,
    connectedAt: seller.shopify?.connectedAt ?? nowIso(),
  };
  // The token first: a profile that names a shop always has one to reach it with.
  if (input.accessToken !== undefined) {
    await setProviderCredentials(sellerId, 'shopify', { apiKey: input.accessToken });
  }
  await documents.send(
    new UpdateCommand({
      TableName: tableName(),
      Key: keys.seller(sellerId),
      UpdateExpression: 'SET shopify = :connection',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':connection': connection },
    }),
  );
  return connection;
}
