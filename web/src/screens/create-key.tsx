// Create an API key, as the seed's steps describe: name, environment, scopes, optional expiry, then the value
// once. Keys made here carry managed_by = the dashboard's value, so the list can tell them apart.
import { useState } from "preact/hooks";
import { KEY_METADATA } from "../../../core/keys/key-metadata.ts";
import { ApiError, api } from "../api.ts";
import { SecretOnce } from "../components/secret-once.tsx";
import type { KeyStore } from "../key-store.ts";
import { EXPIRY_PRESETS, type ExpiryPreset, expiresAt, GOOD_NAMES, isPoorName } from "../model/expiry.ts";
import { DASHBOARD_MANAGED_BY } from "../model/key-view.ts";
import { canWrite, environmentsFor, holds } from "../model/principal.ts";
import {
  type ApiKey,
  type ApiKeyWithSecret,
  type Environment,
  type Principal,
  SCOPES,
} from "../model/types.ts";
import { keyHref, navigate } from "../router.ts";

export function CreateKey({ store, principal }: { store: KeyStore; principal: Principal }) {
  const environments = environmentsFor(principal);
  const [name, setName] = useState("");
  const [environment, setEnvironment] = useState<Environment>(environments[0] ?? "test");
  const [scopes, setScopes] = useState<string[]>([]);
  const [preset, setPreset] = useState<ExpiryPreset>("medium");
  const [customDays, setCustomDays] = useState(60);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The new key's value: here only, until dismissed or this screen goes away.
  const [created, setCreated] = useState<{ key: ApiKey; secret: string } | null>(null);

  if (!canWrite(principal))
    return (
      <main>
        <h1>Create API key</h1>
        <p>This key can read API keys but not create them: sign in with a key holding api_keys:write.</p>
      </main>
    );

  if (created)
    return (
      <main>
        <h1>API key created</h1>
        <p>
          <strong>{created.key.name}</strong> (<code>{created.key.redacted}</code>) is active.
        </p>
        <SecretOnce
          secret={created.secret}
          onDismiss={() => {
            const id = created.key.id;
            setCreated(null);
            navigate(keyHref(id));
          }}
        />
      </main>
    );

  const toggle = (scope: string, on: boolean) =>
    setScopes(on ? [...scopes, scope] : scopes.filter((s) => s !== scope));

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!name.trim()) return setError("Name: give the key a name that says what it is for.");
    if (scopes.length === 0) return setError("Scopes: choose at least one permission.");
    if (preset === "custom" && !(Number.isInteger(customDays) && customDays >= 1 && customDays <= 3650))
      return setError("Expires: a custom expiry is a whole number of days from 1 to 3650.");
    setBusy(true);
    setError(null);
    try {
      const body = {
        name: name.trim(),
        environment,
        scopes,
        expires_at: expiresAt(preset, customDays, Date.now()),
        metadata: { [KEY_METADATA.managedBy]: DASHBOARD_MANAGED_BY },
      };
      const { secret, ...key } = await api.post<ApiKeyWithSecret>("/v1/api_keys", body);
      store.upsert(key);
      setCreated({ key, secret });
    } catch (failure) {
      setError(
        failure instanceof ApiError
          ? `${failure.param ? `${failure.param}: ` : ""}${failure.message}${failure.requestId ? ` (request ${failure.requestId})` : ""}`
          : String(failure),
      );
    } finally {
      setBusy(false);
    }
  };

  const poor = name.trim() !== "" && isPoorName(name);
  return (
    <main>
      <h1>Create API key</h1>
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="key-name">Name</label>
          <input
            id="key-name"
            value={name}
            maxLength={100}
            required
            aria-describedby="name-advice"
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <div id="name-advice" class="help">
            <p>
              Choose a descriptive name that says what the key is for: it helps you find the key to revoke or
              rotate, especially when several people manage keys. Good:{" "}
              {GOOD_NAMES.map((n) => `“${n}”`).join(", ")}. Poor: “Key 1”, “Test”, “New Key”, “API Key”.
            </p>
            {poor && (
              <p class="warning" role="status">
                “{name.trim()}” does not say what the key is for.
              </p>
            )}
          </div>
        </div>

        <fieldset>
          <legend>Environment</legend>
          {environments.map((env) => (
            <label class="choice" key={env}>
              <input
                type="radio"
                name="environment"
                value={env}
                checked={environment === env}
                onChange={() => setEnvironment(env)}
              />
              {env === "live" ? "Live (Production): sk_live_…" : "Test (Sandbox): sk_test_…"}
            </label>
          ))}
        </fieldset>

        <fieldset>
          <legend>Permissions (scopes)</legend>
          <p class="help">Give the key only what it needs: a leaked key can do only what its scopes allow.</p>
          {SCOPES.filter((s) => holds(principal, s.value)).map((s) => (
            <label class="choice" key={s.value}>
              <input
                type="checkbox"
                name="scopes"
                value={s.value}
                checked={scopes.includes(s.value)}
                onChange={(e) => toggle(s.value, e.currentTarget.checked)}
              />
              <code>{s.value}</code> — {s.help}
            </label>
          ))}
        </fieldset>

        <fieldset>
          <legend>Expires</legend>
          {EXPIRY_PRESETS.map((p) => (
            <label class="choice" key={p.value}>
              <input
                type="radio"
                name="expiry"
                value={p.value}
                checked={preset === p.value}
                onChange={() => setPreset(p.value)}
              />
              <span>
                <strong>{p.label}</strong> <span class="help">{p.advice}</span>
              </span>
            </label>
          ))}
          <label class="choice">
            <input
              type="radio"
              name="expiry"
              value="custom"
              checked={preset === "custom"}
              onChange={() => setPreset("custom")}
            />
            Custom
          </label>
          {preset === "custom" && (
            <div class="field">
              <label for="custom-days">Days until it expires</label>
              <input
                id="custom-days"
                type="number"
                min={1}
                max={3650}
                value={customDays}
                onInput={(e) => setCustomDays(Number(e.currentTarget.value))}
              />
            </div>
          )}
          <p class="help">
            Set a calendar reminder before the key expires to generate a replacement in time.
          </p>
        </fieldset>

        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <p class="help">Generating shows the new key once; after that only its truncated form is shown.</p>
        <button type="submit" disabled={busy}>
          {busy ? "Generating…" : "Generate key"}
        </button>
      </form>
    </main>
  );
}
