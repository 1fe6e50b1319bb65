import { parseArgs } from 'node:util';
import type { ReleaseDlq, ReleaseDlqMessage } from '../functions/shared/release-dlq.js';
import { useLocalRuntime } from './lib/local-runtime.js';

const USAGE = `usage:
  npm run ops -- dlq list                            [--queue-url <url>] [--local]
  npm run ops -- dlq replay <orderId|messageId>      [--queue-url <url>] [--local]
  npm run ops -- dlq ack <orderId|messageId>         [--queue-url <url>] [--local]

list    every message of the release DLQ (order, seller, reason, sent, receive count); all stay queued
replay  retries the order as POST /orders/{orderId}/retry does (its release runs again) and removes its messages
ack     removes the message(s) and does nothing else

The queue is --queue-url or RELEASE_DLQ_URL (the stack output ReleaseDlqUrl); replay also needs ORDERS_TABLE
and STATE_MACHINE_ARN (outputs TableName and StateMachineArn). AWS calls use your usual credentials and
region (AWS_PROFILE, AWS_REGION, ...). --local fills all of it in for the runtime of \`npm start\`.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** A refusal: printed without the usage. */
export class OpsError extends Error {
  override name = 'OpsError';
}

function table(messages: ReleaseDlqMessage[]): string {
  if (messages.length === 0) return 'the release DLQ is empty';
  const rows = [
    ['order', 'seller', 'reason', 'sent', 'received', 'message id'],
    ...messages.map((message) => [
      message.orderId ?? '(none)',
      message.sellerId ?? '',
      message.reason ?? `(body: ${message.body.slice(0, 60)})`,
      message.sentAt ?? '',
      `${message.receiveCount}x`,
      message.messageId,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  return [...lines, `${messages.length} message(s)`].join('\n');
}

/**
 * The operator's command for the release DLQ. Function code is imported only once the environment is
 * set, so its clients see the endpoints. Returns what it prints, so tests run it without a shell.
 */
export async function run(argv: string[]): Promise<string> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'queue-url': { type: 'string' }, local: { type: 'boolean' } },
  });
  const [area, command, id] = positionals;
  if (area !== 'dlq') throw new UsageError(`unknown area ${area ?? '(none)'}`);
  if (!['list', 'replay', 'ack'].includes(command ?? '')) {
    throw new UsageError(`unknown command ${command ?? '(none)'}`);
  }
  if (values.local) await useLocalRuntime();
  if (values['queue-url']) process.env.RELEASE_DLQ_URL = values['queue-url'];
  if (!process.env.RELEASE_DLQ_URL) throw new UsageError('give --queue-url or set RELEASE_DLQ_URL');
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

  const { ReleaseDlq, named } = await import('../functions/shared/release-dlq.js');
  const dlq = new ReleaseDlq();
  if (command === 'list') return table(await dlq.list());
  if (!id) throw new UsageError(`${command} needs an order id or a message id`);
  if (command === 'ack') {
    const removed = await dlq.remove(named(id));
    if (removed.length === 0) throw new OpsError(`no message in the release DLQ for ${id}`);
    return `acknowledged (deleted) ${removed.length} message(s):\n${table(removed)}`;
  }
  return replay(dlq, id);
}

async function replay(dlq: ReleaseDlq, id: string): Promise<string> {
  const { named } = await import('../functions/shared/release-dlq.js');
  const { requireOrder } = await import('../functions/shared/store/orders.js');
  const { retryOrder } = await import('../functions/api/seller-actions.js');
  const messages = (await dlq.list()).filter(named(id));
  if (messages.length === 0) throw new OpsError(`no message in the release DLQ for ${id}`);
  const orderId = messages[0]!.orderId;
  if (!orderId) throw new OpsError(`message ${id} names no order; look at it and ack it`);
  let claim: Awaited<ReturnType<typeof retryOrder>>;
  try {
    // The seller's retry itself: the same checks and claim, and it removes the order's messages.
    claim = await retryOrder(await requireOrder(orderId));
  } catch (error) {
    throw new OpsError(
      `order ${orderId} was not replayed: ${(error as Error).message}. ` +
        `If nothing is left to do for it, ack the message.`,
    );
  }
  const now = (await dlq.list()).filter((message) => message.orderId === orderId);
  const replayed = new Set(messages.map((message) => message.messageId));
  const left = now.filter((message) => replayed.has(message.messageId));
  const failedAgain = now.filter((message) => !replayed.has(message.messageId));
  return [
    `order ${orderId} replayed: execution ${claim.executionName} (attempt ${claim.attempt}) resumes at ${claim.resumeAt}`,
    left.length === 0
      ? `its ${messages.length} message(s) removed from the release DLQ`
      : `${left.length} of its message(s) are still queued and could not be removed (the log says why): ack them`,
    ...failedAgain.map(
      (message) => `the replayed release failed again already: ${message.reason ?? message.body}`,
    ),
  ].join('\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  run(process.argv.slice(2)).then(
    (output) => console.log(output),
    (error: Error) => {
      console.error(error instanceof UsageError ? `${error.message}\n\n${USAGE}` : error.message);
      process.exitCode = 1;
    },
  );
}
