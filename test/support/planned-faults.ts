import type { AwsFaults } from '../../infra/local/aws/index.js';
import type { InjectedFault } from '../../infra/local/aws/faults.js';
import type { StepFunctionsEngine } from '../../infra/local/stepfunctions/index.js';

/** Which attempts of one state of one order's execution fail, and how. */
export interface PlannedFault {
  orderId: string;
  /** The Task state whose attempts fail. */
  state: string;
  /** How many attempts fail, from the first of each visit to the state; Infinity for all of them. */
  attempts: number;
  /**
   * `service`: every AWS call made for the order during the attempt (the function's DynamoDB calls, the
   * state's SQS send) answers a 500, through all the SDK's retries, as a service in trouble does.
   * `throttle`: Lambda throttles the invocation (Lambda.TooManyRequestsException).
   */
  kind: 'service' | 'throttle';
}

/** What the service answers: its own 500, as the SDK deserializes it. */
function serverError(target: string): InjectedFault {
  const message = { message: 'We encountered an internal error. Please try again. (planned by the test)' };
  return target.startsWith('DynamoDB_')
    ? { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', body: message }
    : { status: 500, type: 'InternalError', body: message };
}

/**
 * The parity layer's fault hooks, answering on a plan instead of at random: a fault fails the attempts
 * it names and no other call, so a test knows which Retry or Catch rule it reaches. The state and the
 * attempt are read from the execution's history, as they are when the call is made. Throttles are told
 * apart by state only: plan one at a time for a given state.
 */
export function plannedFaults(engine: StepFunctionsEngine): AwsFaults & { plan(fault: PlannedFault): void } {
  const planned: PlannedFault[] = [];
  const injected: Record<string, number> = {};
  const count = (name: string) => (injected[name] = (injected[name] ?? 0) + 1);
  /** Whether the order's execution is in this attempt of `fault.state` now. */
  const due = (fault: PlannedFault): boolean => {
    if (!engine.running().includes(fault.orderId)) return false;
    const history = engine.history(fault.orderId);
    const entry = history.findLastIndex((event) => event.type.endsWith('StateEntered'));
    const name = (history[entry]?.stateEnteredEventDetails as { name?: string } | undefined)?.name;
    if (name !== fault.state) return false;
    const attempt = history
      .slice(entry)
      .filter((event) => event.type === 'LambdaFunctionScheduled' || event.type === 'TaskScheduled').length;
    return attempt >= 1 && attempt <= fault.attempts;
  };
  return {
    injected,
    plan(fault) {
      planned.push(fault);
    },
    next(target, body) {
      const text = JSON.stringify(body);
      const fault = planned.find((f) => f.kind === 'service' && text.includes(f.orderId) && due(f));
      if (!fault) return undefined;
      count(`${fault.state} ${target}`);
      return serverError(target);
    },
    throttleInvocation() {
      const fault = planned.find((f) => f.kind === 'throttle' && due(f));
      if (!fault) return false;
      count(`${fault.state} Lambda.TooManyRequestsException`);
      return true;
    },
  };
}
