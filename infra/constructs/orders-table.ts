import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { INDEXES, KEY, STREAM_VIEW, TTL_ATTRIBUTE } from '../../functions/shared/store/schema.js';

const str = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

/**
 * The single orderflow table, shaped by the store's own schema (keys, the four indexes and what each
 * projects, the TTL attribute of idempotency records), so the store and the deployed table cannot
 * disagree, with the change stream the order events are published from. It holds seller webhook secrets and API-key hashes, so it is encrypted with KMS, kept when the
 * stack is deleted, and protected against deletion.
 */
export class OrdersTable extends dynamodb.Table {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      partitionKey: str(KEY.partition),
      sortKey: str(KEY.sort),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      // The order events are read from it (infra/constructs/order-events.ts).
      stream: dynamodb.StreamViewType[STREAM_VIEW],
    });
    for (const index of Object.values(INDEXES)) {
      this.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: str(index.partition),
        sortKey: str(index.sort),
        projectionType: dynamodb.ProjectionType[index.projection],
        ...('attributes' in index ? { nonKeyAttributes: [...index.attributes] } : {}),
      });
    }
  }
}
