import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FUNCTION_NAMES, type FunctionName } from '../../bundling.js';
import { PROJECT_ROOT } from '../../paths.js';

/**
 * What the deployed stack says about each function, read from the synthesized CloudFormation template
 * (never from the constants the stack is built from): its timeout and memory, and its role's policy. The
 * local runtime runs each function with exactly these, so a missing grant or a short timeout fails on the
 * developer's machine the way it would on AWS.
 *
 * Resources in the policy are kept as templates with `{{name}}` slots (the table, the state machine, a
 * function...), filled at run time with the local runtime's own names (see `LocalNames` in iam.ts).
 */
export interface StackModel {
  functions: Record<FunctionName, FunctionModel>;
  /** The state machine's role: which functions it may invoke, which queue it may send to. */
  stateMachine: { statements: PolicyStatement[] };
}

export interface FunctionModel {
  timeoutSeconds: number;
  memorySize: number;
  statements: PolicyStatement[];
}

export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  /** ARN templates: literal text and `{{slot}}`s; `*` and `?` are IAM wildcards. */
  resources: string[];
  /**
   * The statement's `ForAllValues:StringLike` `dynamodb:LeadingKeys` condition: it applies only to a
   * request whose every partition key matches one of these (`*` and `?` wildcards).
   */
  leadingKeys?: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type CfnResource = { Type: string; Properties?: Record<string, Json> };

/** The inputs the synthesized stack depends on: if none changed, the cached model still holds. */
function sourcesDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (path === join(PROJECT_ROOT, 'infra/local')) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|json)$/.test(entry))
        hash.update(relative(PROJECT_ROOT, path)).update(readFileSync(path));
    }
  };
  walk(join(PROJECT_ROOT, 'infra'));
  walk(join(PROJECT_ROOT, 'workflows'));
  for (const file of [
    'functions/shared/store/schema.ts',
    'functions/shared/config.ts',
    'package-lock.json',
  ]) {
    hash.update(file).update(readFileSync(join(PROJECT_ROOT, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

const CACHE_DIR = join(PROJECT_ROOT, 'node_modules/.cache/orderflow');

/**
 * The model of the stack as `cdk synth` would write it today. Synthesis (without bundling: the code
 * assets do not change what a role may do) takes a few seconds, so the model is cached under
 * node_modules/.cache, keyed by the infra, workflow and lockfile sources it derives from.
 */
export async function loadStackModel(): Promise<StackModel> {
  const cacheFile = join(CACHE_DIR, `stack-model-${sourcesDigest()}.json`);
  try {
    return JSON.parse(readFileSync(cacheFile, 'utf8')) as StackModel;
  } catch {
    const model = await synthesizeStackModel();
    mkdirSync(CACHE_DIR, { recursive: true });
    const temp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(model));
    renameSync(temp, cacheFile);
    return model;
  }
}

/** Synthesizes the stack in this process and reads the model out of its template. */
export async function synthesizeStackModel(): Promise<StackModel> {
  // Loaded only on a cache miss: the CDK library takes seconds to import.
  const { App } = await import('aws-cdk-lib');
  const { OrderflowStack } = await import('../../orderflow-stack.js');
  const outdir = mkdtempSync(join(tmpdir(), 'orderflow-synth-'));
  try {
    // No bundling: a role's policy does not depend on the code, and bundling nine functions takes long.
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new OrderflowStack(app, 'Orderflow');
    const template = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<string, CfnResource>;
    };
    const id = (construct: import('constructs').IConstruct): string =>
      stack.getLogicalId(construct.node.defaultChild as import('aws-cdk-lib').CfnElement);
    const slots = new Map<string, string>([
      [id(stack.table), 'table'],
      [id(stack.workflow.stateMachine), 'stateMachine'],
      [id(stack.workflow.releaseDlq), 'releaseDlq'],
      [id(stack.orderEvents.bus), 'orderEventsBus'],
      [id(stack.webhooks.queue), 'webhookDeliveries'],
      [id(stack.shopifySync.queue), 'shopifySync'],
      [id(stack.labelFiles.bucket), 'labelBucket'],
      ...FUNCTION_NAMES.map((name): [string, string] => [
        id(stack.functions[name].handler),
        `function:${name}`,
      ]),
    ]);
    const resolve = resolver(slots, stack.workflow.stateMachineName);
    const statementsOf = (roleId: string): PolicyStatement[] =>
      Object.values(template.Resources)
        .filter(
          (resource) =>
            resource.Type === 'AWS::IAM::Policy' &&
            JSON.stringify(resource.Properties?.Roles ?? []).includes(`{"Ref":"${roleId}"}`),
        )
        .flatMap((policy) => {
          const document = policy.Properties!.PolicyDocument as { Statement: Record<string, Json>[] };
          return document.Statement.map((statement) => {
            const leadingKeys = leadingKeysOf(statement.Condition);
            if (
              (statement.Condition && !leadingKeys) ||
              statement.NotAction ||
              statement.NotResource ||
              statement.Principal
            ) {
              throw new Error(
                `a statement of ${roleId} uses IAM features the local runtime does not evaluate: ${JSON.stringify(statement)}`,
              );
            }
            return {
              effect: statement.Effect as 'Allow' | 'Deny',
              actions: list(statement.Action).map(String),
              resources: list(statement.Resource).map(resolve),
              ...(leadingKeys ? { leadingKeys } : {}),
            };
          });
        });

    const functions = {} as Record<FunctionName, FunctionModel>;
    for (const name of FUNCTION_NAMES) {
      const properties = template.Resources[id(stack.functions[name].handler)]!.Properties!;
      functions[name] = {
        timeoutSeconds: Number(properties.Timeout ?? 3),
        memorySize: Number(properties.MemorySize ?? 128),
        statements: statementsOf(id(stack.functions[name].role)),
      };
    }
    return { functions, stateMachine: { statements: statementsOf(id(stack.workflow.stateMachine.role)) } };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The partition key patterns of a condition that is exactly `ForAllValues:StringLike` on
 * `dynamodb:LeadingKeys` (what OrderflowFunction.useOrders writes); undefined for anything else.
 */
function leadingKeysOf(condition: Json | undefined): string[] | undefined {
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return undefined;
  const operators = Object.keys(condition);
  const like = condition['ForAllValues:StringLike'];
  if (operators.length !== 1 || !like || typeof like !== 'object' || Array.isArray(like)) return undefined;
  if (Object.keys(like).join() !== 'dynamodb:LeadingKeys') return undefined;
  return list(like['dynamodb:LeadingKeys']).map(String);
}

function list(value: Json | undefined): Json[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * CloudFormation intrinsics as ARN templates: a reference to a resource the local runtime has becomes its
 * slot, pseudo parameters become `{{partition}}`, `{{region}}`, `{{account}}`, and the state machine's
 * deployed name (spelled out in the executions' ARN) becomes `{{stateMachineName}}`. A reference to
 * anything else (a log group) becomes a slot no local resource fills.
 */
function resolver(slots: Map<string, string>, stateMachineName: string): (value: Json) => string {
  const pseudo: Record<string, string> = {
    'AWS::Partition': '{{partition}}',
    'AWS::Region': '{{region}}',
    'AWS::AccountId': '{{account}}',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolve = (value: Json): string => {
    if (typeof value === 'string') return value.replaceAll(stateMachineName, '{{stateMachineName}}');
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if ('Ref' in value) {
        const ref = String(value.Ref);
        return pseudo[ref] ?? `{{${slots.get(ref) ?? `other:${ref}`}${slots.has(ref) ? ':ref' : ''}}}`;
      }
      if ('Fn::GetAtt' in value) {
        const [ref, attribute] = value['Fn::GetAtt'] as [string, string];
        const slot = slots.get(ref);
        return slot && attribute === 'Arn' ? `{{${slot}}}` : `{{other:${ref}.${attribute}}}`;
      }
      if ('Fn::Join' in value) {
        const [separator, parts] = value['Fn::Join'] as [string, Json[]];
        return parts.map(resolve).join(separator);
      }
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)} in a policy`);
  };
  return resolve;
}
