// The keys dashboard: sign in with a management key, then the seed's Settings > API Keys screens.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { currentSession, setCsrfToken, signOut, whenSignedOut } from "./api.ts";
import { KeyStore } from "./key-store.ts";
import { canWrite } from "./model/principal.ts";
import type { Session } from "./model/types.ts";
import { type Route, useRoute } from "./router.ts";
import { CreateKey } from "./screens/create-key.tsx";
import { KeyDetails } from "./screens/key-details.tsx";
import { KeyListScreen } from "./screens/key-list.tsx";
import { SignIn } from "./screens/sign-in.tsx";
import { Timeline } from "./screens/timeline.tsx";

const store = new KeyStore();

function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [startError, setStartError] = useState<string | null>(null);
  const route = useRoute();

  const begin = (next: Session | null, options: { loading?: boolean } = {}) => {
    setCsrfToken(next?.csrf_token ?? null);
    setSession(next);
    if (!next) store.clear();
    else if (!options.loading) void store.load();
  };

  useEffect(() => {
    whenSignedOut(() => begin(null));
    // The list is asked for alongside the session, not after it: a signed-in reload shows keys one round trip
    // sooner, and without a session the 401 only confirms the sign-in page.
    void store.load();
    currentSession().then(
      (session) => begin(session, { loading: true }),
      (error: unknown) => setStartError(String(error)),
    );
  }, []);

  if (startError)
    return (
      <main>
        <h1>API keys</h1>
        <p role="alert">The keys service did not answer: {startError}</p>
      </main>
    );
  if (session === undefined)
    return (
      <main>
        <h1>API keys</h1>
        <p>Loading…</p>
      </main>
    );
  if (session === null) return <SignIn onSignedIn={begin} />;

  const principal = session.principal;
  const leave = async () => {
    await signOut().catch(() => undefined);
    begin(null);
  };
  return (
    <>
      <header class="top">
        <nav aria-label="Dashboard">
          <a href="#/keys" aria-current={route.screen === "keys" ? "page" : undefined}>
            API keys
          </a>
          {canWrite(principal) && (
            <a href="#/new" aria-current={route.screen === "new" ? "page" : undefined}>
              Create API key
            </a>
          )}
          <a href="#/timeline" aria-current={route.screen === "timeline" ? "page" : undefined}>
            Expiry timeline
          </a>
        </nav>
        <p class="who">
          Signed in as <strong>{principal.name}</strong>{" "}
          <span class={`badge env-${principal.environment}`}>
            {principal.environment === "live" ? "Live" : "Test"}
          </span>
          {!canWrite(principal) && <span class="badge">Read-only</span>}
          <button type="button" class="link" onClick={leave}>
            Sign out
          </button>
        </p>
      </header>
      <Screen route={route} session={session} />
    </>
  );
}

function Screen({ route, session }: { route: Route; session: Session }) {
  const principal = session.principal;
  switch (route.screen) {
    case "keys":
      return <KeyListScreen store={store} principal={principal} />;
    case "key":
      return <KeyDetails key={route.id} id={route.id} store={store} principal={principal} />;
    case "new":
      return <CreateKey store={store} principal={principal} />;
    case "timeline":
      return <Timeline store={store} />;
  }
}

const root = document.getElementById("app");
if (root) {
  root.replaceChildren();
  render(<App />, root);
}
