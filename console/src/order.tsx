import { Feedback } from './feedback.js';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { getOrder, orderAction, type OrderSummary } from './api.js';
import { canCancel, canRelease, canRetry } from './groups.js';
import { POLL_MS } from './orders.js';

/** One order: what it is, where it goes, what happened to it, and the actions its status allows. */
export function OrderScreen({ orderId }: { orderId: string }) {
  const [order, setOrder] = useState<OrderSummary | undefined>();
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');

  const refresh = useCallback(async () => {
    try {
      setOrder(await getOrder(orderId));
      setError('');
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, [orderId]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const act = async (action: 'release' | 'cancel' | 'retry', done: string) => {
    setMessage('');
    try {
      await orderAction(orderId, action);
      setMessage(done);
      await refresh();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  if (!order)
    return (
      <main>
        <p>
          <a href="#/orders">← Orders</a>
        </p>
        {error ? (
          <p role="alert" class="error">
            {error}
          </p>
        ) : (
          <p aria-busy="true">Loading…</p>
        )}
      </main>
    );
  const address = order.shippingAddress;
  return (
    <main>
      <p>
        <a href="#/orders">← Orders</a>
      </p>
      <h1>Order {order.externalOrderId ?? order.orderId}</h1>
      <p>
        Status:{' '}
        <strong class="status" data-testid="order-status">
          {order.status}
        </strong>
        {order.hold?.reason && <> — held: {order.hold.reason}</>}
        {order.release?.failureReason && <> — release failed: {order.release.failureReason}</>}
      </p>
      <div class="actions">
        {canRelease(order.status) && (
          <button type="button" class="primary" onClick={() => void act('release', 'Released.')}>
            Release
          </button>
        )}
        {canRetry(order.status) && (
          <button type="button" onClick={() => void act('retry', 'Retry started.')}>
            Retry
          </button>
        )}
        {canCancel(order.status) && (
          <button type="button" onClick={() => void act('cancel', 'Cancelled.')}>
            Cancel order
          </button>
        )}
      </div>
      <Feedback message={message} error={error} />
      <h2>Items</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Name</th>
            <th scope="col">Quantity</th>
            <th scope="col">Unit price</th>
          </tr>
        </thead>
        <tbody>
          {order.items.map((item, index) => (
            <tr key={index}>
              <td>{item.sku}</td>
              <td>{item.name}</td>
              <td>{item.quantity}</td>
              <td>
                {item.unitPrice} {order.currency}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Total: {order.total} {order.currency}
      </p>
      <h2>Ship to</h2>
      <address>
        {[
          address.name,
          address.line1,
          address.line2,
          `${address.postalCode} ${address.city}`,
          address.region,
          address.country,
        ]
          .filter(Boolean)
          .map((line, index) => (
            <div key={index}>{line}</div>
          ))}
      </address>
      <p>
        Customer: {order.customer.name} ({order.customer.email})
      </p>
      {order.shipment && (
        <p>
          Shipment: {order.shipment.carrier} {order.shipment.service}, tracking{' '}
          {order.shipment.trackingNumber}
        </p>
      )}
      <h2>History</h2>
      <ol class="timeline">
        {order.history.map((entry, index) => (
          <li key={index}>
            <time dateTime={entry.at}>{new Date(entry.at).toLocaleString()}</time> —{' '}
            <span class="status">{entry.status}</span> by {entry.actor}
            {entry.reason && <>: {entry.reason}</>}
          </li>
        ))}
      </ol>
    </main>
  );
}
