import { createHash } from 'node:crypto';
import type { StateMachineDefinition } from './asl.js';
import { apiError } from './errors.js';
import { paginate, type Cursor, type PageRequest } from './pagination.js';

/** The fields DescribeStateMachine and DescribeStateMachineForExecution share. */
export interface StateMachineConfiguration {
  definition: string;
  roleArn: string;
  loggingConfiguration: { level: 'OFF'; includeExecutionData: false };
  tracingConfiguration: { enabled: false };
  revisionId: string;
}

export interface StateMachineListItem {
  stateMachineArn: string;
  name: string;
  type: 'STANDARD';
  creationDate: Date;
}

const STATE_MACHINE_ARN_SHAPE = /^arn:aws[\w-]*:states:[\w-]+:\d{12}:stateMachine:[^:]+(:[^:]+)?$/;

/** The one state machine an engine runs, as ListStateMachines and the Describe calls answer for it. */
export class StateMachineDescription {
  readonly name: string;
  /** When the engine loaded the definition: the state machine's last update, as far as a client can tell. */
  private readonly openedAt: number;
  private readonly revisionId: string;

  constructor(
    readonly arn: string,
    private readonly definition: StateMachineDefinition,
    private readonly roleArn: string,
    /** The oldest execution's start, so the state machine is never younger than its executions. */
    private readonly earliestStart: () => number,
    now: number,
  ) {
    this.openedAt = now;
    this.name = arn.split(':').at(-1)!;
    this.revisionId = uuidFrom(
      createHash('sha256').update(JSON.stringify(definition)).update(roleArn).digest(),
    );
  }

  list(request: PageRequest): { stateMachines: StateMachineListItem[]; nextToken?: string } {
    const { page, nextToken } = paginate([this.item()], request, byName);
    return { stateMachines: page, ...(nextToken ? { nextToken } : {}) };
  }

  describe(stateMachineArn: string): StateMachineListItem & StateMachineConfiguration & { status: 'ACTIVE' } {
    this.assertArn(stateMachineArn);
    return { ...this.item(), status: 'ACTIVE', ...this.configuration() };
  }

  /**
   * The definition an execution runs. Locally that is always the one loaded at this start: an execution
   * resumed after a restart carries on with it, so `updateDate` is this start.
   */
  forExecution(): Omit<StateMachineListItem, 'type' | 'creationDate'> &
    StateMachineConfiguration & { updateDate: Date } {
    return {
      stateMachineArn: this.arn,
      name: this.name,
      ...this.configuration(),
      updateDate: new Date(this.openedAt),
    };
  }

  /** A malformed ARN is InvalidArn; a well-formed one of another state machine, StateMachineDoesNotExist. */
  assertArn(stateMachineArn: string): void {
    if (typeof stateMachineArn !== 'string' || !STATE_MACHINE_ARN_SHAPE.test(stateMachineArn)) {
      throw apiError.invalidArn(stateMachineArn);
    }
    if (stateMachineArn !== this.arn) throw apiError.stateMachineDoesNotExist(stateMachineArn);
  }

  private item(): StateMachineListItem {
    return {
      stateMachineArn: this.arn,
      name: this.name,
      type: 'STANDARD',
      creationDate: new Date(Math.min(this.openedAt, this.earliestStart())),
    };
  }

  private configuration(): StateMachineConfiguration {
    return {
      definition: JSON.stringify(this.definition),
      roleArn: this.roleArn,
      // Nothing goes to CloudWatch Logs or X-Ray here: what AWS answers for a machine without either.
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
      revisionId: this.revisionId,
    };
  }
}

const byName: Cursor<{ name: string }, string> = {
  key: (item) => item.name,
  after: (item, name) => item.name > name,
};

/** A revision id in AWS's shape (a UUID), derived from what the revision is made of. */
function uuidFrom(digest: Buffer): string {
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
