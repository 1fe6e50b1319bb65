import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { reasonOf } from '../../functions/mark-status/handler.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/services.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../infra/local/stepfunctions/index.js';
import { ManualClock } from '../support/clock.js';

const CHARGE_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:charge';

/** A small workflow touching every kind of Task the engine binds: Lambda, callback, SQS. */
const definition = {
  StartAt: 'Charge',
  States: {
    Charge: {
      Type: 'Task',
      Resource: '${ChargeFunctionArn}',
      Parameters: { 'reference.$': '$.reference' },
      ResultPath: '$.charge',
      Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 5, MaxAttempts: 3 }],
      Catch: [{ ErrorEquals: ['Declined'], ResultPath: '$.error', Next: 'Declined' }],
      Next: 'Approve',
    },
    Declined: { Type: 'Succeed' },
    Approve: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: '${AskFunctionArn}',
        Payload: {
          'name.$': '$$.Execution.Name',
          'token.$': '$$.Task.Token',
          'seconds.$': '$.Payload.seconds',
        },
      },
      // Resolves against the state input on AWS and against Parameters in the library, as in the real ASL.
      TimeoutSecondsPath: '$.Payload.seconds',
      HeartbeatSeconds: 30,
      ResultPath: '$.approval',
      Catch: [
        { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Expired' },
        { ErrorEquals: ['Rejected'], ResultPath: '$.error', Next: 'Rejected' },
      ],
      Next: 'Notify',
    },
    Expired: { Type: 'Succeed' },
    Rejected: { Type: 'Fail', Error: 'Rejected', Cause: 'the approver said no' },
    Notify: {
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage',
      Parameters: {
        'QueueUrl.$': '$.queueUrl',
        MessageBody: { 'reference.$': '$.reference', 'approval.$': '$.approval' },
      },
      ResultPath: '$.notified',
      Catch: [{ ErrorEquals: ['SQS.AmazonSQSException'], ResultPath: '$.error', Next: 'NotifyFailed' }],
      Next: 'Pause',
    },
    NotifyFailed: { Type: 'Succeed' },
    Pause: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

class Declined extends Error {
  override name = 'Declined';
}
class Flaky extends Error {
  override name = 'Flaky';
}

const tokens = new Map<string, string[]>();
/** Callback deadlines and heartbeats are reached by moving this clock, not by waiting. */
const clock = new ManualClock();
const attempts = new Map<string, number>();
let local: LocalStepFunctions;
let sfn: SFNClient;
let sqs: SQSClient;
let queueUrl: string;

async function tokenFor(name: string, index = 0): Promise<string> {
  for (let tries = 0; tries < 500; tries++) {
    const token = tokens.get(name)?.[index];
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no task token issued for ${name}`);
}

async function start(name: string, input: Record<string, unknown>) {
  return sfn.send(
    new StartExecutionCommand({
      stateMachineArn: local.stateMachineArn,
      name,
      input: JSON.stringify({ queueUrl, Payload: { seconds: 60 }, ...input }),
    }),
  );
}

const describeExecution = (executionArn: string) => sfn.send(new DescribeExecutionCommand({ executionArn }));
const historyOf = async (executionArn: string) =>
  (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];

beforeAll(async () => {
  sqs = new SQSClient({
    endpoint: inject('sqsEndpoint'),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `approvals-${Date.now()}` }))).QueueUrl!;
  local = await startLocalStepFunctions({
    definition: JSON.stringify(definition),
    substitutions: { ChargeFunctionArn: CHARGE_ARN, AskFunctionArn: 'ask' },
    stateMachineName: 'protocol',
    handlers: {
      [CHARGE_ARN]: async (event) => {
        const { reference } = event as { reference: string };
        const attempt = (attempts.get(reference) ?? 0) + 1;
        attempts.set(reference, attempt);
        if (reference.startsWith('decline')) throw new Declined(`card ${reference} was declined`);
        if (reference.startsWith('flaky') && attempt < 3) throw new Flaky('try again');
        return { charged: reference, attempt };
      },
      ask: async (event) => {
        const { name, token } = event as { name: string; token: string };
        tokens.set(name, [...(tokens.get(name) ?? []), token]);
        return { asked: true };
      },
    },
    sqsEndpoint: inject('sqsEndpoint'),
    overrides: { retryIntervalOverrides: { Charge: 0 }, waitTimeOverrides: { Pause: 0 } },
    clock,
  });
  sfn = new SFNClient({ endpoint: local.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  sfn?.destroy();
  sqs?.destroy();
  await local?.stop();
});

describe('the local Step Functions API through @aws-sdk/client-sfn', () => {
  it('starts, runs to the end and describes an execution', async () => {
    const { executionArn, startDate } = await start('happy', { reference: 'ok-1' });
    expect(executionArn).toBe(local.stateMachineArn.replace(':stateMachine:', ':execution:') + ':happy');
    expect(startDate).toBeInstanceOf(Date);

    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: await tokenFor('happy'), output: '{"approvedBy":"ada"}' }),
    );
    await local.engine.awaitExecution('happy', 10_000);

    const described = await describeExecution(executionArn!);
    expect(described).toMatchObject({
      status: 'SUCCEEDED',
      name: 'happy',
      stateMachineArn: local.stateMachineArn,
    });
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(startDate!.getTime());
    const output = JSON.parse(described.output!) as Record<string, unknown>;
    expect(output).toMatchObject({ charge: { charged: 'ok-1' }, approval: { approvedBy: 'ada' } });
    expect(output.notified).toMatchObject({ MessageId: expect.any(String) });
    expect(local.engine.statesEntered('happy')).toEqual(['Charge', 'Approve', 'Notify', 'Pause', 'Done']);
    expect(local.engine.stateEnteredCount('happy')).toBe(5);
  });

  it('dedupes a start by name: same input while running is the same execution, anything else conflicts', async () => {
    const first = await start('dedupe', { reference: 'ok-2' });
    const again = await start('dedupe', { reference: 'ok-2' });
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    await expect(start('dedupe', { reference: 'other' })).rejects.toBeInstanceOf(ExecutionAlreadyExists);

    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenFor('dedupe'), output: '{}' }));
    await local.engine.awaitExecution('dedupe', 10_000);
    // Closed: even the same input is a conflict now, as on AWS.
    await expect(start('dedupe', { reference: 'ok-2' })).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    expect(tokens.get('dedupe')).toHaveLength(1);
  });

  it('lists executions newest first, filtered by status', async () => {
    await start('listed-running', { reference: 'ok-3' });
    await tokenFor('listed-running');

    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: local.stateMachineArn, statusFilter: 'RUNNING' }),
    );
    expect(running.executions!.map((e) => e.name)).toContain('listed-running');
    expect(running.executions!.every((e) => e.status === 'RUNNING')).toBe(true);
    const succeeded = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: local.stateMachineArn, statusFilter: 'SUCCEEDED' }),
    );
    expect(succeeded.executions!.map((e) => e.name)).toEqual(expect.arrayContaining(['happy', 'dedupe']));
    const paged = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: local.stateMachineArn, maxResults: 1 }),
    );
    expect(paged.executions).toHaveLength(1);
    expect(paged.nextToken).toBeDefined();
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: `${local.stateMachineArn}-nope` })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    const machine = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: local.stateMachineArn }),
    );
    expect(machine).toMatchObject({ name: 'protocol', status: 'ACTIVE', type: 'STANDARD' });
  });

  it('records an AWS-shaped history, retries included', async () => {
    const { executionArn } = await start('history', { reference: 'flaky-1' });
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: await tokenFor('history'), output: '{"ok":true}' }),
    );
    await local.engine.awaitExecution('history', 10_000);

    const events = await historyOf(executionArn!);
    expect(events.map((e) => e.id)).toEqual(events.map((_, index) => index + 1));
    expect(events.every((e) => e.timestamp instanceof Date)).toBe(true);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      ...['LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed'],
      ...['LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionFailed'],
      ...['LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded'],
      'TaskStateExited',
      'TaskStateEntered',
      ...['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded'],
      'TaskStateExited',
      'TaskStateEntered',
      ...['TaskScheduled', 'TaskStarted', 'TaskSucceeded'],
      'TaskStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events[0]!.executionStartedEventDetails?.input).toContain('flaky-1');
    expect(events[1]!.stateEnteredEventDetails).toMatchObject({ name: 'Charge' });
    expect(events[4]!.lambdaFunctionFailedEventDetails).toMatchObject({ error: 'Flaky' });
    const scheduled = events.find((e) => e.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    expect(scheduled).toMatchObject({ resourceType: 'lambda', resource: 'invoke.waitForTaskToken' });
    expect(JSON.parse(scheduled.parameters!)).toMatchObject({
      Payload: { token: await tokenFor('history') },
    });
    expect(events.at(-1)!.executionSucceededEventDetails?.output).toContain('"ok":true');

    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }),
    );
    expect(reversed.events!.map((e) => e.type)).toEqual(['ExecutionSucceeded', 'SucceedStateExited']);
    expect(reversed.nextToken).toBeDefined();
  });

  it('reports a Lambda error as AWS does: Error is its name, Cause the runtime JSON', async () => {
    const { executionArn } = await start('declined', { reference: 'decline-1' });
    const done = await local.engine.awaitExecution('declined', 10_000);

    expect(done.status).toBe('SUCCEEDED');
    const { error } = JSON.parse(done.output!) as { error: { Error: string; Cause: string } };
    expect(error.Error).toBe('Declined');
    expect(JSON.parse(error.Cause)).toMatchObject({
      errorType: 'Declined',
      errorMessage: 'card decline-1 was declined',
    });
    // mark-status reads the reason out of that Cause.
    expect(reasonOf(error)).toBe('card decline-1 was declined');
    const events = await historyOf(executionArn!);
    const exited = events.find((e) => e.type === 'TaskStateExited')!.stateExitedEventDetails!;
    expect(exited).toMatchObject({ name: 'Charge' });
    expect(JSON.parse(exited.output!)).toMatchObject({ error: { Error: 'Declined' } });
  });

  it('sends a task failure into the state, where Catch routes it; an uncaught Fail fails the execution', async () => {
    await start('rejected', { reference: 'ok-4' });
    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: await tokenFor('rejected'),
        error: 'Rejected',
        cause: 'too big',
      }),
    );
    const done = await local.engine.awaitExecution('rejected', 10_000);

    expect(done).toMatchObject({ status: 'FAILED', error: 'Rejected', cause: 'the approver said no' });
    const events = await historyOf(done.executionArn);
    expect(events.find((e) => e.type === 'TaskFailed')!.taskFailedEventDetails).toMatchObject({
      error: 'Rejected',
      cause: 'too big',
    });
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'Rejected' },
    });
  });

  it('answers token calls as AWS does: heartbeat, unknown, malformed, used and timed-out tokens', async () => {
    await start('tokens', { reference: 'ok-5' });
    const token = await tokenFor('tokens');
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'not-a-token' }))).rejects.toBeInstanceOf(
      InvalidToken,
    );
    const forged = `AQ${'A'.repeat(43)}`;
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: forged, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }));
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    await local.engine.awaitExecution('tokens', 10_000);
  });

  it('fires the callback timeout into the state Catch, and a late token gets TaskTimedOut', async () => {
    const { executionArn } = await start('expires', { reference: 'ok-6', Payload: { seconds: 1 } });
    const token = await tokenFor('expires');
    await clock.advance(999);
    expect((await describeExecution(executionArn!)).status).toBe('RUNNING');
    await clock.advance(1);
    const done = await local.engine.awaitExecution('expires', 10_000);

    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ error: { Error: 'States.Timeout' } });
    expect(local.engine.statesEntered('expires')).toEqual(['Charge', 'Approve', 'Expired']);
    const types = (await historyOf(executionArn!)).map((e) => e.type);
    expect(types).toContain('TaskTimedOut');
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('stops a running execution: ABORTED with the cause, its token gone; a stop on a closed one changes nothing', async () => {
    const { executionArn } = await start('stopped', { reference: 'ok-7' });
    const token = await tokenFor('stopped');
    const { stopDate } = await sfn.send(
      new StopExecutionCommand({ executionArn, error: 'OrderCancelled', cause: 'by the seller' }),
    );

    expect(stopDate).toBeInstanceOf(Date);
    expect(await describeExecution(executionArn!)).toMatchObject({
      status: 'ABORTED',
      error: 'OrderCancelled',
      cause: 'by the seller',
    });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toBeInstanceOf(TaskDoesNotExist);
    const again = await sfn.send(new StopExecutionCommand({ executionArn }));
    expect(again.stopDate).toEqual(stopDate);
    expect((await historyOf(executionArn!)).at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'OrderCancelled', cause: 'by the seller' },
    });
    await expect(
      sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArn!.replace(':stopped', ':never-started') }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });

  it('sends an SQS message the emulator delivers, the body an object sent as JSON', async () => {
    await start('notify', { reference: 'ok-8' });
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: await tokenFor('notify'), output: '{"by":"grace"}' }),
    );
    await local.engine.awaitExecution('notify', 10_000);

    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const bodies = Messages.map((message) => JSON.parse(message.Body!) as { reference: string });
    expect(bodies).toContainEqual({ reference: 'ok-8', approval: { by: 'grace' } });
  });

  it('names an SQS service error SQS.AmazonSQSException, as a Catch expects', async () => {
    await start('no-queue', { reference: 'ok-9', queueUrl: `${queueUrl}-missing` });
    await sfn.send(new SendTaskSuccessCommand({ taskToken: await tokenFor('no-queue'), output: '{}' }));
    const done = await local.engine.awaitExecution('no-queue', 10_000);

    expect(local.engine.statesEntered('no-queue').at(-1)).toBe('NotifyFailed');
    expect(JSON.parse(done.output!)).toMatchObject({ error: { Error: 'SQS.AmazonSQSException' } });
  });
});

describe('task timeouts and the lambda:invoke integration, on the engine directly', () => {
  const slowDefinition = {
    StartAt: 'Invoke',
    States: {
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'quick', 'Payload.$': '$' },
        ResultSelector: { 'value.$': '$.Payload.value', 'status.$': '$.StatusCode' },
        ResultPath: '$.invoked',
        Next: 'Slow',
      },
      Slow: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:slow',
        TimeoutSeconds: 1,
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.slow', Next: 'Beat' }],
        Next: 'Beat',
      },
      Beat: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: 'ask', Payload: { 'token.$': '$$.Task.Token' } },
        TimeoutSeconds: 30,
        HeartbeatSeconds: 1,
        ResultPath: '$.beat',
        Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.beat', Next: 'Done' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    },
  };

  it('times out a slow Lambda and a callback whose heartbeats stop, each into its Catch', async () => {
    const clock = new ManualClock();
    let slowStarted = false;
    let token: string | undefined;
    const engineOnly = await startLocalStepFunctions({
      definition: JSON.stringify(slowDefinition),
      stateMachineName: 'timeouts',
      port: false,
      clock,
      handlers: {
        quick: async (event) => ({ value: (event as { n: number }).n * 2 }),
        slow: async () => {
          slowStarted = true;
          await clock.sleep(1_500);
          return { late: true };
        },
        ask: async (event) => {
          token = (event as { token: string }).token;
          return {};
        },
      },
    });
    try {
      engineOnly.engine.startExecution({ name: 'slow', input: '{"n":21}' });
      await vi.waitFor(() => expect(slowStarted).toBe(true), { timeout: 5_000 });
      await clock.advance(1_000);
      const beat = await vi.waitFor(() => token ?? Promise.reject(new Error('no token yet')), {
        timeout: 5_000,
      });
      await clock.advance(600);
      engineOnly.engine.sendTaskHeartbeat(beat);
      // Without that heartbeat the state would have timed out at 1 s; with it, it times out at 1.6 s.
      await clock.advance(900);
      expect(engineOnly.engine.describeExecution('slow').status).toBe('RUNNING');
      await clock.advance(100);
      const done = await engineOnly.engine.awaitExecution('slow', 10_000);

      expect(JSON.parse(done.output!)).toMatchObject({
        invoked: { value: 42, status: 200 },
        slow: { Error: 'States.Timeout' },
        beat: { Error: 'States.HeartbeatTimeout' },
      });
      const types = engineOnly.engine.history('slow').map((event) => event.type);
      expect(types).toContain('LambdaFunctionTimedOut');
      expect(types).not.toContain('LambdaFunctionSucceeded');
      expect(types.filter((type) => type === 'TaskTimedOut')).toHaveLength(1);
    } finally {
      await engineOnly.stop();
    }
  });

  it('runs at most maxConcurrentInvocations functions at once, and a task waiting for a worker does not time out', async () => {
    const clock = new ManualClock();
    let started = 0;
    let running = 0;
    let most = 0;
    const oneWorker = await startLocalStepFunctions({
      definition: JSON.stringify({
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:000000000000:function:work',
            TimeoutSeconds: 1,
            End: true,
          },
        },
      }),
      stateMachineName: 'workers',
      port: false,
      maxConcurrentInvocations: 1,
      clock,
      handlers: {
        work: async () => {
          started++;
          most = Math.max(most, ++running);
          await clock.sleep(400);
          running--;
          return { ok: true };
        },
      },
    });
    try {
      const names = ['w1', 'w2', 'w3', 'w4'];
      for (const name of names) oneWorker.engine.startExecution({ name, input: '{}' });
      // Each run takes 400 ms: the last one waits 1.2 s for the worker, longer than the state's 1 s timeout.
      for (let run = 1; run <= names.length; run++) {
        await vi.waitFor(() => expect(started).toBe(run), { timeout: 5_000 });
        await clock.advance(400);
      }
      const done = await Promise.all(names.map((name) => oneWorker.engine.awaitExecution(name, 10_000)));

      expect(done.map((execution) => execution.status)).toEqual(names.map(() => 'SUCCEEDED'));
      expect(most).toBe(1);
    } finally {
      await oneWorker.stop();
    }
  });
});
