import { Feedback } from './feedback.js';
import { OrderLink, orderName } from './order-link.js';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  bulkRelease,
  exportOrders,
  openBlob,
  orderAction,
  orderCounts,
  packingSlips,
  saveBlob,
  searchOrders,
  type OrderSummary,
} from './api.js';
import { csvRecords } from './csv.js';
import { ORDERS_READY_MARK } from './marks.js';
import { canCancel, canRelease, ORDER_GROUPS, type OrderGroup } from './groups.js';
import { explain } from './reasons.js';

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
const reasonOf = (order: OrderSummary) =>
  order.release?.failureReason || order.hold?.reason || order.problems?.length ? explain(order).words : '';

/** The columns the list sorts by, each with how two orders compare in it. */
const SORTS = {
  order: (a: OrderSummary, b: OrderSummary) =>
    (a.externalOrderId ?? a.orderId).localeCompare(b.externalOrderId ?? b.orderId, undefined, {
      numeric: true,
    }),
  status: (a: OrderSummary, b: OrderSummary) => a.status.localeCompare(b.status),
  customer: (a: OrderSummary, b: OrderSummary) => a.customer.email.localeCompare(b.customer.email),
  // Totals are decimal strings of one currency's minor units; compared as numbers, per currency.
  total: (a: OrderSummary, b: OrderSummary) =>
    a.currency.localeCompare(b.currency) || Number(a.total) - Number(b.total),
  created: (a: OrderSummary, b: OrderSummary) => a.createdAt.localeCompare(b.createdAt),
} as const;
type SortKey = keyof typeof SORTS;
interface Sort {
  key: SortKey;
  descending: boolean;
}

/** Every order of the tab and filters as the API exports them, one CSV (the header once). */
async function exportTab(group: OrderGroup, filters: Filters, only: Set<string>): Promise<Blob> {
  let header = '';
  const rows: string[] = [];
  for (const status of group.statuses) {
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ status });
      for (const [name, value] of Object.entries(filters)) if (value.trim()) query.set(name, value.trim());
      if (cursor) query.set('cursor', cursor);
      const page = await exportOrders(query);
      const [first, ...records] = csvRecords(await page.blob.text());
      header = first ?? header;
      // The first column is the order id, which never needs quoting.
      rows.push(...records.filter((record) => !only.size || only.has(record.split(',')[0]!)));
      cursor = page.nextCursor;
    } while (cursor);
  }
  return new Blob([[header, ...rows].map((record) => `${record}\r\n`).join('')], { type: 'text/csv' });
}

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
  const [sort, setSort] = useState<Sort>({ key: 'created', descending: true });
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
      // Time to interactive of the first screen, for the bench: once, when the first list is shown.
      if (!performance.getEntriesByName(ORDERS_READY_MARK).length)
        requestAnimationFrame(() => performance.mark(ORDERS_READY_MARK));
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

  const compare = SORTS[sort.key];
  const sorted = [...orders].sort((a, b) => (sort.descending ? compare(b, a) : compare(a, b)));
  const chosen = orders.filter((order) => selected.has(order.orderId));
  const toggle = (orderId: string) => {
    const next = new Set(selected);
    if (next.has(orderId)) next.delete(orderId);
    else next.add(orderId);
    setSelected(next);
  };
  /** Runs one action on the selection, with what it did (or what failed) in the notice. */
  const onSelection = async (work: () => Promise<string>) => {
    setMessage('');
    try {
      setMessage(await work());
      setError('');
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  const cancelSelected = () =>
    onSelection(async () => {
      const cancellable = chosen.filter((order) => canCancel(order.status));
      const outcomes = await Promise.allSettled(
        cancellable.map((order) => orderAction(order.orderId, 'cancel')),
      );
      const cancelled = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
      setSelected(new Set());
      await refresh();
      return (
        `${cancelled} cancelled` + (chosen.length > cancelled ? `; ${chosen.length - cancelled} not` : '')
      );
    });
  const exportSelected = () =>
    onSelection(async () => {
      saveBlob(await exportTab(group, filters, selected), 'orders.csv');
      return selected.size ? `Exported ${selected.size} orders.` : 'Exported the list.';
    });
  const printPackingSlips = () =>
    onSelection(async () => {
      openBlob((await packingSlips([...selected])).blob);
      return `Packing slips for ${selected.size} orders opened.`;
    });
  const releaseSelected = async () => {
    setMessage('');
    try {
      const { results } = await bulkRelease(
        chosen.filter((order) => canRelease(order.status)).map((order) => order.orderId),
      );
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

  const sortHeader = (key: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.descending ? 'descending' : 'ascending') : undefined}>
      <button
        type="button"
        class="sort"
        onClick={() => setSort({ key, descending: sort.key === key ? !sort.descending : false })}
      >
        {label}
        {sort.key === key ? (sort.descending ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );

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
          Release selected ({chosen.filter((order) => canRelease(order.status)).length})
        </button>
        <button
          type="button"
          disabled={!chosen.some((order) => canCancel(order.status))}
          onClick={() => void cancelSelected()}
        >
          Cancel selected
        </button>
        <button type="button" onClick={() => void exportSelected()}>
          {selected.size ? `Export selected as CSV (${selected.size})` : 'Export list as CSV'}
        </button>
        <button type="button" disabled={selected.size === 0} onClick={() => void printPackingSlips()}>
          Print packing slips
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
                  aria-label="Select every order shown"
                  disabled={orders.length === 0}
                  checked={orders.length > 0 && orders.every((order) => selected.has(order.orderId))}
                  onChange={(event) =>
                    setSelected(
                      event.currentTarget.checked ? new Set(orders.map((order) => order.orderId)) : new Set(),
                    )
                  }
                />
              </th>
              {sortHeader('order', 'Order')}
              {sortHeader('status', 'Status')}
              {sortHeader('customer', 'Customer')}
              <th scope="col">Items</th>
              {sortHeader('total', 'Total')}
              {sortHeader('created', 'Created')}
            </tr>
          </thead>
          <tbody>
            {sorted.map((order) => (
              <tr key={order.orderId} data-order-id={order.orderId}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select order ${orderName(order)}`}
                    checked={selected.has(order.orderId)}
                    onChange={() => toggle(order.orderId)}
                  />
                </td>
                <td>
                  <OrderLink order={order} />
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
