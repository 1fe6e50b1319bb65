import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getOrder } from '../../functions/shared/store/orders.js';
import { OpsError, run } from '../../scripts/ops.js';
import { orderIn } from '../support/order-states.js';
import { testReleaseDlq } from '../support/release-dlq.js';
import { seedSellers } from '../support/sellers.js';
import { mockStepFunctions } from '../support/step-functions.js';

const stepFunctions = mockStepFunctions();
let dlq: Awaited<ReturnType<typeof testReleaseDlq>>;
const failure = (orderId: string, reason?: string) => dlq.sendFailure(orderId, reason);
const visibleNow = () => dlq.visibleNow();
const ops = (...argv: string[]) => run([...argv, '--queue-url', dlq.queueUrl]);

beforeAll(seedSellers);
// Each test its own queue, so what one leaves hidden cannot show up in another.
beforeEach(async () => {
  dlq = await testReleaseDlq();
});
afterEach(() => {
  stepFunctions.reset();
  dlq.stop();
});

describe('npm run ops -- dlq', () => {
  it('lists every message with its order, seller, reason, sent time and receive count, and leaves them queued', async () => {
    const first = await orderIn('FAILED_TO_RELEASE');
    const second = await orderIn('FAILED_TO_RELEASE');
    await failure(first.orderId);
    await failure(second.orderId, 'line_without_name: MUG-RED');
    await dlq.sendRaw('not json');

    const listed = await ops('dlq', 'list');
    const again = await ops('dlq', 'list');

    const line = listed.split('\n').find((row) => row.startsWith(first.orderId))!;
    expect(line).toMatch(
      new RegExp(
        `^${first.orderId}\\s+demo\\s+address_undeliverable\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+1x\\s+\\S+$`,
      ),
    );
    expect(listed).toContain('line_without_name: MUG-RED');
    expect(listed).toContain('(body: not json)');
    expect(listed).toMatch(/3 message\(s\)$/);
    expect(again).toMatch(new RegExp(`^${first.orderId}\\s.*\\s2x\\s`, 'm'));
    expect(await visibleNow()).toEqual([first.orderId, second.orderId, 'not json'].sort());
  });

  it("acks an order's message: deletes it, does nothing else, and the others are visible at once", async () => {
    const acked = await orderIn('FAILED_TO_RELEASE');
    const other = await orderIn('FAILED_TO_RELEASE');
    await failure(acked.orderId);
    await failure(other.orderId);

    const output = await ops('dlq', 'ack', acked.orderId);

    expect(output).toContain(`acknowledged (deleted) 1 message(s)`);
    expect(await visibleNow()).toEqual([other.orderId]);
    expect(await getOrder(acked.orderId)).toEqual(acked);
    expect(stepFunctions.started.size).toBe(0);
  });

  it('acks by message id, and refuses an id nothing in the queue has', async () => {
    const order = await orderIn('FAILED_TO_RELEASE');
    const messageId = await failure(order.orderId);

    await expect(ops('dlq', 'ack', 'ord_nothing_like_it')).rejects.toThrow(OpsError);
    await ops('dlq', 'ack', messageId);

    expect(await visibleNow()).toEqual([]);
  });

  it("replays a message as the seller's retry: the release runs again and the message goes", async () => {
    const order = await orderIn('FAILED_TO_RELEASE');
    const other = await orderIn('FAILED_TO_RELEASE');
    const messageId = await failure(order.orderId);
    await failure(other.orderId);

    const output = await ops('dlq', 'replay', messageId);

    expect(output).toContain(`order ${order.orderId} replayed`);
    expect(output).toContain('its 1 message(s) removed from the release DLQ');
    expect(stepFunctions.executions()).toEqual([
      {
        name: `${order.orderId}-2`,
        input: {
          orderId: order.orderId,
          sellerId: 'demo',
          attempt: 2,
          resumeAt: 'ReleaseOrder',
          // How long a pending payment may wait (the seller's paymentWaitHours, 72 by default).
          paymentWait: { Payload: { orderId: order.orderId, timeoutSeconds: 72 * 3600 } },
        },
      },
    ]);
    expect((await getOrder(order.orderId))!.workflow).toMatchObject({ attempt: 2 });
    expect(await visibleNow()).toEqual([other.orderId]);
  });

  it('does not replay an order that cannot be retried, and keeps its message', async () => {
    const delivered = await orderIn('DELIVERED');
    await failure(delivered.orderId);

    await expect(ops('dlq', 'replay', delivered.orderId)).rejects.toThrow(/was not replayed.*DELIVERED/);

    expect(stepFunctions.started.size).toBe(0);
    expect(await visibleNow()).toEqual([delivered.orderId]);
  });
});
