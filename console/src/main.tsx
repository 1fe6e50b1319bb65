import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, signIn, signOut, useSession, type Session } from './api.js';
import { OrderScreen } from './order.js';
import { OrdersScreen } from './orders.js';

/** The screen the address names: #/orders/<orderId> is one order, anything else the order list. */
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
  return (
    <>
      <header>
        <a href="#/orders">
          <strong>orderflow</strong> · {session.sellerId}
        </a>
        <button type="button" onClick={() => signOut().finally(() => setSession(undefined))}>
          Sign out
        </button>
      </header>
      {orderId ? <OrderScreen orderId={decodeURIComponent(orderId)} /> : <OrdersScreen />}
    </>
  );
}

render(<App />, document.getElementById('app')!);
