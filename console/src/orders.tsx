import { Feedback } from './feedback.js';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { bulkRelease, orderCounts, searchOrders, type OrderSummary } from './api.js';
import { canRelease, ORDER_GROUPS, type OrderGroup } from './groups.js';

/** How often the list and the counts are read again while the screen is open. */
export const POLL_MS = 3_000;
const PAGE_SIZE = 25;

interface Filters {
  externalOrderId: string;
  sku: string;
  productId: string;
  email: string;
  from: string;
  to: string;
  region: string;
}
const NO_FILTERS: Filters = {
  externalOrderId: '',
  sku: '',
  productId: '',
  email: '',
  from: '',
  to: '',
  region: '',
};

/**
 * One page of a tab: the API searches one status at a time, so a tab reads each of its statuses (each
 * with its own cursor) and shows them merged, newest first.
 */
async function readTab(
  group: OrderGroup,
  filters: Filters,
  perStatus: Record<string, number>,
  cursors: Record<string, string> = {},
) {
  const pages = await Promise.all(
    group.statuses
      .filter((status) => !Object.keys(cursors).length || cursors[status])
      .map(async (status) => {
        const query = new URLSearchParams({ status, limit: String(perStatus[status] ?? PAGE_SIZE) });
        for (const [name, value] of Object.entries(filters)) if (value.trim()) query.set(name, value.trim());
        if (cursors[status]) query.set('cursor', cursors[status]);
        const page = await searchOrders(query);
        return { status, items: page.items, nextCursor: page.nextCursor ?? undefined };
      }),
  );
  return {
    items: pages.flatMap((page) => page.items),
    cursors: Object.fromEntries(
      pages.filter((page) => page.nextCursor).map((page) => [page.status, page.nextCursor!]),
    ) as Record<string, string>,
  };
}

const newestFirst = (a: OrderSummary, b: OrderSummary) => b.createdAt.localeCompare(a.createdAt);
const reasonOf = (order: OrderSummary) => order.release?.failureReason ?? order.hold?.reason ?? '';

export function OrdersScreen() {
  const [groupId, setGroupId] = useState<string>(ORDER_GROUPS[0].id);
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [counts, setCounts] = useState<Record<string, number>>({});
  const [orders, setOrders] = useState<OrderSummary[]>([]);
  const [cursors, setCursors] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const group = ORDER_GROUPS.find((candidate) => candidate.id === groupId)!;
  const shown = useRef<OrderSummary[]>([]);
  shown.current = orders;

  /** Reads the counts and the tab again, as many orders per status as are shown now (at least a page). */
  const refresh = useCallback(async () => {
    const perStatus: Record<string, number> = {};
    for (const order of shown.current) perStatus[order.status] = (perStatus[order.status] ?? 0) + 1;
    for (const status of group.statuses)
      perStatus[status] = Math.min(200, Math.max(PAGE_SIZE, perStatus[status] ?? 0));
    try {
      const [tab, { counts }] = await Promise.all([readTab(group, filters, perStatus), orderCounts()]);
      setOrders(tab.items.sort(newestFirst));
      setCursors(tab.cursors);
      setCounts(counts);
      setError('');
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, [group, filters]);

  useEffect(() => {
    shown.current = [];
    setSelected(new Set());
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const loadMore = async () => {
    const next = await readTab(group, filters, {}, cursors);
    setOrders([...orders, ...next.items].sort(newestFirst));
    setCursors(next.cursors);
  };

  const releasable = orders.filter((order) => canRelease(order.status));
  const toggle = (orderId: string) => {
    const next = new Set(selected);
    if (next.has(orderId)) next.delete(orderId);
    else next.add(orderId);
    setSelected(next);
  };
  const releaseSelected = async () => {
    setMessage('');
    try {
      const { results } = await bulkRelease([...selected]);
      const refused = results.filter((result) => result.statusCode >= 300);
      setMessage(
        `${results.length - refused.length} released` +
          (refused.length
            ? `; ${refused.length} not: ${refused.map((r) => `${r.orderId} (${r.error?.message ?? r.statusCode})`).join(', ')}`
            : ''),
      );
      setSelected(new Set());
      await refresh();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  const field = (name: keyof Filters, label: string, kind: 'text' | 'date' = 'text') => {
    const common = {
      name,
      value: draft[name],
      onInput: (event: Event) =>
        setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value }),
    };
    return (
      <label>
        {label}
        {kind === 'date' ? <input type="date" {...common} /> : <input type="search" {...common} />}
      </label>
    );
  };

  return (
    <main>
      <h1>Orders</h1>
      <div role="tablist" aria-label="Order groups">
        {ORDER_GROUPS.map((candidate) => (
          <button
            key={candidate.id}
            type="button"
            role="tab"
            id={`tab-${candidate.id}`}
            aria-selected={candidate.id === groupId}
            aria-controls="order-list"
            onClick={() => setGroupId(candidate.id)}
          >
            {candidate.label}{' '}
            <span data-count={candidate.id}>
              ({candidate.statuses.reduce((sum, status) => sum + (counts[status] ?? 0), 0)})
            </span>
          </button>
        ))}
      </div>
      <form
        class="search"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters({ ...draft });
        }}
      >
        {field('externalOrderId', 'Order number')}
        {field('sku', 'SKU')}
        {field('productId', 'Product ID')}
        {field('email', 'Customer email')}
        {field('from', 'Created from', 'date')}
        {field('to', 'Created to', 'date')}
        <label>
          Region
          <select
            name="region"
            value={draft.region}
            onChange={(event) => setDraft({ ...draft, region: event.currentTarget.value })}
          >
            <option value="">All</option>
            <option value="domestic">Domestic</option>
            <option value="international">International</option>
          </select>
        </label>
        <button type="submit" class="primary">
          Search
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft(NO_FILTERS);
            setFilters(NO_FILTERS);
          }}
        >
          Clear
        </button>
      </form>
      <div class="actions">
        <button
          type="button"
          class="primary"
          disabled={selected.size === 0}
          onClick={() => void releaseSelected()}
        >
          Release selected ({selected.size})
        </button>
      </div>
      <Feedback message={message} error={error} />
      <section id="order-list" role="tabpanel" aria-labelledby={`tab-${groupId}`}>
        <table>
          <caption class="visually-hidden">{group.label}</caption>
          <thead>
            <tr>
              <th scope="col">
                <input
                  type="checkbox"
                  aria-label="Select every order that can be released"
                  disabled={releasable.length === 0}
                  checked={releasable.length > 0 && releasable.every((order) => selected.has(order.orderId))}
                  onChange={(event) =>
                    setSelected(
                      event.currentTarget.checked
                        ? new Set(releasable.map((order) => order.orderId))
                        : new Set(),
                    )
                  }
                />
              </th>
              <th scope="col">Order</th>
              <th scope="col">Status</th>
              <th scope="col">Customer</th>
              <th scope="col">Items</th>
              <th scope="col">Total</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.orderId} data-order-id={order.orderId}>
                <td>
                  {canRelease(order.status) && (
                    <input
                      type="checkbox"
                      aria-label={`Select order ${order.externalOrderId ?? order.orderId}`}
                      checked={selected.has(order.orderId)}
                      onChange={() => toggle(order.orderId)}
                    />
                  )}
                </td>
                <td>
                  <a href={`#/orders/${encodeURIComponent(order.orderId)}`}>
                    {order.externalOrderId ?? order.orderId}
                  </a>
                </td>
                <td>
                  <span class="status">{order.status}</span>
                  {reasonOf(order) && <div>{reasonOf(order)}</div>}
                </td>
                <td>{order.customer.email}</td>
                <td>{order.items.map((item) => `${item.quantity} × ${item.sku || item.name}`).join(', ')}</td>
                <td>
                  {order.total} {order.currency}
                </td>
                <td>{new Date(order.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {orders.length === 0 && <p>No orders here.</p>}
        {Object.keys(cursors).length > 0 && (
          <p>
            <button type="button" onClick={() => void loadMore()}>
              Load more
            </button>
          </p>
        )}
      </section>
    </main>
  );
}
