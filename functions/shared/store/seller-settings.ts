import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { nowIso } from '../clock.js';
import type { Seller, SellerSettings } from '../domain/seller.js';
import { NotFoundError } from '../errors.js';
import { getSeller } from './sellers.js';
import { keys } from './schema.js';
import { tableName } from './table.js';

/** The settings a seller changes from the console: how orders are released, never a secret or a key. */
export type ReleaseSettings = Pick<
  SellerSettings,
  'releaseMode' | 'reviewThresholds' | 'holdTimeoutHours' | 'releaseSlaHours'
>;

/** A profile written before thresholds were per currency keeps its one USD threshold. */
const releaseSettingsOf = (seller: Seller): ReleaseSettings => ({
  releaseMode: seller.releaseMode,
  reviewThresholds:
    seller.reviewThresholds ?? (seller.reviewThreshold ? { USD: seller.reviewThreshold } : {}),
  holdTimeoutHours: seller.holdTimeoutHours,
  releaseSlaHours: seller.releaseSlaHours,
});

export async function getReleaseSettings(sellerId: string): Promise<ReleaseSettings> {
  const seller = await getSeller(sellerId);
  if (!seller) throw new NotFoundError(`seller ${sellerId} not found`);
  return releaseSettingsOf(seller);
}

/**
 * Sets the settings given, in one conditional write; the others stay as they were. New thresholds
 * replace the old single one. Functions see the change once their seller cache expires (SELLER_CACHE_MS).
 */
export async function updateReleaseSettings(
  sellerId: string,
  change: Partial<ReleaseSettings>,
): Promise<ReleaseSettings> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':at': nowIso() };
  const sets = ['updatedAt = :at'];
  for (const [field, value] of Object.entries(change)) {
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    sets.push(`#${field} = :${field}`);
  }
  const remove = change.reviewThresholds ? ' REMOVE reviewThreshold' : '';
  try {
    const { Attributes } = await documents.send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.seller(sellerId),
        UpdateExpression: `SET ${sets.join(', ')}${remove}`,
        ConditionExpression: 'attribute_exists(PK)',
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return releaseSettingsOf(Attributes as Seller);
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new NotFoundError(`seller ${sellerId} not found`);
    throw error;
  }
}
