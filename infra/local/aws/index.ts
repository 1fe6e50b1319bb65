import type { FunctionName } from '../../bundling.js';
import type { StateMachineRole } from '../stepfunctions/tasks.js';
import type { AwsFaults } from './faults.js';
import { evaluate, type LocalNames } from './iam.js';
import { asDeployed, type Handler } from './lambda.js';
import { installSdkParity, runAs, type Denial } from './sdk-parity.js';
import { loadStackModel, type StackModel } from './stack-model.js';

export { awsFaults, type AwsFaults } from './faults.js';
export { runAs } from './sdk-parity.js';
export type { Denial } from './sdk-parity.js';
export type { StackModel } from './stack-model.js';

export const LOCAL_ACCOUNT = '000000000000';

/** A function's ARN in the local runtime: `orderflow-<name>`, as the local engine names them. */
export const localFunctionArn = (name: string, region = process.env.AWS_REGION ?? 'us-east-1'): string =>
  `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:orderflow-${name}`;

/**
 * The local runtime's names for what the stack's policies name, read from the functions' own configuration
 * when a call is made (tests give each file its own table).
 */
function localNames(overrides: Partial<LocalNames> = {}): LocalNames {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  return {
    partition: 'aws',
    region,
    account: LOCAL_ACCOUNT,
    tableName: process.env.ORDERS_TABLE ?? '',
    stateMachineArn: process.env.STATE_MACHINE_ARN ?? '',
    releaseDlqUrl: process.env.RELEASE_DLQ_URL ?? '',
    orderEventsBus: process.env.ORDER_EVENTS_BUS ?? '',
    webhookDeliveriesUrl: process.env.WEBHOOK_DELIVERIES_URL ?? '',
    shopifySyncUrl: process.env.SHOPIFY_SYNC_URL ?? '',
    labelBucket: process.env.LABEL_BUCKET ?? '',
    functionArn: (name) => localFunctionArn(name, region),
    ...overrides,
  };
}

/** What the local runtime enforces of the deployed stack; see README "Local vs AWS". */
export interface AwsParity {
  /** The synthesized stack's functions and roles. Tests may edit it (say, remove a grant) and restore it. */
  model: StackModel;
  /** Every call the runtime refused, newest last. */
  denials: Denial[];
  /** `<function> <action>` of every call a role made and was allowed (`state-machine` for its own). */
  allowed: Set<string>;
  /** The handler, run with the deployed function's timeout, memory and role. */
  deployed(name: FunctionName, handler: Handler, options?: { invokedByStateMachine?: boolean }): Handler;
  /** The state machine's role, for the local engine. */
  stateMachineRole: StateMachineRole;
  /** AWS's own throttling and server errors, injected into calls made as a role (none by default). */
  setFaults(faults: AwsFaults | undefined): void;
  faults(): AwsFaults | undefined;
}

export async function startAwsParity(
  options: { model?: StackModel; faults?: AwsFaults; names?: Partial<LocalNames> } = {},
): Promise<AwsParity> {
  const model = options.model ?? (await loadStackModel());
  let faults = options.faults;
  const names = () => localNames(options.names);
  const sdk = installSdkParity({ names, ...(faults ? { faults } : {}) });
  const parity: AwsParity = {
    model,
    denials: sdk.denials,
    allowed: sdk.allowed,
    deployed: (name, handler, { invokedByStateMachine = false } = {}) =>
      asDeployed(name, handler, () => parity.model.functions[name], {
        functionName: `orderflow-${name}`,
        functionArn: localFunctionArn(name),
        ...(invokedByStateMachine ? { faults: () => faults } : {}),
      }),
    stateMachineRole: {
      denyInvoke(functionArn) {
        const decision = evaluate(
          parity.model.stateMachine.statements,
          'lambda:InvokeFunction',
          functionArn,
          names(),
        );
        if (decision === 'allowed') {
          sdk.allowed.add(`state-machine lambda:InvokeFunction`);
          return undefined;
        }
        sdk.denials.push({
          principal: 'state-machine',
          action: 'lambda:InvokeFunction',
          resource: functionArn,
          at: new Date().toISOString(),
        });
        return (
          `User: arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/orderflow-state-machine/states is not authorized ` +
          `to perform: lambda:InvokeFunction on resource: ${functionArn} (Service: Lambda, Status Code: 403)`
        );
      },
      run: (work) => runAs({ name: 'state-machine', statements: parity.model.stateMachine.statements }, work),
    },
    setFaults(next) {
      faults = next;
      sdk.setFaults(next);
    },
    faults: () => faults,
  };
  return parity;
}
