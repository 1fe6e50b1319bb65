import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';

const raw = readFileSync(
  new URL('../../workflows/order-fulfillment/statemachine.asl.json', import.meta.url),
  'utf8',
);
const placeholders = [...new Set([...raw.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]!))];
const bound = raw.replace(/\$\{(\w+)\}/g, (_, name: string) =>
  name.endsWith('Url')
    ? `https://sqs.us-east-1.amazonaws.com/123456789012/${name}`
    : `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
);
const definition = JSON.parse(bound);
type State = {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  Retry?: {
    ErrorEquals: string[];
    MaxDelaySeconds?: number;
    JitterStrategy?: string;
    MaxAttempts?: number;
  }[];
};
const states = definition.States as Record<string, State>;
const taskStates = Object.entries(states).filter(([, state]) => state.Type === 'Task');

/** Stub outputs for every task: enough to drive each path through the real definition. */
type Scenario = {
  fail?: Record<string, { error: string; times: number }>;
  resumeAt?: string;
};

function stubTasks(scenario: Scenario) {
  const calls = new Map<string, number>();
  const outputs: Record<string, unknown> = {
    ReserveStock: { hold: false },
    GenerateLabel: {
      status: 'SHIPPED',
      nextPollAt: new Date(Date.now() - 1000).toISOString(),
      wait: { Payload: { orderId: 'ord_1', timeoutSeconds: 60 } },
    },
    // What the tracking webhook sends back with the token.
    AwaitDelivery: { status: 'DELIVERED' },
    PollDelivery: { status: 'DELIVERED' },
  };
  return Object.fromEntries(
    taskStates.map(([name]) => [
      name,
      async () => {
        const count = (calls.get(name) ?? 0) + 1;
        calls.set(name, count);
        const fault = scenario.fail?.[name];
        if (fault && count <= fault.times) {
          const error = new Error(JSON.stringify({ errorType: fault.error, errorMessage: 'forced by test' }));
          error.name = fault.error;
          throw error;
        }
        return (outputs[name] ?? { status: 'ok' }) as never;
      },
    ]),
  );
}

/** The library's event log entries, as far as these tests read them. */
type EventLog = { type: string; state?: { name: string } };

async function run(scenario: Scenario) {
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(
    {
      orderId: 'ord_1',
      sellerId: 'demo',
      attempt: 1,
      ...(scenario.resumeAt ? { resumeAt: scenario.resumeAt } : {}),
      paymentWait: { Payload: { orderId: 'ord_1', timeoutSeconds: 60 } },
    },
    {
      overrides: {
        taskResourceLocalHandlers: stubTasks(scenario),
        retryIntervalOverrides: Object.fromEntries(taskStates.map(([name]) => [name, 0])),
        waitTimeOverrides: { WaitForDelivery: 0 },
      },
      context: { Task: { Token: 'token' } },
    },
  );
  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event as EventLog);
  })();
  const output = await execution.result;
  await collecting;
  const entered = events.flatMap((event) =>
    event.type === 'StateEntered' && event.state ? [event.state.name] : [],
  );
  return { output, events, entered };
}

/** Faults on the way to the payment wait, for the paths below. */
const REACH: Record<string, Scenario> = {
  AwaitPayment: { fail: { VerifyPayment: { error: 'PaymentPending', times: 1 } } },
  ExpirePaymentWait: {
    fail: {
      VerifyPayment: { error: 'PaymentPending', times: 1 },
      AwaitPayment: { error: 'States.Timeout', times: 99 },
    },
  },
};

describe('the order-fulfillment state machine definition', () => {
  it('is accepted by asl-validator once its placeholders are bound', () => {
    const { isValid, errorsText } = aslValidator(definition);

    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
    expect(placeholders.sort()).toEqual([
      'AwaitDeliveryFunctionArn',
      'AwaitPaymentFunctionArn',
      'AwaitReleaseFunctionArn',
      'GenerateLabelFunctionArn',
      'MarkStatusFunctionArn',
      'PollDeliveryFunctionArn',
      'ReleaseDlqUrl',
      'ReleaseOrderFunctionArn',
      'ReserveStockFunctionArn',
      'VerifyPaymentFunctionArn',
    ]);
  });

  it('gives every task a timeout, the callback state included, and every retry a capped, jittered backoff', () => {
    for (const [name, state] of taskStates) {
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath, name).toBeDefined();
      for (const retrier of state.Retry ?? []) {
        expect(retrier.MaxDelaySeconds, name).toBeGreaterThan(0);
        expect(retrier.JitterStrategy, name).toBe('FULL');
        expect(retrier.MaxAttempts, name).toBeGreaterThan(1);
      }
    }
    expect(states.AwaitRelease?.Resource).toMatch(/waitForTaskToken$/);
    expect(states.AwaitPayment?.Resource).toMatch(/waitForTaskToken$/);
    expect(states.AwaitPayment?.TimeoutSecondsPath).toBeDefined();
    expect(states.AwaitDelivery?.Resource).toMatch(/waitForTaskToken$/);
    expect(states.AwaitDelivery?.TimeoutSecondsPath).toBeDefined();
  });

  it('waits for a pending payment, verifies it again when it comes, and delivers', async () => {
    const { entered } = await run(REACH.AwaitPayment!);

    expect(entered.slice(0, 4)).toEqual(['Route', 'VerifyPayment', 'AwaitPayment', 'VerifyPayment']);
    expect(entered.at(-1)).toBe('Delivered');
  });

  it('ends a payment never received in PAYMENT_FAILED when the wait times out', async () => {
    const { entered, output } = await run(REACH.ExpirePaymentWait!);

    expect(entered).toEqual(['Route', 'VerifyPayment', 'AwaitPayment', 'ExpirePaymentWait', 'PaymentFailed']);
    expect(output).toMatchObject({ error: { Error: 'States.Timeout' } });
  });

  it('takes the happy path in 9 state transitions when the carrier pushes the delivery', async () => {
    const { entered, output } = await run({});

    expect(entered).toEqual([
      'Route',
      'VerifyPayment',
      'ReserveStock',
      'HoldGate',
      'ReleaseOrder',
      'GenerateLabel',
      'AwaitDelivery',
      'DeliveryState',
      'Delivered',
    ]);
    expect(output).toMatchObject({ delivery: { status: 'DELIVERED' } });
  });

  it('polls the carrier once the wait for the push times out', async () => {
    const { entered } = await run({ fail: { AwaitDelivery: { error: 'States.Timeout', times: 1 } } });

    expect(entered.slice(5)).toEqual([
      'GenerateLabel',
      'AwaitDelivery',
      'PollDelivery',
      'DeliveryState',
      'Delivered',
    ]);
  });

  it.each([
    ['ReserveStock', 'VerifyPayment'],
    ['ReleaseOrder', 'ReserveStock'],
  ])('resumes a retry at %s without re-running %s', async (resumeAt, skipped) => {
    const { entered } = await run({ resumeAt });

    expect(entered.slice(0, 3)).toEqual(['Route', 'Resume', resumeAt]);
    expect(entered).not.toContain(skipped);
    expect(entered.at(-1)).toBe('Delivered');
  });
});
