import { Feedback } from './feedback.js';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { AddressForm } from './address-form.js';
import { documentLinks, fixAddress, getOrder, orderAction, type Address, type OrderSummary } from './api.js';
import { canCancel, canEditAddress, canHold, canRelease, canRetry } from './groups.js';
import { orderName } from './order-link.js';
import { explain } from './reasons.js';
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

  const act = async (action: 'release' | 'cancel' | 'retry' | 'hold', done: string) => {
    setMessage('');
    try {
      await orderAction(orderId, action);
      setMessage(done);
      await refresh();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const saveAddress = async (address: Address) => {
    setMessage('');
    try {
      await fixAddress(orderId, address);
      setError('');
      if (canRetry(order!.status)) {
        await orderAction(orderId, 'retry');
        setMessage('Address saved; retry started.');
      } else setMessage('Address saved.');
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
  const links = documentLinks(order.orderId);
  return (
    <main>
      <p>
        <a href="#/orders">← Orders</a>
      </p>
      <h1>Order {orderName(order)}</h1>
      <p>
        Status:{' '}
        <strong class="status" data-testid="order-status">
          {order.status}
        </strong>
        {(order.hold?.reason || order.release?.failureReason || order.problems?.length) && (
          <> — {explain(order).words}</>
        )}
      </p>
      {order.problems && (
        <ul class="problems">
          {order.problems.map((problem, index) => (
            <li key={index}>
              {problem.field}: {problem.message}
            </li>
          ))}
        </ul>
      )}
      {order.hold?.expiresAt && order.status === 'ON_HOLD' && (
        <p>
          Held until{' '}
          <time dateTime={order.hold.expiresAt}>{new Date(order.hold.expiresAt).toLocaleString()}</time>
          {order.hold.warning && <> — {order.hold.warning}</>}
        </p>
      )}
      <div class="actions">
        {canRelease(order.status) && (
          <button type="button" class="primary" onClick={() => void act('release', 'Released.')}>
            Release
          </button>
        )}
        {canHold(order.status) && !order.holdRequest && (
          <button
            type="button"
            onClick={() => void act('hold', 'Held: it waits for your release once its stock is reserved.')}
          >
            Hold
          </button>
        )}
        {order.holdRequest && order.status !== 'ON_HOLD' && <p>Hold requested: it waits for your release.</p>}
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
      {canEditAddress(order.status) ? (
        <AddressForm
          key={order.updatedAt}
          address={address}
          submitLabel={canRetry(order.status) ? 'Save address and retry' : 'Save address'}
          onSubmit={saveAddress}
        />
      ) : (
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
      )}
      <p>
        Customer: {order.customer.name} ({order.customer.email})
      </p>
      <h2>Shipment</h2>
      {order.shipment ? (
        <p data-testid="shipment">
          {order.shipment.carrier} {order.shipment.service}, tracking{' '}
          {order.shipment.trackingUrl ? (
            <a href={order.shipment.trackingUrl} target="_blank" rel="noopener noreferrer">
              {order.shipment.trackingNumber}
            </a>
          ) : (
            order.shipment.trackingNumber
          )}
          {order.shipment.deliveredAt && (
            <>, delivered {new Date(order.shipment.deliveredAt).toLocaleString()}</>
          )}
          {order.shipment.exception && <>, {order.shipment.exception}</>}
        </p>
      ) : (
        <p>Not shipped yet.</p>
      )}
      <h2>Documents</h2>
      <ul class="documents">
        {order.shipment && (
          <li>
            <a href={links.label} target="_blank" rel="noopener">
              Shipping label
            </a>
          </li>
        )}
        <li>
          <a href={links.invoice} target="_blank" rel="noopener">
            Invoice (PDF)
          </a>
        </li>
        <li>
          <a href={links.packingSlip} target="_blank" rel="noopener">
            Packing slip (PDF)
          </a>
        </li>
      </ul>
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
