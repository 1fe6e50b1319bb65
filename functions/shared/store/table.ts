import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { ENV, requireEnv } from '../config.js';
import { TransientError } from '../errors.js';

export const tableName = (): string => requireEnv(ENV.tableName);

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Cancellation reasons that say nothing about the items' conditions: the transaction raced another on the
 * same item, or DynamoDB throttled or failed one of its parts. The transaction wrote nothing, so it is
 * safe to send again, and never means a condition (say, stock) failed.
 */
const TRANSIENT_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
  'InternalServerError',
]);

/**
 * One TransactWriteItems call. A cancellation by a failed condition is returned to the caller, who knows
 * what each condition meant. Any other cancellation for a transient reason (see above) is retried here with
 * full jitter, as the SDK does not retry it, and after the last attempt it is a TransientError for the state
 * machine to retry: never a business outcome such as OUT_OF_STOCK.
 */
export async function transactWrite(
  items: TransactItem[],
  attempts = 15,
): Promise<{ ok: true } | { ok: false; reasons: string[] }> {
  for (let attempt = 1; ; attempt++) {
    try {
      await documents.send(new TransactWriteCommand({ TransactItems: items }));
      return { ok: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
      // A failed condition is an answer (say, a stock line was short when DynamoDB looked), whatever else
      // happened to the other parts; without one, a transient reason means the transaction never ran.
      if (
        reasons.includes('ConditionalCheckFailed') ||
        !reasons.some((code) => TRANSIENT_REASONS.has(code))
      ) {
        return { ok: false, reasons };
      }
      if (attempt >= attempts) {
        throw new TransientError(`transaction cancelled for a transient reason: ${reasons.join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 20 * 2 ** attempt)));
    }
  }
}
