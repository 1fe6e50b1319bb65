/**
 * Usage meters for the cost benchmark, installed from the bench process only, on the very module
 * instances the local runtime runs: a middleware on the shared DynamoDB client that asks every request
 * for its ConsumedCapacity and sums it, and a middy middleware on each Lambda handler that counts and
 * times its invocations.
 */
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

export interface DynamoUsage {
  readUnits: number;
  writeUnits: number;
  /** Requests by command, e.g. `GetItemCommand`. */
  requests: Record<string, number>;
  /** Requests that failed (a failed conditional write is still billed, but reports no capacity). */
  failed: Record<string, number>;
  /** Requests whose answer carried no ConsumedCapacity. */
  withoutCapacity: number;
}

export interface LambdaUsage {
  invocations: number;
  errors: number;
  /** Sum of handler durations, in milliseconds. */
  totalMs: number;
  /** Sum of durations rounded up to whole milliseconds, as Lambda bills them. */
  billedMs: number;
  durations: number[];
}

const READS = new Set([
  'GetItemCommand',
  'BatchGetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'TransactGetItemsCommand',
]);
const WRITES = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

interface Stack {
  add(
    middleware: (
      next: (args: { input: object }) => Promise<{ output: object }>,
      context: { commandName?: string },
    ) => (args: { input: object }) => Promise<{ output: object }>,
    options: { step: 'initialize'; name: string },
  ): void;
}

export class UsageMeter {
  on = false;
  dynamo: DynamoUsage = { readUnits: 0, writeUnits: 0, requests: {}, failed: {}, withoutCapacity: 0 };
  lambdas = new Map<string, LambdaUsage>();

  reset(): void {
    this.dynamo = { readUnits: 0, writeUnits: 0, requests: {}, failed: {}, withoutCapacity: 0 };
    this.lambdas.clear();
  }

  /** On a DynamoDB client (or the document client, which shares its stack). */
  meterDynamo(client: { middlewareStack: unknown }): void {
    (client.middlewareStack as Stack).add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'unknown';
        const billed = READS.has(command) || WRITES.has(command);
        if (!this.on || !billed) return next(args);
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
        this.dynamo.requests[command] = (this.dynamo.requests[command] ?? 0) + 1;
        let result: { output: object };
        try {
          result = await next(args);
        } catch (error) {
          this.dynamo.failed[command] = (this.dynamo.failed[command] ?? 0) + 1;
          throw error;
        }
        const consumed = (result.output as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
          .ConsumedCapacity;
        const units = [consumed ?? []].flat().reduce((total, entry) => total + (entry.CapacityUnits ?? 0), 0);
        if (consumed === undefined) this.dynamo.withoutCapacity++;
        if (READS.has(command)) this.dynamo.readUnits += units;
        else this.dynamo.writeUnits += units;
        return result;
      },
      { step: 'initialize', name: 'benchUsageMeter' },
    );
  }

  /**
   * On a middy handler: its `before` runs after the handler's own before-middlewares and its `after`
   * first, so the time is the handler and its middlewares except the final metrics flush.
   */
  meterHandler(name: string, handler: unknown): void {
    const started = new WeakMap<object, number>();
    const done = (request: object, failed: boolean) => {
      const at = started.get(request);
      if (at === undefined || !this.on) return;
      const ms = performance.now() - at;
      let usage = this.lambdas.get(name);
      if (!usage)
        this.lambdas.set(
          name,
          (usage = { invocations: 0, errors: 0, totalMs: 0, billedMs: 0, durations: [] }),
        );
      usage.invocations++;
      if (failed) usage.errors++;
      usage.totalMs += ms;
      usage.billedMs += Math.max(1, Math.ceil(ms));
      usage.durations.push(ms);
    };
    (handler as { use(middleware: object): unknown }).use({
      before: (request: object) => void started.set(request, performance.now()),
      after: (request: object) => done(request, false),
      onError: (request: object) => done(request, true),
    });
  }
}
