/**
 * What a person running `npm start` sees. The functions log structured JSON (as on AWS, where CloudWatch
 * reads it); in the terminal that becomes one readable line per status change, and warnings and errors
 * in short. ORDERFLOW_LOG=json shows the raw lines instead.
 */
const COLORS: Record<string, string> = {
  DELIVERED: '\x1b[32m',
  RELEASED: '\x1b[36m',
  SHIPPED: '\x1b[36m',
  ON_HOLD: '\x1b[33m',
  OUT_OF_STOCK: '\x1b[33m',
  FAILED_TO_RELEASE: '\x1b[31m',
  PAYMENT_FAILED: '\x1b[31m',
  DELIVERY_EXCEPTION: '\x1b[31m',
  CANCELLED: '\x1b[90m',
};

export function formatLogLine(line: string, color: boolean): string | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null) return line;
  // EMF metric lines: CloudWatch reads them on AWS; here ORDERFLOW_LOG=json shows them.
  if ('_aws' in entry) return undefined;
  if (!('level' in entry)) return line;
  const time = typeof entry.timestamp === 'string' ? entry.timestamp.slice(11, 19) : '';
  if (entry.message === 'status changed') {
    const status = String(entry.status);
    const paint = color ? (COLORS[status] ?? '') : '';
    const reset = color && paint ? '\x1b[0m' : '';
    const reason = entry.reason ? `  (${String(entry.reason)})` : '';
    return `${time}  ${String(entry.orderId).padEnd(28)} ${paint}${status.padEnd(18)}${reset} by ${String(entry.actor)}${reason}`;
  }
  if (entry.level === 'WARN' || entry.level === 'ERROR' || entry.level === 'CRITICAL') {
    const order = entry.orderId ? ` ${String(entry.orderId)}` : '';
    const error =
      entry.error && typeof entry.error === 'object'
        ? ` ${String((entry.error as { message?: unknown }).message)}`
        : '';
    return `${time}  ${String(entry.level)}${order}: ${String(entry.message)}${error}`;
  }
  return undefined;
}

/** Powertools' notice for a handler that emitted no metrics, which most invocations are. */
const quiet = (line: string): string | undefined =>
  line.startsWith('No application metrics to publish') ? undefined : line;

/** Routes the process's stdout and stderr through formatLogLine, line by line. */
export function presentLogs(): void {
  if (process.env.ORDERFLOW_LOG === 'json') return;
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    const color = Boolean(stream.isTTY);
    let pending = '';
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      const out = lines.flatMap((line) => {
        const formatted = line.startsWith('{') ? formatLogLine(line, color) : quiet(line);
        return formatted === undefined ? [] : [formatted];
      });
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      if (out.length === 0) {
        callback?.();
        return true;
      }
      return write(`${out.join('\n')}\n`, callback);
    }) as typeof stream.write;
  }
}
