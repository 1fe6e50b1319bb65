import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ENV, requireEnv } from '../config.js';

/**
 * The label files (PDF 4x6) in the label bucket, under `labels/<sellerId>/<orderId>.pdf`: the only prefix
 * the functions are granted. The endpoint comes from AWS_ENDPOINT_URL_S3 (the local runtime's emulator);
 * the client is created once per module, in the functions that store or read labels only.
 */
const s3 = new S3Client({});

export const LABEL_PREFIX = 'labels/';
const PDF = 'application/pdf';

export const labelFileKey = (sellerId: string, orderId: string): string =>
  `${LABEL_PREFIX}${sellerId}/${orderId}.pdf`;

/** Stores an order's label file; storing it again overwrites the same key. Returns the key. */
export async function storeLabelFile(sellerId: string, orderId: string, file: Uint8Array): Promise<string> {
  const key = labelFileKey(sellerId, orderId);
  await s3.send(
    new PutObjectCommand({
      Bucket: requireEnv(ENV.labelBucket),
      Key: key,
      Body: file,
      ContentType: PDF,
      ContentDisposition: `attachment; filename="label-${orderId}.pdf"`,
    }),
  );
  return key;
}

/** The label file stored under `key`, or undefined when there is none. */
export async function readLabelFile(key: string): Promise<Uint8Array | undefined> {
  try {
    const { Body } = await s3.send(new GetObjectCommand({ Bucket: requireEnv(ENV.labelBucket), Key: key }));
    return Body ? await Body.transformToByteArray() : undefined;
  } catch (error) {
    if (error instanceof NoSuchKey) return undefined;
    throw error;
  }
}
