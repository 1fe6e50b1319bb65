import {
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:orderflow';

/**
 * Step Functions mocked with its naming rule: a start under a name already used succeeds again only
 * with the same input (as the real service answers a repeat for a running execution), otherwise it is
 * ExecutionAlreadyExists. `started` counts the distinct executions that came to exist.
 */
export function mockStepFunctions() {
  process.env.STATE_MACHINE_ARN = STATE_MACHINE_ARN;
  const sfn = mockClient(SFNClient);
  const started = new Map<string, string>();
  const install = () => {
    started.clear();
    sfn.on(StartExecutionCommand).callsFake(async (input: { name: string; input: string }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const previous = started.get(input.name);
      if (previous !== undefined && previous !== input.input) {
        throw new ExecutionAlreadyExists({ message: `execution ${input.name} exists`, $metadata: {} });
      }
      started.set(input.name, input.input);
      return {
        executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${input.name}`,
        startDate: new Date(),
      };
    });
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(StopExecutionCommand).resolves({ stopDate: new Date() });
  };
  install();
  return {
    sfn,
    started,
    /** Inputs of the executions started, by name. */
    executions: () => [...started].map(([name, input]) => ({ name, input: JSON.parse(input) as unknown })),
    reset() {
      sfn.reset();
      install();
    },
  };
}
