/**
 * `npm run events -- <command>`: the order events of the local runtime.
 *
 *   tail [--order <orderId>] [--type order.shipped] [--from-start]   follows the local bus (.data/events/)
 *   schema                                                            prints the event's JSON Schema
 */
import { existsSync, readFileSync, statSync, watchFile } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { orderEventJsonSchema } from '../functions/shared/events/order-event.js';
import { localBusLogFile } from '../infra/local/events/index.js';
import type { BusEvent } from '../infra/local/events/bus.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    order: { type: 'string' },
    type: { type: 'string' },
    'from-start': { type: 'boolean', default: false },
  },
});

const command = positionals[0] ?? 'tail';
if (command === 'schema') {
  console.log(JSON.stringify(orderEventJsonSchema(), null, 2));
} else if (command === 'tail') {
  const file = localBusLogFile(resolve(process.env.ORDERFLOW_DATA_DIR ?? '.data'));
  const wanted = (event: BusEvent) =>
    (!values.order || event.detail.orderId === values.order) &&
    (!values.type || event['detail-type'] === values.type);
  let offset = values['from-start'] || !existsSync(file) ? 0 : statSync(file).size;
  let partial = '';
  const read = () => {
    if (!existsSync(file)) return;
    const size = statSync(file).size;
    if (size < offset) offset = 0;
    if (size === offset) return;
    const text = partial + readFileSync(file).subarray(offset, size).toString('utf8');
    offset = size;
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as BusEvent;
      if (wanted(event)) console.log(JSON.stringify(event.detail));
    }
  };
  console.error(`following ${join(file)} (Ctrl-C stops)`);
  read();
  watchFile(file, { interval: 200 }, read);
} else {
  console.error(`unknown command ${command}: use tail or schema`);
  process.exit(2);
}
