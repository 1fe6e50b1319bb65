import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { lambdaContext } from '../lambda-context.js';
import type { Handler } from '../aws/lambda.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localDynamoClient } from '../services.js';

export interface StreamPollerOptions {
  /** DynamoDB Local, which serves the streams API on the same endpoint. */
  endpoint: string;
  tableName: string;
  /** The stream consumer, as deployed (its role, its timeout). */
  handler: Handler;
  batchSize?: number;
  /** Pause between polls of a shard with nothing new. */
  idleMs?: number;
  /** Invocations of one batch before it is given up (the mapping's MaximumRetryAttempts + 1). */
  maxAttempts?: number;
  /** Where each shard's last processed sequence number is kept, so a restart resumes after it. */
  checkpointFile?: string;
  /** Told of a batch given up after `maxAttempts` on one record, as the mapping's on-failure destination is. */
  onFailure?: (failure: { shardId: string; firstSequenceNumber: string; lastSequenceNumber: string }) => void;
}

export interface StreamPoller {
  /** Resolves once every record now in the stream has been handed to the handler successfully. */
  drained(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

type Checkpoints = Record<string, string>;

/**
 * The local stand-in of the Lambda event source mapping on the order table's stream: reads DynamoDB
 * Local's stream shard by shard (a child shard only after its parent is read to the end, so an item's
 * changes keep their order), hands batches to the handler in the Lambda event shape, and, as the mapping
 * does with ReportBatchItemFailures, retries from the first record the handler reports, in order. A record
 * that fails `maxAttempts` times in a row is reported, with the rest of its batch, to `onFailure` and
 * skipped. What it has processed is
 * checkpointed per shard, so after a restart it resumes where it stopped: at least once, in order.
 */
export function startStreamPoller(options: StreamPollerOptions): StreamPoller {
  const streams = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const batchSize = options.batchSize ?? 100;
  const idleMs = options.idleMs ?? 100;
  const maxAttempts = options.maxAttempts ?? 11;
  const checkpoints: Checkpoints = readCheckpoints(options.checkpointFile);
  const finished = new Set<string>();
  const iterators = new Map<string, string>();
  let stopped = false;
  let caughtUp = false;
  let streamArn: string | undefined;

  const saveCheckpoint = (shardId: string, sequenceNumber: string) => {
    checkpoints[shardId] = sequenceNumber;
    if (!options.checkpointFile) return;
    const temp = `${options.checkpointFile}.tmp`;
    writeFileSync(temp, JSON.stringify(checkpoints));
    renameSync(temp, options.checkpointFile);
  };

  const iteratorFor = async (shardId: string): Promise<string | undefined> => {
    const after = checkpoints[shardId];
    try {
      return await shardIterator(shardId, after);
    } catch (error) {
      // The checkpoint's record is past the stream's 24 h: read what the shard still has.
      if (!after || (error as Error).name !== 'TrimmedDataAccessException') throw error;
      delete checkpoints[shardId];
      return shardIterator(shardId, undefined);
    }
  };

  const shardIterator = async (shardId: string, after: string | undefined) => {
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return ShardIterator;
  };

  /** Hands `records` to the handler until all are processed or given up; in order, from the first failure. */
  const deliver = async (shardId: string, records: StreamRecord[]) => {
    let pending = records;
    for (let attempt = 1; pending.length && !stopped; attempt++) {
      let failedAt: string | undefined;
      try {
        const event: DynamoDBStreamEvent = { Records: pending.map((r) => lambdaRecord(r, streamArn!)) };
        const result = (await options.handler(
          event,
          lambdaContext('orderflow-publish-events', Date.now() + 30_000),
        )) as DynamoDBBatchResponse | undefined;
        failedAt = result?.batchItemFailures?.[0]?.itemIdentifier;
        if (failedAt === undefined) {
          saveCheckpoint(shardId, pending.at(-1)!.dynamodb!.SequenceNumber!);
          return;
        }
      } catch {
        failedAt = pending[0]!.dynamodb!.SequenceNumber!;
      }
      const index = Math.max(
        0,
        pending.findIndex((record) => record.dynamodb?.SequenceNumber === failedAt),
      );
      if (index > 0) {
        saveCheckpoint(shardId, pending[index - 1]!.dynamodb!.SequenceNumber!);
        // Retries are counted per record: a retry that got further starts the count again, so a long batch
        // under a storm of partial failures is never given up while it still moves.
        attempt = 0;
      }
      pending = pending.slice(index);
      if (attempt >= maxAttempts) {
        options.onFailure?.({
          shardId,
          firstSequenceNumber: pending[0]!.dynamodb!.SequenceNumber!,
          lastSequenceNumber: pending.at(-1)!.dynamodb!.SequenceNumber!,
        });
        saveCheckpoint(shardId, pending.at(-1)!.dynamodb!.SequenceNumber!);
        return;
      }
      await pause(Math.min(1000, 20 * 2 ** attempt));
    }
  };

  /** One pass over every readable shard; true when any had records. */
  const pass = async (): Promise<boolean> => {
    if (!streamArn) {
      const dynamo = localDynamoClient(options.endpoint);
      try {
        const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
        streamArn = Table?.LatestStreamArn;
      } finally {
        dynamo.destroy();
      }
      if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
    }
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    const known = new Set(shards.map((shard) => shard.ShardId));
    let any = false;
    for (const shard of shards) {
      const shardId = shard.ShardId!;
      if (finished.has(shardId)) continue;
      const parent = shard.ParentShardId;
      if (parent && known.has(parent) && !finished.has(parent)) continue;
      let iterator = iterators.get(shardId) ?? (await iteratorFor(shardId));
      if (!iterator) continue;
      const { Records = [], NextShardIterator } = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }),
      );
      if (Records.length) {
        any = true;
        await deliver(shardId, Records);
      }
      iterator = NextShardIterator;
      if (iterator) iterators.set(shardId, iterator);
      else {
        iterators.delete(shardId);
        finished.add(shardId);
      }
    }
    return any;
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        const any = await pass();
        caughtUp = !any;
        if (!any) await pause(idleMs);
      } catch (error) {
        // An expired iterator or a stream that is not there yet: read again from the checkpoints.
        iterators.clear();
        caughtUp = false;
        if (!stopped) {
          // An expired iterator is routine; a refused connection is DynamoDB Local stopping (Ctrl-C reaches
          // the Java process first): both are retried without a word.
          const quiet =
            (error as Error).name === 'ExpiredIteratorException' ||
            (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
          if (!quiet) console.error(`local stream poller: ${(error as Error).message}`);
          await pause(500);
        }
      }
    }
  })();

  return {
    async drained(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      // Two quiet passes: a write that landed during one pass is read by the next.
      let quiet = 0;
      while (quiet < 2) {
        if (Date.now() > deadline) throw new Error('the order stream was not drained in time');
        caughtUp = false;
        while (!caughtUp && Date.now() <= deadline) await pause(idleMs / 2);
        quiet = caughtUp ? quiet + 1 : 0;
      }
    },
    async stop() {
      stopped = true;
      await loop;
      streams.destroy();
    },
  };
}

function readCheckpoints(file: string | undefined): Checkpoints {
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Checkpoints;
  } catch {
    return {};
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Attribute = Record<string, unknown>;

/**
 * The SDK reads an empty map from DynamoDB Local's stream as `{}` instead of `{"M": {}}`; Lambda hands
 * the function the service's JSON, with the `M`. Restored here, at every depth.
 */
function restoreEmptyMaps(
  image: Record<string, Attribute> | undefined,
): Record<string, Attribute> | undefined {
  if (!image) return image;
  const fix = (value: Attribute): Attribute => {
    if (Object.keys(value).length === 0) return { M: {} };
    if (value.M) return { M: restoreEmptyMaps(value.M as Record<string, Attribute>) };
    if (Array.isArray(value.L)) return { L: (value.L as Attribute[]).map(fix) };
    return value;
  };
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, fix(value)]));
}

/** A record as GetRecords returns it → as Lambda hands it to a function (times in epoch seconds). */
function lambdaRecord(record: StreamRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, NewImage, OldImage, ...dynamodb } = record.dynamodb ?? {};
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: {
      ...(dynamodb as NonNullable<DynamoDBRecord['dynamodb']>),
      ...(NewImage
        ? { NewImage: restoreEmptyMaps(NewImage as unknown as Record<string, Attribute>) as never }
        : {}),
      ...(OldImage
        ? { OldImage: restoreEmptyMaps(OldImage as unknown as Record<string, Attribute>) as never }
        : {}),
      ...(ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) }
        : {}),
    },
  };
}
