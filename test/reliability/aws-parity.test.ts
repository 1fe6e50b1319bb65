import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Denial, StackModel } from '../../infra/local/aws/index.js';
import { matches } from '../../infra/local/aws/iam.js';
import { LEADING_KEYS } from '../../infra/local/aws/sdk-parity.js';
import { startInProcessRuntime } from './support/in-process.js';
import { tour } from './support/tour.js';

let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;
let deployed: StackModel;
/** The credentials cache of the functions' modules, imported once the runtime has configured them. */
let forgetCachedCredentials: () => void;

beforeAll(async () => {
  // The drill makes every function fail in turn: their error logs would bury the test output.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  runtime = await startInProcessRuntime();
  deployed = structuredClone(runtime.parity.model);
  ({ forgetCachedCredentials } = await import('../../functions/shared/store/provider-secrets.js'));
});
afterAll(async () => {
  delete process.env.POWERTOOLS_LOG_LEVEL;
  await runtime?.cleanUp();
});

/**
 * Every (role, action) the synthesized stack grants on orderflow's own resources, and every partition a
 * role's LeadingKeys condition allows it (`dynamodb:LeadingKeys ORDER#*`).
 */
function grants(model: StackModel): { principal: string; action: string }[] {
  const roles = [
    ...Object.entries(model.functions).map(([name, fn]) => [name, fn.statements] as const),
    ['state-machine', model.stateMachine.statements] as const,
  ];
  return roles.flatMap(([principal, statements]) =>
    [
      ...new Set([
        ...statements.flatMap((statement) => statement.actions),
        ...statements.flatMap((statement) =>
          (statement.leadingKeys ?? []).map((pattern) => `${LEADING_KEYS} ${pattern}`),
        ),
      ]),
    ]
      // Logs and traces are written by the Lambda and Step Functions services, not by our calls.
      .filter((action) => !/^(logs|xray):/.test(action))
      .map((action) => ({ principal, action })),
  );
}

/** The partition pattern a LeadingKeys grant names, if it is one. */
const partitionOf = (grant: string): string | undefined =>
  grant.startsWith(`${LEADING_KEYS} `) ? grant.slice(LEADING_KEYS.length + 1) : undefined;

/**
 * Grants the bundle needs (test/infra: it can send the call) that no path uses, each with why. Removing one
 * fails nothing, so the removal drill skips them.
 */
const STREAM_READ =
  "used by Lambda's event source mapping, which reads the table stream with the function's role; the local " +
  'stand-in of the mapping (infra/local/events) reads DynamoDB Local with the runtime, not as the role';
const GRANTED_UNUSED: Record<string, string> = {
  'publish-events dynamodb:DescribeStream': STREAM_READ,
  'publish-events dynamodb:GetShardIterator': STREAM_READ,
  'publish-events dynamodb:GetRecords': STREAM_READ,
  'publish-events dynamodb:ListStreams': STREAM_READ,
  'publish-events sqs:SendMessage':
    "used by the event source mapping to record a batch it gave up in its on-failure queue; locally the mapping's stand-in writes to the emulator itself",
  'publish-events sqs:GetQueueAttributes': 'the on-failure destination, as sqs:SendMessage',
  'publish-events sqs:GetQueueUrl': 'the on-failure destination, as sqs:SendMessage',
  'deliver-webhooks sqs:GetQueueAttributes':
    "granted with the queue's event source mapping, which reads the queue's attributes; the local stand-in does not",
  'deliver-webhooks sqs:GetQueueUrl': 'granted with the event source mapping, as sqs:GetQueueAttributes',
  'sync-shopify sqs:GetQueueAttributes':
    "granted with the queue's event source mapping, which reads the queue's attributes; the local stand-in does not",
  'sync-shopify sqs:GetQueueUrl': 'granted with the event source mapping, as sqs:GetQueueAttributes',
  'queue-webhooks dynamodb:GetItem':
    'only a repeated event (the bus delivers at least once) reads the delivery record it finds; the tour repeats none',
  ...Object.fromEntries(
    (['verify-payment', 'release-order', 'poll-delivery', 'mark-status', 'sync-shopify'] as const).map(
      (name) => [
        `${name} ${LEADING_KEYS} SELLER#*`,
        "reads the seller profile (its providers) through the seller cache, which the local runtime's " +
          'functions share in one process: another function has read it first. On AWS each reads it; ' +
          'test/infra/secrets-isolation.test.ts shows the grant allows it',
      ],
    ),
  ),
  ...Object.fromEntries(
    (['verify-payment', 'release-order', 'generate-label', 'poll-delivery', 'mark-status'] as const).map(
      (name) => [
        `${name} ${LEADING_KEYS} CREDENTIALS#*`,
        "the tour's sellers use the sandbox providers, which have no credentials; test/integration/" +
          'provider-config.test.ts and the Stripe and carrier workflow tests read them',
      ],
    ),
  ),
  ...Object.fromEntries(
    (['verify-payment', 'generate-label'] as const).map((name) => [
      `${name} ${LEADING_KEYS} IDEMPOTENCY#*`,
      "the provider records (a Stripe PaymentIntent's order, a real carrier's tracking number): the " +
        "tour's sandbox providers keep none",
    ]),
  ),
};

/**
 * Grants whose loss is refused but fails nothing a seller sees, by design, each with why: the drill checks
 * the refusal only.
 */
const SILENT_BY_DESIGN: Record<string, string> = {
  'deliver-webhooks sqs:DeleteMessage':
    "a delivered message that is not deleted comes back after the queue's visibility timeout (3 minutes, " +
    'past the tour), and the deliverer skips a delivery already made: the seller gets it once either way',
  'sync-shopify sqs:DeleteMessage':
    "a synced event's message that is not deleted comes back after the queue's visibility timeout (3 minutes, " +
    'past the tour), and the sync finds the fulfillment recorded: the shop has one either way',
  ...Object.fromEntries(
    ['dynamodb:GetItem', 'dynamodb:UpdateItem', `${LEADING_KEYS} ORDER#*`].map((grant) => [
      `await-delivery ${grant}`,
      "await-delivery only parks the task token for the carrier's push; when it fails, AwaitDelivery's " +
        "Catch hands the order to PollDelivery, by design, and the tour's sandbox carrier pushes nothing, so " +
        'its orders are delivered by polling either way. test/workflow/carrier-tracking.test.ts drives the ' +
        'push path',
    ]),
  ),
  'sync-shopify sqs:ChangeMessageVisibility':
    "only sets a retried sync's backoff; refused, the message comes back after the queue's visibility timeout " +
    '(3 minutes, past the tour) instead, and the sync finds the fulfillment recorded: the shop has one either way',
  'api sqs:DeleteMessage':
    'a retry whose DLQ message cannot be removed still goes on (logged); the message reappears after its ' +
    'visibility timeout and `npm run ops -- dlq ack` clears it',
};

function without(model: StackModel, principal: string, action: string): StackModel {
  const copy = structuredClone(model);
  const statements =
    principal === 'state-machine'
      ? copy.stateMachine.statements
      : copy.functions[principal as keyof StackModel['functions']].statements;
  const pattern = partitionOf(action);
  for (const statement of statements) {
    if (pattern) statement.leadingKeys = statement.leadingKeys?.filter((p) => p !== pattern);
    else statement.actions = statement.actions.filter((a) => a !== action);
  }
  return copy;
}

/** Whether the drill saw the grant's loss refused: its action, or a request in its partition. */
function refusedFor(denials: Denial[], principal: string, action: string): boolean {
  const pattern = partitionOf(action);
  return denials.some(
    (d) =>
      d.principal === principal &&
      (pattern ? (d.leadingKeys ?? []).some((key) => matches(pattern, key)) : d.action === action),
  );
}

describe('the local runtime runs each function with the role the stack gives it', () => {
  it('with every grant, the whole tour succeeds, nothing is refused, and every grant is used', async () => {
    runtime.parity.allowed.clear();
    const problems = await tour(runtime);

    expect(problems).toEqual([]);
    expect(runtime.parity.denials).toEqual([]);
    const unused = grants(deployed)
      .map(({ principal, action }) => `${principal} ${action}`)
      .filter((grant) => !runtime.parity.allowed.has(grant) && !(grant in GRANTED_UNUSED));
    // Least privilege: a grant nothing uses would be a permission nobody needs.
    expect(unused).toEqual([]);
  });

  it('removing any one grant from the stack fails what needs it with AccessDenied', async () => {
    const outcomes: string[] = [];
    for (const { principal, action } of grants(deployed)) {
      if (`${principal} ${action}` in GRANTED_UNUSED) continue;
      // Credentials are cached in the process the functions share: forgotten, the function under test reads
      // them itself (sync-shopify reads the shop's token), as a fresh Lambda container would.
      forgetCachedCredentials();
      runtime.parity.model = without(deployed, principal, action);
      runtime.parity.denials.length = 0;
      let problems: string[];
      try {
        problems = await tour(runtime, 8_000);
      } finally {
        runtime.parity.model = deployed;
      }
      let refused = refusedFor(runtime.parity.denials, principal, action);
      if (!refused || !problems.length) {
        // Once more on its own, so what an earlier pass left running cannot blur this one.
        forgetCachedCredentials();
        runtime.parity.model = without(deployed, principal, action);
        runtime.parity.denials.length = 0;
        try {
          problems = await tour(runtime, 8_000);
        } finally {
          runtime.parity.model = deployed;
        }
        refused = refusedFor(runtime.parity.denials, principal, action);
      }
      if (`${principal} ${action}` in SILENT_BY_DESIGN) problems = problems.length ? problems : ['by design'];
      const outcome = `${principal} without ${action}: ${refused ? 'refused' : 'NOT refused'}, ${problems.length ? 'failed' : 'NOT failed'}`;
      // What went wrong in the pass, shown only when the outcome is not the expected one.
      outcomes.push(outcome.includes('NOT') ? `${outcome} (${problems.join('; ')})` : outcome);
    }
    expect(outcomes.filter((outcome) => outcome.includes('NOT'))).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(20);
    // One tour (8-12 s) per grant, about 70 grants: its own limit, past the drills' 15 minutes, which it
    // neared (841 s) on a loaded machine once the Shopify sync's partitions joined.
  }, 1_800_000);
});
