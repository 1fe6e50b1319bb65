import { seededRandom } from '../../../functions/shared/random.js';

/**
 * AWS's own failure modes, injected into the local runtime's SDK calls and Lambda invocations for fault
 * drills: what DynamoDB, Step Functions and Lambda answer when they throttle or fail, with their error
 * names and status codes. Seeded, so a drill that fails can be run again with the same faults.
 */
export interface InjectedFault {
  status: number;
  type: string;
  body: Record<string, unknown>;
}

export interface AwsFaults {
  /**
   * The fault to answer a request with, if this one fails. `invocation` is the SDK's
   * `amz-sdk-invocation-id`, the same for every attempt of one call: a sustained fault fails them all.
   */
  next(target: string, body: Record<string, unknown>, invocation?: string): InjectedFault | undefined;
  /** Whether this Lambda invocation by the state machine is throttled (`Lambda.TooManyRequestsException`). */
  throttleInvocation(): boolean;
  /** How many of each fault were injected. */
  readonly injected: Record<string, number>;
}

const message = (what: string) => ({ message: `${what} (injected by the local runtime's fault drill)` });

/** What each service answers when it throttles or fails, per operation. */
function faultsFor(target: string, body: Record<string, unknown>): InjectedFault[] {
  const [prefix, operation] = target.split('.');
  if (prefix?.startsWith('DynamoDB_')) {
    const dynamo = (type: string, status = 400) => ({
      status,
      type: `com.amazonaws.dynamodb.v20120810#${type}`,
      body: message(type),
    });
    if (operation === 'TransactWriteItems') {
      const parts = (body.TransactItems as unknown[] | undefined)?.length ?? 1;
      return [
        {
          status: 400,
          type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
          body: {
            ...message('Transaction cancelled, please refer cancellation reasons for specific reasons'),
            CancellationReasons: Array.from({ length: parts }, (_, index) =>
              index === parts - 1
                ? { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity.' }
                : { Code: 'None' },
            ),
          },
        },
        dynamo('ThrottlingException'),
        dynamo('InternalServerError', 500),
      ];
    }
    return [
      dynamo('ThrottlingException'),
      dynamo('ProvisionedThroughputExceededException'),
      dynamo('InternalServerError', 500),
    ];
  }
  if (prefix === 'AWSStepFunctions' && (operation === 'StartExecution' || operation === 'SendTaskSuccess')) {
    return [{ status: 400, type: 'ThrottlingException', body: message('Rate exceeded') }];
  }
  return [];
}

/**
 * Fails each eligible call with probability `rate`. The SDK retries what it would retry on AWS (throttling
 * and 5xx, three attempts in all by default), so what reaches the function code is rarer than `rate`, as it
 * is on AWS; a TransactionCanceledException is not retried by the SDK and reaches the code at once.
 */
/**
 * `sustained` is the share of faults that outlast the SDK's retries: every attempt of that call fails
 * alike, as a hot partition or a throttled account keeps failing for seconds on AWS, and the error reaches
 * the function code. Without it, a drill reaches the code only when independent faults line up.
 */
export function awsFaults(options: { rate: number; seed: number; sustained?: number }): AwsFaults {
  const random = seededRandom(options.seed);
  const injected: Record<string, number> = {};
  // Calls whose fault lasts, by invocation id; a call ends within its few attempts, so few are kept.
  const lasting = new Map<string, InjectedFault>();
  const count = (type: string) => {
    const name = type.split('#').at(-1)!;
    injected[name] = (injected[name] ?? 0) + 1;
  };
  return {
    injected,
    next(target, body, invocation) {
      const still = invocation === undefined ? undefined : lasting.get(invocation);
      if (still) {
        count(still.type);
        return still;
      }
      const candidates = faultsFor(target, body);
      if (!candidates.length || random() >= options.rate) return undefined;
      const fault = candidates[Math.floor(random() * candidates.length)]!;
      count(fault.type);
      if (invocation !== undefined && random() < (options.sustained ?? 0)) {
        if (lasting.size >= 1_000) lasting.delete(lasting.keys().next().value!);
        lasting.set(invocation, fault);
      }
      return fault;
    },
    throttleInvocation() {
      if (random() >= options.rate) return false;
      count('Lambda.TooManyRequestsException');
      return true;
    },
  };
}
