// Sign-in with a management key. The key goes only into the POST /session body; the browser then holds an
// HTTP-only session cookie, and the field is emptied whatever the answer.
import { useRef, useState } from "preact/hooks";
import { ApiError, signIn } from "../api.ts";
import type { Session } from "../model/types.ts";

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const input = field.current;
    if (!input) return;
    const value = input.value.trim();
    input.value = "";
    if (!value) {
      setError("Enter an API key with the api_keys:read or api_keys:write scope.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await signIn(value));
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 401
          ? "That key was not accepted: it is unknown, revoked or expired."
          : failure instanceof ApiError && failure.status === 429
            ? "Too many failed sign-ins from this address; wait a minute and try again."
            : `Sign-in failed: ${failure instanceof Error ? failure.message : String(failure)}`,
      );
      setBusy(false);
    }
  };

  return (
    <main class="narrow">
      <h1>API keys</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <label for="api-key">Management API key</label>
        <input
          id="api-key"
          ref={field}
          type="password"
          name="api_key"
          autoComplete="off"
          spellcheck={false}
          required
          aria-invalid={error ? "true" : undefined}
          aria-describedby="signin-help"
        />
        <p id="signin-help" class="help">
          A key with the <code>api_keys:read</code> scope shows keys; <code>api_keys:write</code> also manages
          them. The key is sent once to sign in and is never stored in this browser: the session lasts until
          you sign out, it expires, or the key is revoked.
        </p>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
