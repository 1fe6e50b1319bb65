import { useCallback, useEffect, useState } from 'preact/hooks';
import { listStock, setStock, type Stock } from './api.js';
import { Feedback } from './feedback.js';

/** The seller's SKUs with what is free to reserve and what is reserved; stock set one SKU at a time. */
export function InventoryScreen() {
  const [items, setItems] = useState<Stock[] | undefined>();
  const [pages, setPages] = useState<(string | undefined)[]>([undefined]);
  const [nextCursor, setNextCursor] = useState<string | undefined>();
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const [newSku, setNewSku] = useState({ sku: '', available: '' });
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const cursor = pages.at(-1);

  const refresh = useCallback(async () => {
    try {
      const page = await listStock(cursor);
      setItems(page.items);
      setNextCursor(page.nextCursor);
      setError('');
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, [cursor]);
  useEffect(() => void refresh(), [refresh]);

  const save = async (sku: string, value: string) => {
    setMessage('');
    try {
      const stock = await setStock(sku, Number(value));
      setMessage(`${stock.sku}: ${stock.available} available, ${stock.reserved} reserved.`);
      setDrafts({ ...drafts, [sku]: '' });
      setError('');
      await refresh();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  return (
    <main>
      <h1>Inventory</h1>
      <Feedback message={message} error={error} />
      <form
        class="settings"
        onSubmit={(event) => {
          event.preventDefault();
          void save(newSku.sku.trim(), newSku.available).then(() => setNewSku({ sku: '', available: '' }));
        }}
      >
        <label>
          New SKU
          <input
            name="sku"
            required
            value={newSku.sku}
            onInput={(event) => setNewSku({ ...newSku, sku: event.currentTarget.value })}
          />
        </label>
        <label>
          Available
          <input
            name="available"
            type="number"
            min={0}
            step={1}
            required
            value={newSku.available}
            onInput={(event) => setNewSku({ ...newSku, available: event.currentTarget.value })}
          />
        </label>
        <p>
          <button type="submit">Add SKU</button>
        </p>
      </form>
      {items === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">SKU</th>
              <th scope="col">Available</th>
              <th scope="col">Reserved</th>
              <th scope="col">Set stock</th>
            </tr>
          </thead>
          <tbody>
            {items.map((stock) => (
              <tr key={stock.sku} data-sku={stock.sku}>
                <td>{stock.sku}</td>
                <td>{stock.available}</td>
                <td>{stock.reserved}</td>
                <td>
                  <form
                    class="inline"
                    onSubmit={(event) => {
                      event.preventDefault();
                      void save(stock.sku, drafts[stock.sku] ?? '');
                    }}
                  >
                    <input
                      type="number"
                      min={0}
                      step={1}
                      required
                      aria-label={`Available units of ${stock.sku}`}
                      value={drafts[stock.sku] ?? ''}
                      onInput={(event) => setDrafts({ ...drafts, [stock.sku]: event.currentTarget.value })}
                    />{' '}
                    <button type="submit" aria-label={`Set stock of ${stock.sku}`}>
                      Set
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items?.length === 0 && <p>No SKUs yet.</p>}
      <p class="actions">
        <button type="button" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={!nextCursor} onClick={() => setPages([...pages, nextCursor])}>
          Next page
        </button>
      </p>
    </main>
  );
}
