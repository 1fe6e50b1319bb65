import { useCallback, useEffect, useState } from 'preact/hooks';
import { AddressForm } from './address-form.js';
import {
  fixAddress,
  mapSku,
  orderAction,
  searchOrders,
  setStock,
  type Address,
  type OrderSummary,
} from './api.js';
import { Feedback } from './feedback.js';
import { OrderLink, orderName } from './order-link.js';
import { POLL_MS } from './orders.js';
import { explain, NEEDS_ATTENTION } from './reasons.js';

/**
 * Whether an order in one of the NEEDS_ATTENTION statuses waits for its seller: a PENDING order only
 * while it waits for its payment, a PAYMENT_FAILED one only when the payment never came (a retry
 * carries it on once paid; a declined payment has nothing to fix).
 */
function waitsForSeller(order: OrderSummary): boolean {
  if (order.status === 'PENDING') return order.paymentWait !== undefined;
  if (order.status === 'PAYMENT_FAILED') return order.history.at(-1)?.reason === 'payment_not_received';
  return true;
}

async function readWaiting(): Promise<OrderSummary[]> {
  const pages = await Promise.all(
    NEEDS_ATTENTION.map((status) => searchOrders(new URLSearchParams({ status, limit: '100' }))),
  );
  return pages
    .flatMap((page) => page.items)
    .filter(waitsForSeller)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** The lines a stock problem names (`items.2.sku`), each once. */
function problemLines(order: OrderSummary) {
  const indexes = new Set(
    (order.problems ?? []).flatMap((problem) => {
      const match = /^items\.(\d+)/.exec(problem.field);
      return match ? [Number(match[1])] : [];
    }),
  );
  // A problem about the order as a whole ("items"): every line it ships.
  if (!indexes.size) order.items.forEach((_, index) => indexes.add(index));
  return [...indexes].flatMap((index) => (order.items[index] ? [{ index, line: order.items[index] }] : []));
}

/** Set the stock of a line's SKU, or map its product to a SKU when it has none; then retry the order. */
function StockFix({ order, done }: { order: OrderSummary; done: (work: () => Promise<string>) => void }) {
  const lines = problemLines(order);
  const [values, setValues] = useState<Record<number, string>>({});
  const submit = (event: Event) => {
    event.preventDefault();
    done(async () => {
      for (const { index, line } of lines) {
        const value = (values[index] ?? '').trim();
        if (!value) continue;
        if (line.sku) await setStock(line.sku, Number(value));
        else await mapSku('product', line.productId ?? '', value);
      }
      await orderAction(order.orderId, 'retry');
      return `Order ${orderName(order)}: retry started.`;
    });
  };
  return (
    <form class="fix" onSubmit={submit}>
      {lines.map(({ index, line }) => (
        <label key={index}>
          {line.sku ? `Stock of ${line.sku}` : `SKU for product ${line.productId || line.name}`}
          <input
            name={`line-${index}`}
            {...(line.sku ? { type: 'number', min: 0, step: 1 } : { type: 'text' })}
            value={values[index] ?? ''}
            onInput={(event) => setValues({ ...values, [index]: event.currentTarget.value })}
          />
        </label>
      ))}
      <button type="submit" class="primary">
        {lines.some(({ line }) => !line.sku) ? 'Map SKU and retry' : 'Set stock and retry'}
      </button>
    </form>
  );
}

function FixAction({ order, done }: { order: OrderSummary; done: (work: () => Promise<string>) => void }) {
  const name = orderName(order);
  const { fix } = explain(order);
  if (fix === 'address')
    return (
      <details>
        <summary>Edit address and retry</summary>
        <AddressForm
          address={order.shippingAddress}
          submitLabel="Save address and retry"
          onSubmit={async (address: Address) =>
            done(async () => {
              await fixAddress(order.orderId, address);
              await orderAction(order.orderId, 'retry');
              return `Order ${name}: address saved, retry started.`;
            })
          }
        />
      </details>
    );
  if (fix === 'stock') return <StockFix order={order} done={done} />;
  const [action, label, said] = BUTTONS[fix];
  return (
    <button
      type="button"
      class="primary"
      aria-label={`${label} order ${name}`}
      onClick={() =>
        done(async () => {
          await orderAction(order.orderId, action);
          return `Order ${name}: ${said}.`;
        })
      }
    >
      {label}
    </button>
  );
}

const BUTTONS = {
  release: ['release', 'Release', 'released'],
  retry: ['retry', 'Retry', 'retry started'],
  cancel: ['cancel', 'Cancel', 'cancelled'],
} as const;

/** Every order that waits for its seller, why (in the seeds' words), and the one action that fixes it. */
export function NeedsAttentionScreen() {
  const [orders, setOrders] = useState<OrderSummary[] | undefined>();
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');

  const refresh = useCallback(async () => {
    try {
      setOrders(await readWaiting());
      setError('');
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, []);
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const done = (work: () => Promise<string>) => {
    setMessage('');
    void work()
      .then((said) => {
        setMessage(said);
        setError('');
      })
      .catch((failure: unknown) => setError((failure as Error).message))
      .finally(() => void refresh());
  };

  return (
    <main>
      <h1>Needs attention</h1>
      <Feedback message={message} error={error} />
      {orders === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : orders.length === 0 ? (
        <p>Nothing waits for you.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Status</th>
              <th scope="col">Why</th>
              <th scope="col">Fix</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.orderId} data-order-id={order.orderId}>
                <td>
                  <OrderLink order={order} />
                </td>
                <td>
                  <span class="status">{order.status}</span>
                </td>
                <td>
                  {explain(order).words}
                  {order.problems && (
                    <ul>
                      {order.problems.map((problem, index) => (
                        <li key={index}>{problem.message}</li>
                      ))}
                    </ul>
                  )}
                </td>
                <td>
                  <FixAction order={order} done={done} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
