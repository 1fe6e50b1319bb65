import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidToken,
  ListActivitiesCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  paginateGetExecutionHistory,
  paginateListExecutions,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/services.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../infra/local/stepfunctions/index.js';

/** No tasks: every execution ends as soon as it starts, in SUCCEEDED or FAILED as its input says. */
const definition = {
  Comment: 'read calls',
  StartAt: 'Greet',
  States: {
    Greet: { Type: 'Pass', Result: '${Greeting}', ResultPath: '$.greeting', Next: 'Route' },
    Route: {
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.fail', IsPresent: true },
            { Variable: '$.fail', BooleanEquals: true },
          ],
          Next: 'Broken',
        },
      ],
      Default: 'Done',
    },
    Broken: { Type: 'Fail', Error: 'Broken', Cause: 'asked to fail' },
    Done: { Type: 'Succeed' },
  },
};

let local: LocalStepFunctions;
let sfn: SFNClient;
const arnOf = (name: string) => `${local.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

async function run(name: string, input: Record<string, unknown> = {}): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: local.stateMachineArn, name, input: JSON.stringify(input) }),
  );
  await local.engine.awaitExecution(name, 10_000);
  return executionArn!;
}

/** Names across every page the SDK's paginator fetches, and how many pages it took. */
async function allExecutionNames(pageSize: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let pages = 0;
  for await (const page of paginateListExecutions(
    { client: sfn, pageSize },
    { stateMachineArn: local.stateMachineArn },
  )) {
    pages++;
    names.push(...page.executions!.map((execution) => execution.name!));
  }
  return { names, pages };
}

beforeAll(async () => {
  local = await startLocalStepFunctions({
    definition: JSON.stringify(definition),
    substitutions: { Greeting: 'hello from the bound definition' },
    stateMachineName: 'readapi',
  });
  sfn = new SFNClient({ endpoint: local.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  for (let index = 1; index <= 5; index++) await run(`ok-${index}`, { index });
  await run('broken', { fail: true });
});

afterAll(async () => {
  sfn?.destroy();
  await local?.stop();
});

describe('the read calls tools inspect a workflow with, through @aws-sdk/client-sfn', () => {
  it('ListStateMachines lists the one state machine, in pages, and refuses a token it did not issue', async () => {
    const { stateMachines, nextToken } = await sfn.send(new ListStateMachinesCommand({}));

    expect(stateMachines).toEqual([
      {
        stateMachineArn: local.stateMachineArn,
        name: 'readapi',
        type: 'STANDARD',
        creationDate: expect.any(Date),
      },
    ]);
    expect(nextToken).toBeUndefined();
    const onePerPage = await sfn.send(new ListStateMachinesCommand({ maxResults: 1 }));
    expect(onePerPage.stateMachines).toHaveLength(1);
    expect(onePerPage.nextToken).toBeUndefined();
    await expect(sfn.send(new ListStateMachinesCommand({ nextToken: 'not-a-token' }))).rejects.toBeInstanceOf(
      InvalidToken,
    );
  });

  it('DescribeStateMachine answers the bound definition and the fields AWS requires', async () => {
    const machine = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: local.stateMachineArn }),
    );

    expect(machine).toMatchObject({
      stateMachineArn: local.stateMachineArn,
      name: 'readapi',
      status: 'ACTIVE',
      type: 'STANDARD',
      roleArn: expect.stringMatching(/^arn:aws:iam::\d{12}:role\/.+/),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
      revisionId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
    });
    const bound = JSON.parse(machine.definition!) as typeof definition;
    expect(bound.States.Greet.Result).toBe('hello from the bound definition');
    expect(bound.States.Route).toEqual(definition.States.Route);
    // The state machine exists before its first execution started.
    const first = await sfn.send(new DescribeExecutionCommand({ executionArn: arnOf('ok-1') }));
    expect(machine.creationDate!.getTime()).toBeLessThanOrEqual(first.startDate!.getTime());
  });

  it('DescribeStateMachine tells an unknown state machine from a malformed ARN', async () => {
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${local.stateMachineArn}-nope` })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(
      sfn.send(new DescribeStateMachineCommand({ stateMachineArn: 'readapi' })),
    ).rejects.toBeInstanceOf(InvalidArn);
  });

  it('ListExecutions pages newest first through every execution, each once', async () => {
    const { executions } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: local.stateMachineArn, maxResults: 1000 }),
    );
    const starts = executions!.map((execution) => execution.startDate!.getTime());
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    expect(executions!.find((execution) => execution.name === 'broken')).toEqual({
      executionArn: arnOf('broken'),
      stateMachineArn: local.stateMachineArn,
      name: 'broken',
      status: 'FAILED',
      startDate: expect.any(Date),
      stopDate: expect.any(Date),
    });

    const paged = await allExecutionNames(2);

    expect(paged.names).toEqual(executions!.map((execution) => execution.name));
    expect(paged.pages).toBe(Math.ceil(executions!.length / 2));
  });

  it('ListExecutions continues after the last item it sent, even when an execution starts between pages', async () => {
    const first = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: local.stateMachineArn, maxResults: 2 }),
    );
    await run('between-pages');
    const second = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: local.stateMachineArn,
        maxResults: 2,
        nextToken: first.nextToken!,
      }),
    );

    const seen = [...first.executions!, ...second.executions!].map((execution) => execution.name);
    expect(new Set(seen).size).toBe(4);
    expect(seen).not.toContain('between-pages');
  });

  it('ListExecutions filters by status and answers AWS errors for bad arguments', async () => {
    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: local.stateMachineArn, statusFilter: 'FAILED' }),
    );
    expect(failed.executions!.map((execution) => execution.name)).toEqual(['broken']);
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: `${local.stateMachineArn}-nope` })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: 'arn:aws:states:nowhere' })),
    ).rejects.toBeInstanceOf(InvalidArn);
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: local.stateMachineArn, nextToken: 'bogus' })),
    ).rejects.toBeInstanceOf(InvalidToken);
    await expect(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: local.stateMachineArn, maxResults: 1001 })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('DescribeExecution answers a succeeded and a failed execution in AWS shape', async () => {
    const succeeded = await sfn.send(new DescribeExecutionCommand({ executionArn: arnOf('ok-2') }));
    const failed = await sfn.send(new DescribeExecutionCommand({ executionArn: arnOf('broken') }));

    expect(succeeded).toMatchObject({
      executionArn: arnOf('ok-2'),
      stateMachineArn: local.stateMachineArn,
      name: 'ok-2',
      status: 'SUCCEEDED',
      input: '{"index":2}',
      inputDetails: { included: true },
      outputDetails: { included: true },
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    });
    expect(JSON.parse(succeeded.output!)).toEqual({ index: 2, greeting: 'hello from the bound definition' });
    expect(succeeded.stopDate!.getTime()).toBeGreaterThanOrEqual(succeeded.startDate!.getTime());
    expect(failed).toMatchObject({ status: 'FAILED', error: 'Broken', cause: 'asked to fail' });
    expect(failed.output).toBeUndefined();
  });

  it('DescribeExecution leaves the data out when asked for METADATA_ONLY', async () => {
    const described = await sfn.send(
      new DescribeExecutionCommand({ executionArn: arnOf('ok-2'), includedData: 'METADATA_ONLY' }),
    );

    expect(described).toMatchObject({ status: 'SUCCEEDED', inputDetails: { included: false } });
    expect(described.input).toBeUndefined();
    expect(described.output).toBeUndefined();
  });

  it('GetExecutionHistory pages through the same events forwards and in reverse', async () => {
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arnOf('ok-3') }));
    const paged: HistoryEvent[] = [];
    for await (const page of paginateGetExecutionHistory(
      { client: sfn, pageSize: 2 },
      { executionArn: arnOf('ok-3') },
    )) {
      paged.push(...page.events!);
    }
    const reversed = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arnOf('ok-3'), reverseOrder: true, maxResults: 3 }),
    );

    expect(events!.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events![0]).toMatchObject({ id: 1, previousEventId: 0, timestamp: expect.any(Date) });
    expect(paged).toEqual(events);
    expect(reversed.events!.map((event) => event.id)).toEqual([8, 7, 6]);
    expect(reversed.nextToken).toBeDefined();
  });

  it('GetExecutionHistory leaves payloads out when includeExecutionData is false', async () => {
    const { events } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arnOf('ok-3'), includeExecutionData: false }),
    );

    expect(events![0]!.executionStartedEventDetails).toEqual({
      inputDetails: { truncated: false },
      roleArn: expect.any(String),
    });
  });

  it('DescribeStateMachineForExecution answers the definition the execution runs', async () => {
    const machine = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: local.stateMachineArn }),
    );
    const forExecution = await sfn.send(
      new DescribeStateMachineForExecutionCommand({ executionArn: arnOf('ok-4') }),
    );

    expect(forExecution).toMatchObject({
      stateMachineArn: local.stateMachineArn,
      name: 'readapi',
      definition: machine.definition,
      roleArn: machine.roleArn,
      revisionId: machine.revisionId,
      loggingConfiguration: machine.loggingConfiguration,
      updateDate: expect.any(Date),
    });
  });

  it('the execution calls answer ExecutionDoesNotExist for an unknown ARN and InvalidArn for a malformed one', async () => {
    const unknown = arnOf('never-started');
    for (const call of [
      () => sfn.send(new DescribeExecutionCommand({ executionArn: unknown })),
      () => sfn.send(new GetExecutionHistoryCommand({ executionArn: unknown })),
      () => sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: unknown })),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    }
    for (const call of [
      () => sfn.send(new DescribeExecutionCommand({ executionArn: 'ok-1' })),
      () => sfn.send(new GetExecutionHistoryCommand({ executionArn: 'ok-1' })),
      () => sfn.send(new DescribeStateMachineForExecutionCommand({ executionArn: 'arn:aws:states:x' })),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(InvalidArn);
    }
  });

  it('an operation it does not implement answers UnknownOperationException', async () => {
    const error = await sfn.send(new ListActivitiesCommand({})).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SFNServiceException);
    expect(error).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 400 } });
  });
});
