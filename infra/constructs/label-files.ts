import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LABEL_PREFIX } from '../../functions/shared/store/label-files.js';

/** How long a label file is kept: past a year of returns, claims and carrier audits. */
export const LABEL_RETENTION = Duration.days(400);

/**
 * The label files (PDF 4x6, `labels/<sellerId>/<orderId>.pdf`): a private bucket, S3-managed encryption,
 * HTTPS only, objects expired after LABEL_RETENTION. Kept when the stack is deleted, like the order table:
 * a label is part of an order's record.
 */
export class LabelFiles extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'ExpireLabels', prefix: LABEL_PREFIX, expiration: LABEL_RETENTION },
        { id: 'AbortUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only two roles can reach the label files (generate-label writes, the api reads, each on labels/* ' +
        'only) and every download goes through the api, whose access log records the seller and order: ' +
        'server access logs would need a second bucket and record nothing the api log does not.',
    });
  }

  /** `labels/*`: the objects the functions may write or read, and no other key of the bucket. */
  get labelsArn(): string {
    return this.bucket.arnForObjects(`${LABEL_PREFIX}*`);
  }
}
