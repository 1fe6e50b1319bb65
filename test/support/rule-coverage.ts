import { readFileSync } from 'node:fs';
import type { HistoryEvent } from '../../infra/local/stepfunctions/index.js';

/** A Task state's error handling, as the ASL file writes it. */
interface TaskRules {
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
}
type Definition = { States: Record<string, TaskRules & { Type: string }> };

/** The order workflow as the repository holds it, read from the file rather than imported. */
export function readWorkflowDefinition(): Definition {
  const path = new URL('../../workflows/order-fulfillment/statemachine.asl.json', import.meta.url);
  return JSON.parse(readFileSync(path, 'utf8')) as Definition;
}

/**
 * What the definition asks of its error handling, one line per fact an execution can show: each Retry
 * rule getting a task past a failure (`retried`) and being used up (`ran out`, MaxAttempts retries and
 * then the error goes on to a Catch or fails the execution), and each Catch rule taking an error to its
 * Next state.
 */
export function rulesOf(definition: Definition): Set<string> {
  const rules = new Set<string>();
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    (state.Retry ?? []).forEach((_, index) => {
      rules.add(`${name} Retry[${index}] retried`);
      rules.add(`${name} Retry[${index}] ran out`);
    });
    (state.Catch ?? []).forEach((catcher, index) => rules.add(`${name} Catch[${index}] → ${catcher.Next}`));
  }
  return rules;
}

const SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled']);
const FAILED = new Set([
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
]);

/** The error an event reports, from its `<type>EventDetails`. */
function errorOf(event: HistoryEvent): string {
  const key = `${event.type[0]!.toLowerCase()}${event.type.slice(1)}EventDetails`;
  return (event[key] as { error?: string } | undefined)?.error ?? '';
}

function stateEntered(event: HistoryEvent): string | undefined {
  if (!event.type.endsWith('StateEntered')) return undefined;
  return (event.stateEnteredEventDetails as { name: string }).name;
}

/** Whether a rule's ErrorEquals takes this error, as Step Functions matches them. */
function matches(errorEquals: string[], error: string): boolean {
  return (
    errorEquals.includes(error) ||
    errorEquals.includes('States.ALL') ||
    (errorEquals.includes('States.TaskFailed') && error !== 'States.Timeout')
  );
}

/**
 * The facts of `rulesOf` that one execution's history shows, read from its events alone: a failure of a
 * task followed by the same state scheduling it again is a retry; a failure followed by another state
 * being entered was caught; a failure followed by the execution failing was not. The definition only
 * names the rule Step Functions would have applied (the first that matches), and whether its MaxAttempts
 * were all used. Anything the rules do not explain comes out as a line of its own (`... not handled`,
 * `... by no rule`), which no definition expects.
 */
export function rulesExercised(definition: Definition, history: HistoryEvent[]): Set<string> {
  const facts = new Set<string>();
  let state: string | undefined;
  let failure: string | undefined;
  let retries = new Map<number, number>();
  const rules = (): TaskRules => definition.States[state!] ?? {};
  const retrier = (error: string) => (rules().Retry ?? []).findIndex((r) => matches(r.ErrorEquals, error));
  /** The state's visit ends with `error` not retried again: was its rule used up? */
  const ranOut = (error: string): boolean => {
    const index = retrier(error);
    if (index < 0 || retries.get(index) !== (rules().Retry![index]!.MaxAttempts ?? 3)) return false;
    facts.add(`${state} Retry[${index}] ran out`);
    return true;
  };
  for (const event of history) {
    const entered = stateEntered(event);
    if (entered !== undefined) {
      if (failure !== undefined) {
        ranOut(failure);
        const index = (rules().Catch ?? []).findIndex((c) => matches(c.ErrorEquals, failure!));
        facts.add(
          index >= 0 && rules().Catch![index]!.Next === entered
            ? `${state} Catch[${index}] → ${entered}`
            : `${state} caught ${failure} → ${entered} by no rule`,
        );
      }
      state = entered;
      failure = undefined;
      retries = new Map();
    } else if (SCHEDULED.has(event.type) && failure !== undefined) {
      const index = retrier(failure);
      if (index < 0) facts.add(`${state} retried ${failure} by no rule`);
      else {
        retries.set(index, (retries.get(index) ?? 0) + 1);
        facts.add(`${state} Retry[${index}] retried`);
      }
      failure = undefined;
    } else if (FAILED.has(event.type)) {
      failure = errorOf(event);
    } else if (event.type === 'ExecutionFailed' && failure !== undefined) {
      if (!ranOut(failure)) facts.add(`${state} ${failure} not handled`);
    }
  }
  return facts;
}
