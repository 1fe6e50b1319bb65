import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLocalStepFunctions, type LocalStepFunctions, type LocalStepFunctionsOptions } from './index.js';
import type { LambdaHandler } from './lambda.js';
import { LOCAL_ACCOUNT, localFunctionArn, startAwsParity, type AwsParity } from '../aws/index.js';

/** The order workflow's definition, as CDK deploys it. */
export const ORDERFLOW_DEFINITION_PATH = fileURLToPath(
  new URL('../../../workflows/order-fulfillment/statemachine.asl.json', import.meta.url),
);
export const ORDERFLOW_STATE_MACHINE_NAME = 'orderflow';

/**
 * Retry pauses under simulated time: each retrier's IntervalSeconds divided by the time scale (the
 * library takes one pause per retrier, so the backoff's growth is not modelled). At scale 1, none.
 */
export function scaledRetryPauses(timeScale: number): Record<string, number[]> | undefined {
  if (timeScale <= 1) return undefined;
  const definition = JSON.parse(readFileSync(ORDERFLOW_DEFINITION_PATH, 'utf8')) as {
    States: Record<string, { Retry?: { IntervalSeconds?: number }[] }>;
  };
  return Object.fromEntries(
    Object.entries(definition.States).flatMap(([name, state]) =>
      state.Retry
        ? [[name, state.Retry.map((retrier) => ((retrier.IntervalSeconds ?? 1) * 1000) / timeScale)]]
        : [],
    ),
  );
}

/**
 * The workflow's task functions. Imported lazily: each handler module reads its configuration
 * (table, endpoints, time scale) from process.env when it loads, so the caller sets that first.
 */
const TASK_FUNCTIONS = {
  'verify-payment': () => import('../../../functions/verify-payment/handler.js'),
  'reserve-stock': () => import('../../../functions/reserve-stock/handler.js'),
  'await-payment': () => import('../../../functions/await-payment/handler.js'),
  'await-release': () => import('../../../functions/await-release/handler.js'),
  'release-order': () => import('../../../functions/release-order/handler.js'),
  'generate-label': () => import('../../../functions/generate-label/handler.js'),
  'await-delivery': () => import('../../../functions/await-delivery/handler.js'),
  'poll-delivery': () => import('../../../functions/poll-delivery/handler.js'),
  'mark-status': () => import('../../../functions/mark-status/handler.js'),
} as const;

export type OrderflowFunction = keyof typeof TASK_FUNCTIONS;
export const ORDERFLOW_FUNCTIONS = Object.keys(TASK_FUNCTIONS) as OrderflowFunction[];

export function orderflowFunctionArn(name: OrderflowFunction, region = 'us-east-1'): string {
  return localFunctionArn(name, region);
}

/** The ARN the local engine gives the workflow; set STATE_MACHINE_ARN to it before handlers load. */
export function orderflowStateMachineArn(region = 'us-east-1'): string {
  return `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${ORDERFLOW_STATE_MACHINE_NAME}`;
}

/** `verify-payment` → `VerifyPaymentFunctionArn`, the placeholder the ASL file uses for it. */
function placeholder(name: OrderflowFunction): string {
  return `${name
    .split('-')
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('')}FunctionArn`;
}

/** What CDK's definitionSubstitutions bind on AWS, bound to local ARNs and the emulator's queue. */
export function orderflowSubstitutions(releaseDlqUrl: string, region = 'us-east-1'): Record<string, string> {
  return {
    ...Object.fromEntries(
      ORDERFLOW_FUNCTIONS.map((name) => [placeholder(name), orderflowFunctionArn(name, region)]),
    ),
    ReleaseDlqUrl: releaseDlqUrl,
  };
}

/** Imports the task handlers now (configuration must be in process.env), keyed by local ARN. */
export async function loadOrderflowHandlers(region = 'us-east-1'): Promise<Record<string, LambdaHandler>> {
  const entries = await Promise.all(
    ORDERFLOW_FUNCTIONS.map(async (name) => {
      const { handler } = await TASK_FUNCTIONS[name]();
      return [orderflowFunctionArn(name, region), handler as unknown as LambdaHandler] as const;
    }),
  );
  return Object.fromEntries(entries);
}

export interface OrderflowStepFunctionsOptions extends Omit<
  LocalStepFunctionsOptions,
  'definition' | 'definitionPath' | 'substitutions' | 'stateMachineName' | 'role'
> {
  /** The release DLQ's URL on the SQS emulator. */
  releaseDlqUrl: string;
  /**
   * Runs the task functions as the stack deploys them (timeouts, memory, IAM roles) and the state machine
   * with its role; one is started when absent.
   */
  parity?: AwsParity;
  /** Replace or add handlers (by ARN or function name, e.g. `orderflow-verify-payment`) after the defaults. */
  handlers?: Record<string, LambdaHandler>;
}

/**
 * The order workflow on the local engine: the real ASL file with this project's handlers. Set the
 * handlers' environment (ORDERS_TABLE, AWS_ENDPOINT_URL_*, STATE_MACHINE_ARN, ORDERFLOW_TIME_SCALE)
 * before calling: this is when they are imported.
 */
export async function startOrderflowStepFunctions(
  options: OrderflowStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const { releaseDlqUrl, handlers, parity: given, ...rest } = options;
  const parity = given ?? (await startAwsParity({ names: { releaseDlqUrl } }));
  const deployed = Object.fromEntries(
    Object.entries(await loadOrderflowHandlers(region)).map(([arn, handler]) => {
      const name = ORDERFLOW_FUNCTIONS.find((fn) => orderflowFunctionArn(fn, region) === arn)!;
      return [arn, parity.deployed(name, handler, { invokedByStateMachine: true }) as LambdaHandler];
    }),
  );
  return startLocalStepFunctions({
    ...rest,
    region,
    definitionPath: ORDERFLOW_DEFINITION_PATH,
    stateMachineName: ORDERFLOW_STATE_MACHINE_NAME,
    substitutions: orderflowSubstitutions(releaseDlqUrl, region),
    handlers: { ...deployed, ...handlers },
    role: parity.stateMachineRole,
  });
}
