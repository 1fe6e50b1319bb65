import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { ENV, requireEnv } from '../config.js';
import { TransientError } from '../errors.js';

export const tableName = (): string => requireEnv(ENV.tableName);

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * One TransactWriteItems call. DynamoDB cancels a transaction that races another on the same item
 * (TransactionConflict) without the SDK retrying it, so that case is retried here with full jitter;
 * any other cancellation is returned to the caller, who knows what each condition meant.
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
      const conflicted = reasons.some((code) => code === 'TransactionConflict');
      const conditionFailed = reasons.some((code) => code === 'ConditionalCheckFailed');
      if (conditionFailed || !conflicted) return { ok: false, reasons };
      if (attempt >= attempts) throw new TransientError('transaction kept conflicting with another');
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1000, 20 * 2 ** attempt)));
    }
  }
}
