import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, signIn, signOut, useSession, type Session } from './api.js';
import { InventoryScreen } from './inventory.js';
import { NeedsAttentionScreen } from './needs-attention.js';
import { OrderScreen } from './order.js';
import { OrdersScreen } from './orders.js';
import { SettingsScreen } from './settings.js';

const SCREENS = [
  { hash: '#/orders', label: 'Orders', Screen: OrdersScreen },
  { hash: '#/attention', label: 'Needs attention', Screen: NeedsAttentionScreen },
  { hash: '#/inventory', label: 'Inventory', Screen: InventoryScreen },
  { hash: '#/settings', label: 'Settings', Screen: SettingsScreen },
];

/** The screen the address names: #/orders/<orderId> is one order, #/<screen> a screen, else the orders. */
function useRoute(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function SignIn({ signedIn }: { signedIn: (session: Session) => void }) {
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      signedIn(await signIn(apiKey));
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main>
      <h1>Sign in</h1>
      <form class="sign-in" onSubmit={submit}>
        <label>
          API key
          <input
            type="password"
            name="apiKey"
            autocomplete="current-password"
            required
            value={apiKey}
            onInput={(event) => setApiKey(event.currentTarget.value)}
          />
        </label>
        <p>
          <button class="primary" type="submit" disabled={busy}>
            Sign in
          </button>
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | undefined>();
  const [checked, setChecked] = useState(false);
  const route = useRoute();
  useSession(session, () => setSession(undefined));
  useEffect(() => {
    // A reloaded page may still have its cookie: the session's CSRF token comes back with it.
    currentSession()
      .then(setSession, () => setSession(undefined))
      .finally(() => setChecked(true));
  }, []);
  if (!checked) return <main aria-busy="true">Loading…</main>;
  if (!session) return <SignIn signedIn={setSession} />;
  const orderId = /^#\/orders\/(.+)$/.exec(route)?.[1];
  const current = SCREENS.find((screen) => screen.hash === route) ?? SCREENS[0]!;
  return (
    <>
      <header>
        <span>
          <strong>orderflow</strong> · {session.sellerId}
        </span>
        <nav class="screens" aria-label="Screens">
          {SCREENS.map((screen) => (
            <a
              key={screen.hash}
              href={screen.hash}
              aria-current={!orderId && screen === current ? 'page' : undefined}
            >
              {screen.label}
            </a>
          ))}
        </nav>
        <button type="button" onClick={() => signOut().finally(() => setSession(undefined))}>
          Sign out
        </button>
      </header>
      {orderId ? <OrderScreen orderId={decodeURIComponent(orderId)} /> : <current.Screen />}
    </>
  );
}

render(<App />, document.getElementById('app')!);
