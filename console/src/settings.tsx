import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  createEndpoint,
  deleteEndpoint,
  getSettings,
  listDeliveries,
  listEndpoints,
  replayDelivery,
  saveSettings,
  type Settings,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './api.js';
import { Feedback } from './feedback.js';

/** A form's draft: numbers as typed, thresholds as one "USD 1000.00, EUR 900.00" line. */
interface Draft {
  releaseMode: Settings['releaseMode'];
  reviewThresholds: string;
  holdTimeoutHours: string;
  releaseSlaHours: string;
}
const draftOf = (settings: Settings): Draft => ({
  releaseMode: settings.releaseMode,
  reviewThresholds: Object.entries(settings.reviewThresholds)
    .map(([currency, amount]) => `${currency} ${amount}`)
    .join(', '),
  holdTimeoutHours: String(settings.holdTimeoutHours),
  releaseSlaHours: String(settings.releaseSlaHours),
});
const thresholdsOf = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split(',')
      .map((pair) => pair.trim().split(/\s+/))
      .filter((pair) => pair[0])
      .map(([currency, amount]) => [currency!.toUpperCase(), amount ?? '']),
  );

function SellerSettings({ said }: { said: (message: string, error?: string) => void }) {
  const [draft, setDraft] = useState<Draft | undefined>();
  useEffect(() => {
    getSettings().then(
      (settings) => setDraft(draftOf(settings)),
      (failure: unknown) => said('', (failure as Error).message),
    );
  }, []);
  if (!draft) return <p aria-busy="true">Loading…</p>;
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const saved = await saveSettings({
        releaseMode: draft.releaseMode,
        reviewThresholds: thresholdsOf(draft.reviewThresholds),
        holdTimeoutHours: Number(draft.holdTimeoutHours),
        releaseSlaHours: Number(draft.releaseSlaHours),
      });
      setDraft(draftOf(saved));
      said('Settings saved.');
    } catch (failure) {
      said('', (failure as Error).message);
    }
  };
  const hours = (name: 'holdTimeoutHours' | 'releaseSlaHours', label: string) => (
    <label>
      {label}
      <input
        name={name}
        type="number"
        min={1}
        step="any"
        required
        value={draft[name]}
        onInput={(event) => setDraft({ ...draft, [name]: event.currentTarget.value })}
      />
    </label>
  );
  return (
    <form class="settings" onSubmit={(event) => void submit(event)}>
      <label>
        Release mode
        <select
          name="releaseMode"
          value={draft.releaseMode}
          onChange={(event) =>
            setDraft({ ...draft, releaseMode: event.currentTarget.value as Settings['releaseMode'] })
          }
        >
          <option value="auto">Automatic</option>
          <option value="manual">Manual (hold every order)</option>
        </select>
      </label>
      <label>
        Review thresholds (currency amount, …)
        <input
          name="reviewThresholds"
          value={draft.reviewThresholds}
          onInput={(event) => setDraft({ ...draft, reviewThresholds: event.currentTarget.value })}
        />
      </label>
      {hours('holdTimeoutHours', 'Hold timeout (hours)')}
      {hours('releaseSlaHours', 'Release SLA (hours)')}
      <p>
        <button type="submit" class="primary">
          Save settings
        </button>
      </p>
    </form>
  );
}

function Deliveries({
  endpoint,
  said,
}: {
  endpoint: WebhookEndpoint;
  said: (m: string, e?: string) => void;
}) {
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | undefined>();
  const read = useCallback(
    () =>
      listDeliveries(endpoint.id).then(
        (page) => setDeliveries(page.items),
        (failure: unknown) => said('', (failure as Error).message),
      ),
    [endpoint.id],
  );
  useEffect(() => void read(), [read]);
  if (!deliveries) return <p aria-busy="true">Loading…</p>;
  if (!deliveries.length) return <p>No deliveries yet.</p>;
  return (
    <table>
      <caption>Deliveries to {endpoint.url}</caption>
      <thead>
        <tr>
          <th scope="col">Event</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last error</th>
          <th scope="col">Replay</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((delivery) => (
          <tr key={delivery.eventId}>
            <td>
              {delivery.eventType} <span class="status">{delivery.eventId}</span>
            </td>
            <td>{delivery.status}</td>
            <td>{delivery.attempts}</td>
            <td>{delivery.lastError}</td>
            <td>
              <button
                type="button"
                aria-label={`Replay ${delivery.eventId}`}
                onClick={() =>
                  void replayDelivery(endpoint.id, delivery.eventId).then(
                    () => (said(`${delivery.eventId} queued again.`), read()),
                    (failure: unknown) => said('', (failure as Error).message),
                  )
                }
              >
                Replay
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function WebhookEndpoints({ said }: { said: (message: string, error?: string) => void }) {
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[] | undefined>();
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState('');
  const read = useCallback(
    () =>
      listEndpoints().then(
        (page) => setEndpoints(page.items),
        (failure: unknown) => said('', (failure as Error).message),
      ),
    [],
  );
  useEffect(() => void read(), [read]);
  const add = async (event: Event) => {
    event.preventDefault();
    try {
      const created = await createEndpoint(url.trim());
      setSecret(created.secret);
      setUrl('');
      said(`Endpoint ${created.url} added.`);
      await read();
    } catch (failure) {
      said('', (failure as Error).message);
    }
  };
  return (
    <>
      <form class="settings" onSubmit={(event) => void add(event)}>
        <label>
          Endpoint URL
          <input
            name="url"
            type="url"
            required
            value={url}
            onInput={(event) => setUrl(event.currentTarget.value)}
          />
        </label>
        <p>
          <button type="submit">Add endpoint</button>
        </p>
      </form>
      {secret && (
        <p>
          Signing secret (shown this once): <code>{secret}</code>
        </p>
      )}
      {endpoints?.length === 0 && <p>No webhook endpoints.</p>}
      {endpoints?.map((endpoint) => (
        <section key={endpoint.id} aria-label={`Endpoint ${endpoint.url}`}>
          <h3>{endpoint.url}</h3>
          <p>
            Events: {endpoint.events.length ? endpoint.events.join(', ') : 'all'}{' '}
            <button
              type="button"
              aria-label={`Delete endpoint ${endpoint.url}`}
              onClick={() =>
                void deleteEndpoint(endpoint.id).then(
                  () => (said(`Endpoint ${endpoint.url} deleted.`), read()),
                  (failure: unknown) => said('', (failure as Error).message),
                )
              }
            >
              Delete
            </button>
          </p>
          <Deliveries endpoint={endpoint} said={said} />
        </section>
      ))}
    </>
  );
}

/** The seller's release settings, and where orderflow sends their order events. */
export function SettingsScreen() {
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const said = (text: string, failure = '') => {
    setMessage(text);
    setError(failure);
  };
  return (
    <main>
      <h1>Settings</h1>
      <Feedback message={message} error={error} />
      <h2>Release</h2>
      <SellerSettings said={said} />
      <h2>Webhook endpoints</h2>
      <WebhookEndpoints said={said} />
    </main>
  );
}
