/**
 * Errors the Step Functions API answers with. `code` is the `__type` the SDK maps to its exception
 * classes (ExecutionAlreadyExists, TaskDoesNotExist, ...), so a client cannot tell this from AWS.
 */
export class StepFunctionsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export const apiError = {
  executionAlreadyExists: (arn: string) =>
    new StepFunctionsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`),
  executionDoesNotExist: (arn: string) =>
    new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`),
  stateMachineDoesNotExist: (arn: string) =>
    new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`),
  invalidArn: (arn: unknown) => new StepFunctionsApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`),
  invalidName: (name: string) => new StepFunctionsApiError('InvalidName', `Invalid Name: '${name}'`),
  invalidExecutionInput: (why: string) =>
    new StepFunctionsApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${why}'`),
  invalidOutput: (why: string) => new StepFunctionsApiError('InvalidOutput', `Invalid Output: '${why}'`),
  invalidToken: () => new StepFunctionsApiError('InvalidToken', 'Invalid Token'),
  /** A nextToken this endpoint did not issue: AWS answers those with InvalidToken too. */
  invalidPageToken: (token: string) =>
    new StepFunctionsApiError('InvalidToken', `Invalid Token: '${token}' is not a pagination token`),
  taskDoesNotExist: () => new StepFunctionsApiError('TaskDoesNotExist', 'Task Does Not Exist'),
  taskTimedOut: () => new StepFunctionsApiError('TaskTimedOut', 'Task Timed Out'),
  missingParameter: (name: string) =>
    new StepFunctionsApiError('MissingRequiredParameter', `Missing required parameter: '${name}'`),
  validation: (message: string) => new StepFunctionsApiError('ValidationException', message),
  unknownOperation: (target: string) =>
    new StepFunctionsApiError('UnknownOperationException', `Unknown operation: ${target}`),
} as const;

/**
 * An error thrown into a running state that must end it, not be retried or caught: the library reads
 * these two flags before matching Retry and Catch.
 */
export class ExecutionInterrupted extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(reason: string) {
    super(reason);
    this.name = 'States.Runtime';
  }
}

/** An error raised inside a Task, shaped the way Step Functions reports it (`Error` / `Cause`). */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}
