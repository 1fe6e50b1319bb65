import type { HistoryEventType } from '@aws-sdk/client-sfn';

/** One history event as GetExecutionHistory returns it, with the time kept in epoch milliseconds. */
export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: HistoryEventType;
  [details: string]: unknown;
}

/** AWS names most detail fields after the event (`lambdaFunctionFailedEventDetails`); state events share two. */
function detailsKey(type: HistoryEventType): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
}

export function historyEvent(
  id: number,
  type: HistoryEventType,
  details?: Record<string, unknown>,
  timestamp = Date.now(),
): HistoryEvent {
  return {
    id,
    previousEventId: id - 1,
    timestamp,
    type,
    ...(details ? { [detailsKey(type)]: details } : {}),
  };
}

/** The state types whose entry and exit have their own history event types on AWS. */
const STATE_EVENT_PREFIX: Record<string, string> = {
  Task: 'Task',
  Choice: 'Choice',
  Wait: 'Wait',
  Succeed: 'Succeed',
  Fail: 'Fail',
  Pass: 'Pass',
  Parallel: 'Parallel',
  Map: 'Map',
};

export function stateEventType(stateType: string, edge: 'Entered' | 'Exited'): HistoryEventType | undefined {
  const prefix = STATE_EVENT_PREFIX[stateType];
  // A Fail state has no exit event on AWS: the execution fails as it is entered.
  if (!prefix || (prefix === 'Fail' && edge === 'Exited')) return undefined;
  return `${prefix}State${edge}` as HistoryEventType;
}

/** What the API puts on the wire: epoch seconds, and without payloads when the caller asks so. */
export function toWire(event: HistoryEvent, includeExecutionData: boolean): Record<string, unknown> {
  const wire: Record<string, unknown> = { ...event, timestamp: event.timestamp / 1000 };
  if (!includeExecutionData) {
    for (const [key, value] of Object.entries(wire)) {
      if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
      const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
      wire[key] = rest;
    }
  }
  return wire;
}

export const payloadDetails = { truncated: false } as const;
