import { parseArgs } from 'node:util';
import { SELLER_ID_PATTERN } from '../functions/api/auth.js';
import { addressSchema } from '../functions/shared/domain/order.js';
import {
  sellerSettingsSchema,
  type CarrierProviderName,
  type CredentialedProvider,
  type PaymentProviderName,
} from '../functions/shared/domain/seller.js';
import { useLocalRuntime } from './lib/local-runtime.js';

const USAGE = `usage:
  npm run seller -- create --id <sellerId> --origin <country> [--name <name>] [--release-mode auto|manual]
                           [--review-threshold USD=1000.00,JPY=150000] [--hold-timeout-hours <n>]
                           [--release-sla-hours <n>]
  npm run seller -- add-secret    --id <sellerId> --secret <secret the storefront gave>
  npm run seller -- remove-secret --id <sellerId> --secret <secret>
  npm run seller -- rotate-secret --id <sellerId> [--secret <new secret>] [--overlap-hours <n, default 24>]
  npm run seller -- add-key       --id <sellerId> [--label <text>]
  npm run seller -- list-keys     --id <sellerId>
  npm run seller -- revoke-key    --id <sellerId> (--key-id <id from list-keys> | --key <the key itself>)
  npm run seller -- set-providers --id <sellerId> [--payment sandbox|shopify|stripe]
                                  [--carrier sandbox|easypost|shippo]
                                  [--ship-from '{"name":…,"line1":…,"city":…,"postalCode":…,"country":"US"}']
  npm run seller -- set-business  --id <sellerId> [--name <business name>]
                                  [--address '{"name":…,"line1":…,"city":…,"postalCode":…,"country":"US"}']
  npm run seller -- set-credentials --id <sellerId> --provider stripe|easypost|shippo
                                  [--api-key <key>] [--webhook-secret <secret>[,<secret>…]]
  npm run seller -- connect-shopify --id <sellerId> --shop <shop>.myshopify.com --access-token shpat_…
                                  [--notify-customer true|false]

add-secret     accepts webhooks signed with a secret the storefront chose (Shopify signs with the app's
               client secret or the shop's webhook key), alongside the current ones
remove-secret  refuses webhooks signed with it from now on
rotate-secret  makes a new secret (given, or generated and printed once) the current one; the ones it
               replaces are still accepted until the overlap ends, then refused
revoke-key     refuses the key from the next request on
set-providers  chooses who takes the seller's payments and who carries their parcels; the sandbox serves
               real orders only on a stage that allows it (dev, npm start)
set-business   the name and address invoices and packing slips show (without an address they show the
               ship-from address, or only the country)
set-credentials stores the provider's API key and the secrets it signs webhooks with (several while
               rotating); they are never printed, logged or returned by the API
connect-shopify sends each shipped order from that shop back to it as a fulfillment with its tracking
               (Shopify emails the customer unless --notify-customer false); the token is kept as a
               credential, never printed, logged or returned by the API

Every command also takes --local (the runtime of \`npm start\`). Otherwise it writes to the table in
ORDERS_TABLE (the stack output TableName) with your usual AWS credentials and region (AWS_PROFILE,
AWS_REGION, ...); AWS_ENDPOINT_URL_DYNAMODB points it elsewhere. Functions keep a seller's profile for up
to 30 s, so a secret change applies within that. Secrets and keys are printed once; only a key's hash is
stored.`;

/** `USD=1000.00,JPY=150000` as thresholds per currency; a bare amount is the USD threshold. */
function thresholdsOf(value: string): Record<string, string> {
  if (!value.includes('=')) return { USD: value };
  return Object.fromEntries(value.split(',').map((pair) => pair.trim().split('=', 2) as [string, string]));
}

const COMMANDS = [
  'create',
  'add-key',
  'list-keys',
  'revoke-key',
  'add-secret',
  'remove-secret',
  'rotate-secret',
  'set-providers',
  'set-business',
  'set-credentials',
  'connect-shopify',
];

/**
 * The admin command for sellers: creates them, and manages their webhook secrets and API keys. Store
 * code is imported only once the environment is set (--local), so its client sees the endpoint.
 * Returns what it prints, so tests can run it without a shell.
 */
export async function run(argv: string[]): Promise<string> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      origin: { type: 'string' },
      name: { type: 'string' },
      'release-mode': { type: 'string' },
      'review-threshold': { type: 'string' },
      'hold-timeout-hours': { type: 'string' },
      'release-sla-hours': { type: 'string' },
      secret: { type: 'string' },
      'overlap-hours': { type: 'string' },
      label: { type: 'string' },
      key: { type: 'string' },
      'key-id': { type: 'string' },
      payment: { type: 'string' },
      carrier: { type: 'string' },
      provider: { type: 'string' },
      'api-key': { type: 'string' },
      'webhook-secret': { type: 'string' },
      'ship-from': { type: 'string' },
      address: { type: 'string' },
      shop: { type: 'string' },
      'access-token': { type: 'string' },
      'notify-customer': { type: 'string' },
      local: { type: 'boolean' },
    },
  });
  const [command] = positionals;
  if (!COMMANDS.includes(command ?? '')) throw new UsageError(`unknown command ${command ?? '(none)'}`);
  const sellerId = values.id ?? '';
  if (!SELLER_ID_PATTERN.test(sellerId))
    throw new UsageError('--id must be lowercase letters, digits, "-" or "_"');
  if (values.local) await useLocalRuntime();
  if (!process.env.ORDERS_TABLE) throw new UsageError('set ORDERS_TABLE, or give --local');

  const admin = await import('../functions/shared/store/seller-admin.js');
  const { getSeller } = await import('../functions/shared/store/sellers.js');
  try {
    if (command === 'create') {
      if (await getSeller(sellerId)) throw new UsageError(`seller ${sellerId} exists already`);
      const settings = sellerSettingsSchema.safeParse({
        originCountry: values.origin,
        ...(values['release-mode'] ? { releaseMode: values['release-mode'] } : {}),
        ...(values['review-threshold'] ? { reviewThresholds: thresholdsOf(values['review-threshold']) } : {}),
        ...(values['hold-timeout-hours'] ? { holdTimeoutHours: Number(values['hold-timeout-hours']) } : {}),
        ...(values['release-sla-hours'] ? { releaseSlaHours: Number(values['release-sla-hours']) } : {}),
      });
      if (!settings.success) {
        throw new UsageError(
          settings.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
        );
      }
      const webhookSecret = admin.newSecret('whsec');
      const apiKey = admin.newSecret('ofk');
      const seller = await admin.putSeller({
        sellerId,
        ...(values.name ? { name: values.name } : {}),
        ...settings.data,
        webhookSecrets: [webhookSecret],
      });
      await admin.addApiKey(sellerId, apiKey, 'created with the seller');
      return [
        `seller ${seller.sellerId} created (origin ${seller.originCountry}, release mode ${seller.releaseMode}, ` +
          `review thresholds ${Object.entries(seller.reviewThresholds)
            .map(([currency, amount]) => `${amount} ${currency}`)
            .join(', ')})`,
        `webhook secret: ${webhookSecret}`,
        `API key:        ${apiKey}`,
        'Store both now; they are not shown again.',
      ].join('\n');
    }
    if (command === 'add-key') {
      if (!(await getSeller(sellerId))) throw new admin.SellerAdminError(`no seller ${sellerId}`);
      const apiKey = admin.newSecret('ofk');
      const { keyId } = await admin.addApiKey(sellerId, apiKey, values.label ?? '');
      return [
        `API key for ${sellerId}: ${apiKey}`,
        `key id: ${keyId}${values.label ? ` (${values.label})` : ''}`,
        'Store it now; it is not shown again.',
      ].join('\n');
    }
    if (command === 'list-keys') {
      if (!(await getSeller(sellerId))) throw new admin.SellerAdminError(`no seller ${sellerId}`);
      return keyTable(await admin.listApiKeys(sellerId));
    }
    if (command === 'revoke-key') {
      const key = values.key
        ? { apiKey: values.key }
        : values['key-id']
          ? { keyId: values['key-id'] }
          : undefined;
      if (!key) throw new UsageError('revoke-key needs --key-id (see list-keys) or --key');
      const { keyId } = await admin.revokeApiKey(sellerId, key);
      return `API key ${keyId} of ${sellerId} revoked: it is refused from now on`;
    }
    if (command === 'set-providers') {
      if (values.payment === undefined && values.carrier === undefined && values['ship-from'] === undefined)
        throw new UsageError('set-providers needs --payment, --carrier or --ship-from');
      let shipFrom: unknown;
      if (values['ship-from'] !== undefined) {
        try {
          shipFrom = JSON.parse(values['ship-from']);
        } catch {
          throw new UsageError('--ship-from must be a JSON address');
        }
        // Checked before anything is written: a bad address changes nothing.
        const checked = addressSchema.safeParse(shipFrom);
        if (!checked.success) {
          throw new UsageError(
            `--ship-from: ${checked.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
            false,
          );
        }
      }
      const providers = await admin.setProviders(sellerId, {
        ...(values.payment === undefined ? {} : { payment: values.payment as PaymentProviderName }),
        ...(values.carrier === undefined ? {} : { carrier: values.carrier as CarrierProviderName }),
      });
      if (shipFrom !== undefined) await admin.setShipFrom(sellerId, shipFrom);
      return `${sellerId} now takes payments with ${providers.payment} and ships with ${providers.carrier} (within 30 s)`;
    }
    if (command === 'set-business') {
      if (values.name === undefined && values.address === undefined)
        throw new UsageError('set-business needs --name, --address or both');
      let address: unknown;
      if (values.address !== undefined) {
        try {
          address = JSON.parse(values.address);
        } catch {
          throw new UsageError('--address must be a JSON address');
        }
      }
      const business = await admin.setBusiness(sellerId, {
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(address === undefined ? {} : { address }),
      });
      return `${sellerId}'s documents now show ${business.name}${business.businessAddress ? `, ${business.businessAddress.line1}, ${business.businessAddress.city}` : ''} (within 30 s)`;
    }
    if (command === 'set-credentials') {
      if (values['api-key'] === undefined && values['webhook-secret'] === undefined)
        throw new UsageError('set-credentials needs --api-key or --webhook-secret');
      await admin.setProviderCredentials(sellerId, values.provider as CredentialedProvider, {
        ...(values['api-key'] === undefined ? {} : { apiKey: values['api-key'] }),
        ...(values['webhook-secret'] === undefined
          ? {}
          : { webhookSecrets: values['webhook-secret'].split(',').map((secret) => secret.trim()) }),
      });
      return `${values.provider} credentials of ${sellerId} stored (not shown); they apply within 30 s`;
    }
    if (command === 'connect-shopify') {
      const notify = values['notify-customer'];
      if (notify !== undefined && notify !== 'true' && notify !== 'false')
        throw new UsageError('--notify-customer is true or false');
      const connection = await admin.connectShopify(sellerId, {
        ...(values.shop === undefined ? {} : { shopDomain: values.shop }),
        ...(values['access-token'] === undefined ? {} : { accessToken: values['access-token'] }),
        ...(notify === undefined ? {} : { notifyCustomer: notify === 'true' }),
      });
      return (
        `${sellerId} is connected to ${connection.shopDomain} (token stored, not shown): shipped Shopify ` +
        `orders are fulfilled there${connection.notifyCustomer ? ', and Shopify emails the customer' : ', without emailing the customer'} (within 30 s)`
      );
    }
    if (command === 'add-secret') {
      await admin.addWebhookSecret(sellerId, requireSecret(values.secret));
      return `webhook secret added to ${sellerId}: webhooks signed with it are accepted within 30 s`;
    }
    if (command === 'remove-secret') {
      await admin.removeWebhookSecret(sellerId, requireSecret(values.secret));
      return `webhook secret removed from ${sellerId}: webhooks signed with it are refused within 30 s`;
    }
    const overlapHours = values['overlap-hours'] === undefined ? 24 : Number(values['overlap-hours']);
    const secret = values.secret ?? admin.newSecret('whsec');
    const { retiredUntil } = await admin.rotateWebhookSecret(sellerId, secret, overlapHours);
    return [
      `webhook secret of ${sellerId} rotated; the secrets it replaces are accepted until ${retiredUntil}`,
      ...(values.secret ? [] : [`new webhook secret: ${secret}`, 'Store it now; it is not shown again.']),
    ].join('\n');
  } catch (error) {
    if (error instanceof admin.SellerAdminError) throw new UsageError(error.message, false);
    throw error;
  }
}

function requireSecret(secret: string | undefined): string {
  if (secret === undefined) throw new UsageError('give the webhook secret with --secret');
  return secret;
}

function keyTable(keys: { keyId: string; label: string; createdAt: string; lastUsedAt?: string }[]) {
  if (keys.length === 0) return 'no API keys';
  const rows = [
    ['key id', 'label', 'created', 'last used'],
    ...keys.map((key) => [key.keyId, key.label, key.createdAt, key.lastUsedAt ?? 'never']),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A refusal; `showUsage` is false when the command was right and the data refused it. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly showUsage = true,
  ) {
    super(message);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  run(process.argv.slice(2)).then(
    (output) => console.log(output),
    (error: Error) => {
      console.error(
        error instanceof UsageError && error.showUsage ? `${error.message}\n\n${USAGE}` : error.message,
      );
      process.exitCode = 1;
    },
  );
}
