import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createBucket, createTable, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/services.js';

// Runs before each integration test file is imported, so the SDK clients that handlers create at
// module load see these endpoints, exactly as a Lambda sees its configuration.
process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamoEndpoint');
process.env.AWS_ENDPOINT_URL_SQS = inject('sqsEndpoint');
// The SQS emulator answers S3 too (the label files).
process.env.AWS_ENDPOINT_URL_S3 = inject('sqsEndpoint');
process.env.AWS_REGION = LOCAL_REGION;
process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// As on the dev stage and in the local runtime: sellers who chose no provider get the sandbox.
process.env.ALLOW_SANDBOX_PROVIDERS ??= 'true';
// What the stack sets: seller webhook URLs are https and public only.
process.env.WEBHOOK_URL_POLICY ??= 'public-https';
process.env.ORDERS_TABLE = `orders-${randomUUID().slice(0, 8)}`;

// And a label bucket of its own.
process.env.LABEL_BUCKET = `labels-${randomUUID().slice(0, 8)}`;

await createTable(inject('dynamoEndpoint'), process.env.ORDERS_TABLE);
await createBucket(inject('sqsEndpoint'), process.env.LABEL_BUCKET);
