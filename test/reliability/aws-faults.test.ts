import { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsFaults, type AwsFaults } from '../../infra/local/aws/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../infra/local/services.js';
import { sampleOrder } from '../../scripts/lib/client.js';
import {
  awaitSettled,
  clientFor,
  deliverUntilAccepted,
  executionHistory,
  inParallel,
  sendGenericWebhook,
  serverErrors,
} from './support/api.js';
import { startInProcessRuntime } from './support/in-process.js';
import { assertOutcome, planOrders } from './support/mix.js';

let runtime: Awaited<ReturnType<typeof startInProcessRuntime>>;
let faults: AwsFaults;

beforeAll(async () => {
  // Slower than the other drills, so a 168 h hold lasts 12 s: time enough to release held orders through
  // throttled calls before the hold expires.
  // Every injected fault that reaches a function is logged as its error: too many lines for the test output.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  runtime = await startInProcessRuntime({ timeScale: 50_000 });
  // 15 % of the functions' DynamoDB and Step Functions calls, and of the state machine's Lambda
  // invocations, fail as AWS fails them; seeded, so a failing run can be replayed. A fifth of those faults
  // last through the SDK's retries and reach the function code, as sustained throttling does. Time runs
  // 50,000× faster here but the faults do not thin out with it: at 25 %, a task's eight retries (four
  // minutes on AWS) all failed now and then, and the order waited for the sweeper.
  faults = awsFaults({ rate: 0.15, seed: 20261127, sustained: 0.2 });
  runtime.parity.setFaults(faults);
});
afterAll(async () => {
  delete process.env.POWERTOOLS_LOG_LEVEL;
  await runtime?.cleanUp();
});

let orderIds: string[] = [];

/** The orders whose first execution did not succeed, with how it ended: for a drill that fails. */
function unfinished(ids: string[]): string[] {
  const engine = runtime.stepFunctions.engine;
  return ids.flatMap((id) => {
    const run = engine.describeExecution(engine.executionArn(id));
    return run.status === 'SUCCEEDED' ? [] : [`${id} ${run.status} ${run.error ?? ''}`];
  });
}
let heldIds: string[] = [];

describe("AWS's own throttling and server errors, injected", () => {
  it('change no business outcome and leave no order stuck', async () => {
    const demo = clientFor(runtime.url);
    const plan = planOrders({ happy: 16, declined: 3, lost: 3, outOfStock: 3, undeliverable: 3 });
    // The API's own calls are throttled too: its 5xx (a storefront retries) are tolerated while faults last.
    const faultsOff = serverErrors.tolerate('injected AWS faults');

    const answers = await inParallel(plan, 8, ({ input }) =>
      deliverUntilAccepted(() => sendGenericWebhook(runtime.url, JSON.stringify(input))),
    );
    orderIds = answers.map((answer) => answer.json.orderId as string);

    const orders = await awaitSettled(demo, orderIds, 240_000).catch((error: Error) => {
      throw new Error(`${error.message}; not succeeded: ${unfinished(orderIds).join('; ')}`);
    });
    runtime.parity.setFaults(undefined);
    faultsOff();

    await assertOutcome({
      client: demo,
      dynamoDbEndpoint: runtime.dynamo.endpoint,
      plan,
      orderIds,
      orders,
      initialStock: { 'MUG-RED': 100, 'TEE-BLK-M': 50, 'POSTER-A2': 10 },
    });
  });

  it('let a seller release held orders through throttled calls, and what reached the workflow was retried', async () => {
    const demo = clientFor(runtime.url);
    runtime.parity.setFaults(faults);
    const faultsOff = serverErrors.tolerate('injected AWS faults');
    // Held orders, released by the seller through throttled SendTaskSuccess calls.
    const held = await inParallel([1, 2, 3], 3, () =>
      deliverUntilAccepted(() =>
        sendGenericWebhook(runtime.url, JSON.stringify(sampleOrder({ discountCodes: ['HOLD'] }))),
      ),
    );
    heldIds = held.map((answer) => answer.json.orderId as string);
    // A release whose answer was lost to a fault (the release went through) shows as the order moving on.
    const BEFORE_RELEASE = ['PENDING', 'PAYMENT_VERIFIED', 'STOCK_RESERVED', 'ON_HOLD'];
    await Promise.all(
      heldIds.map(async (orderId) => {
        for (let attempt = 0; ; attempt++) {
          const order = await demo.getOrder(orderId).catch(() => undefined);
          if (order && !BEFORE_RELEASE.includes(order.status)) return;
          if (order?.status === 'ON_HOLD') {
            const release = await demo.request('POST', `/orders/${orderId}/release`, {});
            if (release.status === 202) return;
          }
          expect(attempt, `${orderId} is ${order?.status}`).toBeLessThan(2_000);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }),
    );

    const orders = await awaitSettled(demo, heldIds, 240_000);
    runtime.parity.setFaults(undefined);
    faultsOff();
    // Without faults, the API answered every request.
    expect(serverErrors.unexpected()).toEqual([]);
    expect(heldIds.map((id) => orders.get(id)!.status)).toEqual(['DELIVERED', 'DELIVERED', 'DELIVERED']);

    // The drill did inject the kinds every call can be given, and what reached the workflow was retried as
    // transient. A throttled TransactionCanceledException is given only to a faulted transaction, one kind of
    // three: with the few transactions a drill faults, some runs have none, so it is allowed, not
    // required (CI saw such a run).
    const injected = Object.keys(faults.injected).sort();
    expect(injected).toEqual(
      expect.arrayContaining([
        'InternalServerError',
        'Lambda.TooManyRequestsException',
        'ProvisionedThroughputExceededException',
        'ThrottlingException',
      ]),
    );
    expect(
      injected.filter(
        (name) =>
          ![
            'InternalServerError',
            'Lambda.TooManyRequestsException',
            'ProvisionedThroughputExceededException',
            'ThrottlingException',
            'TransactionCanceledException',
          ].includes(name),
      ),
    ).toEqual([]);
    const sfn = new SFNClient({
      endpoint: runtime.stepFunctions.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    const failures = new Map<string, number>();
    for (const orderId of [...orderIds, ...heldIds]) {
      for (const event of await executionHistory(sfn, runtime.stepFunctions.engine.executionArn(orderId))) {
        const failed = event.lambdaFunctionFailedEventDetails ?? event.taskFailedEventDetails;
        if (!failed?.error) continue;
        failures.set(failed.error, (failures.get(failed.error) ?? 0) + 1);
      }
    }
    sfn.destroy();
    // Only names the Retry rules match reached the state machine: no raw AWS error name failed a task.
    expect(
      [...failures.keys()].filter(
        (name) =>
          !/^(TransientError|Lambda\.TooManyRequestsException|PaymentDeclined|OutOfStock|ReleaseRejected)$/.test(
            name,
          ),
      ),
    ).toEqual([]);
    expect(failures.get('Lambda.TooManyRequestsException')).toBeGreaterThan(0);
    expect(failures.get('TransientError')).toBeGreaterThan(0);
  });
});
