import { parseArgs } from 'node:util';
import { SELLER_ID_PATTERN } from '../functions/api/auth.js';
import { addApiKey, newSecret, putSeller } from '../functions/shared/store/seller-admin.js';
import { getSeller } from '../functions/shared/store/sellers.js';
import { sellerSettingsSchema } from '../functions/shared/domain/seller.js';

const USAGE = `usage:
  npm run seller -- create --id <sellerId> --origin <country> [--name <name>] [--release-mode auto|manual]
                           [--review-threshold USD=1000.00,JPY=150000] [--hold-timeout-hours <n>]
                           [--release-sla-hours <n>]
  npm run seller -- add-key --id <sellerId>

Writes to the table in ORDERS_TABLE (set AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local).
The webhook secret and API key are printed once; only the key's hash is stored.`;

/** `USD=1000.00,JPY=150000` as thresholds per currency; a bare amount is the USD threshold. */
function thresholdsOf(value: string): Record<string, string> {
  if (!value.includes('=')) return { USD: value };
  return Object.fromEntries(value.split(',').map((pair) => pair.trim().split('=', 2) as [string, string]));
}

/**
 * The admin command for sellers: creates one with a fresh webhook secret and API key, or adds a key.
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
    },
  });
  const [command] = positionals;
  const sellerId = values.id ?? '';
  if (!SELLER_ID_PATTERN.test(sellerId))
    throw new UsageError('--id must be lowercase letters, digits, "-" or "_"');
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
    const webhookSecret = newSecret('whsec');
    const apiKey = newSecret('ofk');
    const seller = await putSeller({
      sellerId,
      ...(values.name ? { name: values.name } : {}),
      ...settings.data,
      webhookSecrets: [webhookSecret],
    });
    await addApiKey(sellerId, apiKey);
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
    if (!(await getSeller(sellerId))) throw new UsageError(`no seller ${sellerId}`);
    const apiKey = newSecret('ofk');
    await addApiKey(sellerId, apiKey);
    return [`API key for ${sellerId}: ${apiKey}`, 'Store it now; it is not shown again.'].join('\n');
  }
  throw new UsageError(`unknown command ${command ?? '(none)'}`);
}

export class UsageError extends Error {
  override name = 'UsageError';
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  run(process.argv.slice(2)).then(
    (output) => console.log(output),
    (error: Error) => {
      console.error(error instanceof UsageError ? `${error.message}\n\n${USAGE}` : error.message);
      process.exitCode = 1;
    },
  );
}
