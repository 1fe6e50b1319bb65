import { INDEXES, KEY } from '../../../functions/shared/store/schema.js';
import type { PolicyStatement } from './stack-model.js';

/** The local resources that fill a policy's `{{slot}}`s (see stack-model.ts). */
export interface LocalNames {
  partition: string;
  region: string;
  account: string;
  tableName: string;
  stateMachineArn: string;
  releaseDlqUrl: string;
  /** The order events bus's name (ORDER_EVENTS_BUS). */
  orderEventsBus: string;
  /** The seller webhook deliveries queue (WEBHOOK_DELIVERIES_URL). */
  webhookDeliveriesUrl: string;
  /** The Shopify sync queue (SHOPIFY_SYNC_URL). */
  shopifySyncUrl: string;
  /** The label files' bucket (LABEL_BUCKET). */
  labelBucket: string;
  /** A function's ARN, by orderflow function name (`verify-payment`). */
  functionArn(name: string): string;
}

export const arns = {
  table: (names: Pick<LocalNames, 'region' | 'account'>, table: string) =>
    `arn:aws:dynamodb:${names.region}:${names.account}:table/${table}`,
  /** `https://host/<account>/<name>` (or any URL ending in the queue's name) → the queue's ARN. */
  queue: (names: Pick<LocalNames, 'region' | 'account'>, url: string) =>
    `arn:aws:sqs:${names.region}:${names.account}:${url.split('/').filter(Boolean).at(-1) ?? ''}`,
  /** A bus by name or ARN → its ARN. */
  eventBus: (names: Pick<LocalNames, 'region' | 'account'>, nameOrArn: string) =>
    nameOrArn.startsWith('arn:')
      ? nameOrArn
      : `arn:aws:events:${names.region}:${names.account}:event-bus/${nameOrArn}`,
  /** A bucket's ARN (S3 ARNs name no region or account). */
  bucket: (name: string) => `arn:aws:s3:::${name}`,
};

function fill(template: string, names: LocalNames): string {
  return template.replace(/\{\{([^}]+)\}\}/g, (_, slot: string) => {
    if (slot === 'partition') return names.partition;
    if (slot === 'region') return names.region;
    if (slot === 'account') return names.account;
    if (slot === 'table') return arns.table(names, names.tableName);
    if (slot === 'table:ref') return names.tableName;
    if (slot === 'stateMachine' || slot === 'stateMachine:ref') return names.stateMachineArn;
    if (slot === 'stateMachineName') return names.stateMachineArn.split(':').at(-1)!;
    if (slot === 'releaseDlq') return arns.queue(names, names.releaseDlqUrl);
    if (slot === 'releaseDlq:ref') return names.releaseDlqUrl;
    if (slot === 'orderEventsBus') return arns.eventBus(names, names.orderEventsBus);
    if (slot === 'orderEventsBus:ref') return names.orderEventsBus;
    if (slot === 'webhookDeliveries') return arns.queue(names, names.webhookDeliveriesUrl);
    if (slot === 'webhookDeliveries:ref') return names.webhookDeliveriesUrl;
    if (slot === 'shopifySync') return arns.queue(names, names.shopifySyncUrl);
    if (slot === 'shopifySync:ref') return names.shopifySyncUrl;
    if (slot === 'labelBucket') return arns.bucket(names.labelBucket);
    if (slot === 'labelBucket:ref') return names.labelBucket;
    const fn = /^function:([\w-]+)(:ref)?$/.exec(slot);
    if (fn) return fn[2] ? names.functionArn(fn[1]!).split(':').at(-1)! : names.functionArn(fn[1]!);
    // A resource the local runtime does not have (a log group): matches no request.
    return `\u0000${slot}`;
  });
}

/** IAM's wildcard match: `*` any run of characters, `?` one; actions compare case-insensitively. */
export function matches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split(/([*?])/)
    .map((part) => (part === '*' ? '.*' : part === '?' ? '.' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

export type Decision = 'allowed' | 'implicitDeny' | 'explicitDeny';

/** IAM's identity-policy evaluation, as far as orderflow's policies go: a Deny wins, else an Allow, else no. */
export function evaluate(
  statements: readonly PolicyStatement[],
  action: string,
  resource: string,
  names: LocalNames,
  leadingKeys: readonly string[] = [],
): Decision {
  let allowed = false;
  for (const statement of statements) {
    if (!statement.actions.some((pattern) => matches(pattern, action, true))) continue;
    if (!statement.resources.some((template) => matches(fill(template, names), resource))) continue;
    // ForAllValues:StringLike: every partition key the request touches matches one of the patterns.
    const { leadingKeys: patterns } = statement;
    if (patterns && !leadingKeys.every((key) => patterns.some((pattern) => matches(pattern, key)))) continue;
    if (statement.effect === 'Deny') return 'explicitDeny';
    allowed = true;
  }
  return allowed ? 'allowed' : 'implicitDeny';
}

/** One action on one resource that a request needs. */
export interface Authorization {
  action: string;
  resource: string;
  /** DynamoDB: the partition key values the request reads or writes (`dynamodb:LeadingKeys`). */
  leadingKeys?: string[];
}

type Body = Record<string, unknown>;

/**
 * What a JSON-protocol request (DynamoDB, Step Functions, SQS, EventBridge: `X-Amz-Target: <Service>.<Operation>`) needs
 * IAM to allow, as AWS authorizes it: TransactWriteItems per part (PutItem, UpdateItem, DeleteItem,
 * ConditionCheckItem), a batch per table, a Query on an index against the index's ARN, the task-token
 * calls against the state machine that issued the token.
 */
export function authorizationsFor(target: string, body: Body, names: LocalNames): Authorization[] {
  const [prefix, operation = ''] = target.split('.');
  const table = (name: unknown) => arns.table(names, String(name));
  if (prefix?.startsWith('DynamoDB_')) {
    const action = (op: string) => `dynamodb:${op}`;
    if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
      return Object.entries((body.RequestItems as Body) ?? {}).map(([name, request]) => ({
        action: action(operation),
        resource: table(name),
        leadingKeys: batchPartitions(operation, request),
      }));
    }
    if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
      const parts = (body.TransactItems as Record<string, Body>[]) ?? [];
      return parts.flatMap((part) =>
        Object.entries(part).map(([kind, detail]) => ({
          action: action(kind === 'ConditionCheck' ? 'ConditionCheckItem' : `${kind}Item`),
          resource: table(detail.TableName),
          leadingKeys: partitionsOf([detail.Key ?? detail.Item]),
        })),
      );
    }
    const index = typeof body.IndexName === 'string' ? `/index/${body.IndexName}` : '';
    return [
      {
        action: action(operation),
        resource: `${table(body.TableName)}${index}`,
        leadingKeys: operation === 'Query' ? queryPartitions(body) : partitionsOf([body.Key ?? body.Item]),
      },
    ];
  }
  if (prefix === 'AWSStepFunctions') {
    const action = `states:${operation}`;
    const resource =
      (body.executionArn as string | undefined) ??
      (body.stateMachineArn as string | undefined) ??
      // A task token belongs to an execution of the one local state machine.
      (typeof body.taskToken === 'string' ? names.stateMachineArn : '*');
    return [{ action, resource }];
  }
  if (prefix === 'AmazonSQS') {
    return [
      {
        // A batch is authorized as the single action (DeleteMessageBatch needs sqs:DeleteMessage).
        action: `sqs:${operation.replace(/Batch$/, '')}`,
        resource: typeof body.QueueUrl === 'string' ? arns.queue(names, body.QueueUrl) : '*',
      },
    ];
  }
  if (prefix === 'AWSEvents') {
    // PutEvents is authorized per bus its entries name (the default bus when they name none).
    const entries = (body.Entries as Body[] | undefined) ?? [];
    const buses = new Set(entries.map((entry) => String(entry.EventBusName ?? 'default')));
    return [...(buses.size ? buses : ['default'])].map((bus) => ({
      action: `events:${operation}`,
      resource: arns.eventBus(names, bus),
    }));
  }
  return [{ action: `${prefix}:${operation}`, resource: '*' }];
}

/**
 * What an S3 object request (REST, no X-Amz-Target) needs IAM to allow, from the command sent: its action
 * on the object's ARN. Only the object operations orderflow sends are known; any other is authorized
 * against the bucket as `s3:<Operation>`, which no orderflow grant allows.
 */
export function s3AuthorizationsFor(commandName: string, input: Record<string, unknown>): Authorization[] {
  const operation = commandName.replace(/Command$/, '');
  const bucket = arns.bucket(String(input.Bucket ?? ''));
  const OBJECT_ACTIONS: Record<string, string> = {
    PutObject: 's3:PutObject',
    GetObject: 's3:GetObject',
    // S3 authorizes HEAD as a read of the object.
    HeadObject: 's3:GetObject',
  };
  const action = OBJECT_ACTIONS[operation];
  if (action && typeof input.Key === 'string') return [{ action, resource: `${bucket}/${input.Key}` }];
  return [{ action: `s3:${operation}`, resource: bucket }];
}

/** The partition key values of items or keys in DynamoDB's wire format (`{"PK": {"S": "ORDER#…"}}`). */
function partitionsOf(items: readonly unknown[]): string[] {
  return items.flatMap((item) => {
    const value = (item as Record<string, { S?: unknown }> | undefined)?.[KEY.partition]?.S;
    return typeof value === 'string' ? [value] : [];
  });
}

function batchPartitions(operation: string, request: unknown): string[] {
  if (operation === 'BatchGetItem') return partitionsOf(((request as Body).Keys as unknown[]) ?? []);
  return partitionsOf(
    ((request as Body[]) ?? []).map(
      (write) =>
        (write.PutRequest as Body | undefined)?.Item ?? (write.DeleteRequest as Body | undefined)?.Key,
    ),
  );
}

/**
 * The partition a Query reads: the value its key condition sets the partition key (the table's, or the
 * index's) equal to.
 */
function queryPartitions(body: Body): string[] {
  const index = Object.values(INDEXES).find(({ name }) => name === body.IndexName);
  const partition = index?.partition ?? KEY.partition;
  const attributeNames = (body.ExpressionAttributeNames as Record<string, string> | undefined) ?? {};
  const values = (body.ExpressionAttributeValues as Record<string, { S?: unknown }> | undefined) ?? {};
  for (const [, name, value] of String(body.KeyConditionExpression ?? '').matchAll(
    /([#\w]+)\s*=\s*(:\w+)/g,
  )) {
    if ((attributeNames[name!] ?? name) !== partition) continue;
    const key = values[value!]?.S;
    if (typeof key === 'string') return [key];
  }
  return [];
}
