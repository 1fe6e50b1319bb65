import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documents } from '../clients.js';
import { DAY_MS, addBusinessMs, nowIso } from '../clock.js';
import { keys } from '../store/schema.js';
import { tableName } from '../store/table.js';
import { chooseService, transitDays, type Label, type LabelService } from './carrier.js';
import { easypostLabels } from './easypost.js';
import { maybeInjectFault } from './faults.js';
import { SANDBOX_REFUSED, providersOf, sandboxAllowed, type Selectable } from './index.js';
import { renderLabelPdf } from './label-pdf.js';
import { shippoLabels } from './shippo.js';

/**
 * The label service of an order (as index.ts picks the other services), with the sandbox carrier's labels.
 * Apart from index.ts because the sandbox draws its label files with pdf-lib (about 500 KB bundled, and
 * not tree-shaken): only generate-label, which buys labels, carries it.
 */

/**
 * Deterministic sandbox labels. Labels are stored per idempotency key; tracking numbers derive from it, so
 * they are unique per order. The file is drawn from the label, dated when it was bought: the same bytes
 * however often it is drawn.
 */
export const sandboxLabels: LabelService = {
  pushGraceMs: 0,
  async buyLabel(request) {
    maybeInjectFault('carrier.buyLabel');
    const key = keys.label(request.idempotencyKey);
    // No read first: the conditional put is the idempotency check, and a repeat reads the first label.
    const digest = createHash('sha256').update(request.idempotencyKey).digest('hex').toUpperCase();
    const shippedAt = nowIso();
    const label: Label = {
      ...chooseService(request.region, request.method),
      trackingNumber: `SBX${digest.slice(0, 18)}`,
      labelId: `lbl_${digest.slice(18, 34).toLowerCase()}`,
      shippedAt,
      estimatedDeliveryAt: addBusinessMs(shippedAt, transitDays(request.region, request.method) * DAY_MS),
    };
    try {
      await documents.send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...key, label, orderId: request.orderId, purchasedAt: shippedAt },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return label;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const { Item: first } = await documents.send(
        new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true }),
      );
      return first!.label as Label;
    }
  },
  async labelFile(label, request) {
    return renderLabelPdf({ ...label, orderId: request.orderId, address: request.address });
  },
};

const refusedLabels: LabelService = {
  pushGraceMs: 0,
  async buyLabel() {
    throw new Error(`sandbox_not_allowed: ${SANDBOX_REFUSED}`);
  },
  async labelFile() {
    throw new Error(`sandbox_not_allowed: ${SANDBOX_REFUSED}`);
  },
};

export async function labelsFor(order: Selectable): Promise<LabelService> {
  if (order.test) return sandboxLabels;
  const { carrier } = await providersOf(order.sellerId);
  if (carrier === 'easypost') return easypostLabels;
  if (carrier === 'shippo') return shippoLabels;
  return sandboxAllowed() ? sandboxLabels : refusedLabels;
}
