import { readFileSync } from 'node:fs';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';

export type { StateMachineDefinition };
export type StateDefinition = StateMachineDefinition['States'][string];
export type TaskStateDefinition = Extract<StateDefinition, { Type: 'Task' }>;

/**
 * Binds `${Name}` placeholders the way CDK's `definitionSubstitutions` (an `Fn::Sub` over the
 * definition text) does: textual replacement before parsing, `${!Name}` for a literal `${Name}`, and
 * an unknown name is an error rather than a silent leftover.
 */
export function substitute(text: string, substitutions: Record<string, string>): string {
  const missing = new Set<string>();
  const bound = text.replace(/\$\{(!?)([^}]*)\}/g, (whole, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    const value = substitutions[name];
    if (value === undefined) {
      missing.add(name);
      return whole;
    }
    return value;
  });
  if (missing.size > 0) {
    throw new Error(`no substitution given for ${[...missing].map((name) => `\${${name}}`).join(', ')}`);
  }
  return bound;
}

/** Reads (or takes) a definition and binds its placeholders. */
export function loadDefinition(
  source: string | StateMachineDefinition,
  substitutions: Record<string, string> = {},
  fromFile = true,
): StateMachineDefinition {
  const text =
    typeof source === 'string' ? (fromFile ? readFileSync(source, 'utf8') : source) : JSON.stringify(source);
  return JSON.parse(substitute(text, substitutions)) as StateMachineDefinition;
}

/** Every Task state at any depth (Parallel branches and Map processors included), by state name. */
export function taskStates(
  definition: Pick<StateMachineDefinition, 'States'>,
): Map<string, TaskStateDefinition> {
  const tasks = new Map<string, TaskStateDefinition>();
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task') tasks.set(name, state);
    if (state.Type === 'Parallel') for (const branch of state.Branches) merge(tasks, taskStates(branch));
    if (state.Type === 'Map') {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) merge(tasks, taskStates(processor));
    }
  }
  return tasks;
}

/** The longest timer Node sets (2^31 - 1 ms), in whole seconds. */
const LONGEST_TIMER_SECONDS = 2_147_483;

/**
 * The definition as the library runs it: the timeouts of the Task states this engine runs (`engineRun`)
 * are enforced by the engine (tasks.ts), from the moment the function gets a worker, so the library's
 * own timer for them, which would count the wait for a worker too, is set as far out as Node's go.
 */
export function withEngineTimeouts(
  definition: StateMachineDefinition,
  engineRun: ReadonlySet<string>,
): StateMachineDefinition {
  const copy = structuredClone(definition);
  for (const [name, state] of taskStates(copy)) {
    if (!engineRun.has(name)) continue;
    delete state.TimeoutSecondsPath;
    state.TimeoutSeconds = LONGEST_TIMER_SECONDS;
  }
  return copy;
}

function merge<K, V>(into: Map<K, V>, from: Map<K, V>): void {
  for (const [key, value] of from) into.set(key, value);
}

/**
 * Resolves an ASL reference path (`$.a.b`, `$['a'][0]`, `$$.Task.Token`) against the input or the
 * context object. Reference paths are the simple subset of JSONPath that Step Functions allows for
 * fields such as TimeoutSecondsPath, so no JSONPath engine is needed here.
 */
export function referencePath(path: string, input: unknown, context: unknown): unknown {
  let value = path.startsWith('$$') ? context : input;
  const rest = path.startsWith('$$') ? path.slice(2) : path.slice(1);
  const segments = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]/g;
  let consumed = 0;
  for (const match of rest.matchAll(segments)) {
    if (match.index !== consumed) return undefined;
    consumed = match.index + match[0].length;
    const key = match[1] ?? match[3] ?? Number(match[2]);
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return consumed === rest.length ? value : undefined;
}
