// Regenerate, edit and revoke. Each opens a panel that says what will happen before anything is sent; a
// regenerated key's value is shown once, here, and goes with this panel.
import { useState } from "preact/hooks";
import { ApiError, api } from "../api.ts";
import type { KeyStore } from "../key-store.ts";
import { formatTime, isDeclared, type Manager, managerOf } from "../model/key-view.ts";
import { holds } from "../model/principal.ts";
import {
  type ApiKey,
  type ApiKeyWithSecret,
  type Principal,
  REVOCATION_REASONS,
  SCOPES,
} from "../model/types.ts";
import { keyHref, navigate } from "../router.ts";
import { SecretOnce } from "./secret-once.tsx";

const GRACES = [
  { seconds: 0, label: "None: revoke this key at once" },
  { seconds: 3_600, label: "1 hour" },
  { seconds: 86_400, label: "1 day" },
  { seconds: 7 * 86_400, label: "7 days (the seed's rotation timeline)" },
];

type Panel = "none" | "regenerate" | "edit" | "revoke";

function describe(failure: unknown): string {
  if (!(failure instanceof ApiError)) return String(failure);
  return `${failure.param ? `${failure.param}: ` : ""}${failure.message}${failure.requestId ? ` (request ${failure.requestId})` : ""}`;
}

export function KeyActions(props: {
  apiKey: ApiKey;
  principal: Principal;
  store: KeyStore;
  onChanged: (key: ApiKey) => void;
}) {
  const { apiKey } = props;
  const [panel, setPanel] = useState<Panel>("none");
  const [rolled, setRolled] = useState<{ key: ApiKey; secret: string } | null>(null);
  const manager = managerOf(apiKey);

  if (rolled)
    return (
      <section aria-labelledby="actions-heading">
        <h2 id="actions-heading">New key</h2>
        <p>
          <a href={keyHref(rolled.key.id)}>{rolled.key.name}</a> (<code>{rolled.key.redacted}</code>) replaces
          this key.
        </p>
        <SecretOnce
          secret={rolled.secret}
          onDismiss={() => {
            const id = rolled.key.id;
            setRolled(null);
            navigate(keyHref(id));
          }}
        />
      </section>
    );

  const roll = async (body: Record<string, unknown>) => {
    const { secret, ...key } = await api.post<ApiKeyWithSecret>(`/v1/api_keys/${apiKey.id}/roll`, body);
    const old = await api.get<ApiKey>(`/v1/api_keys/${apiKey.id}`);
    props.store.upsert(key, old);
    props.onChanged(old);
    setRolled({ key, secret });
  };

  const open = (next: Panel) => setPanel(panel === next ? "none" : next);
  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">Actions</h2>
      <div class="actions">
        {!isDeclared(manager) && (
          <button type="button" aria-expanded={panel === "regenerate"} onClick={() => open("regenerate")}>
            Regenerate…
          </button>
        )}
        {!isDeclared(manager) && (
          <button type="button" aria-expanded={panel === "edit"} onClick={() => open("edit")}>
            Edit…
          </button>
        )}
        <button
          type="button"
          class="danger"
          aria-expanded={panel === "revoke"}
          onClick={() => open("revoke")}
        >
          Revoke…
        </button>
      </div>
      {isDeclared(manager) && <Declared manager={manager} />}
      {panel === "regenerate" && <Regenerate apiKey={apiKey} roll={roll} />}
      {panel === "edit" && <Edit {...props} roll={roll} />}
      {panel === "revoke" && <Revoke {...props} manager={manager} />}
    </section>
  );
}

function Declared({ manager }: { manager: Manager }) {
  return (
    <div class="note" data-testid="declared">
      {manager.kind === "controller" ? (
        <p>
          This key is managed by the ayra-keys controller: it is declared by the ApiKey{" "}
          <code>{manager.where}</code>
          {manager.cluster ? (
            <>
              {" "}
              in cluster <code>{manager.cluster}</code>
            </>
          ) : null}
          . Change its name, scopes, expiry or rotation in that manifest (
          <code>
            kubectl edit apikey -n {manager.where?.split("/")[0]} {manager.where?.split("/")[1]}
          </code>
          ); editing or regenerating it here would go behind the controller's back.
        </p>
      ) : (
        <p>
          This key is managed by Pulumi: it is declared in stack <code>{manager.where}</code> (resource{" "}
          <code>{manager.urn}</code>). Change it in the program and run <code>pulumi up</code>; editing or
          regenerating it here would go behind the stack's back.
        </p>
      )}
    </div>
  );
}

function GraceSelect({
  id,
  value,
  onChange,
}: {
  id: string;
  value: number;
  onChange: (seconds: number) => void;
}) {
  return (
    <div class="field">
      <label for={id}>Grace period: how long this key keeps working</label>
      <select id={id} value={String(value)} onChange={(e) => onChange(Number(e.currentTarget.value))}>
        {GRACES.map((g) => (
          <option key={g.seconds} value={String(g.seconds)}>
            {g.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function deadline(apiKey: ApiKey, graceSeconds: number): string {
  const grace = Date.now() + graceSeconds * 1000;
  const own = apiKey.expiring_at ?? apiKey.expires_at;
  return new Date(own === null ? grace : Math.min(Date.parse(own), grace)).toISOString();
}

function Regenerate({
  apiKey,
  roll,
}: {
  apiKey: ApiKey;
  roll: (body: Record<string, unknown>) => Promise<void>;
}) {
  const [grace, setGrace] = useState(86_400);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      await roll({ grace_period_seconds: grace });
    } catch (failure) {
      setError(describe(failure));
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="regenerate-heading">
      <h3 id="regenerate-heading">Regenerate this key</h3>
      <GraceSelect id="regenerate-grace" value={grace} onChange={setGrace} />
      <p data-testid="regenerate-explanation">
        Creates a new key with the same name, environment, scopes and metadata, and shows its value once.{" "}
        {grace === 0
          ? `This key (${apiKey.redacted}) is revoked at once with reason Replaced.`
          : `This key (${apiKey.redacted}) keeps working until ${formatTime(deadline(apiKey, grace))}, then is revoked with reason Replaced. Move every system to the new key before then.`}
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <button type="button" disabled={busy} onClick={go}>
        Regenerate now
      </button>
    </section>
  );
}

function Edit(props: {
  apiKey: ApiKey;
  principal: Principal;
  store: KeyStore;
  onChanged: (key: ApiKey) => void;
  roll: (body: Record<string, unknown>) => Promise<void>;
}) {
  const { apiKey, principal } = props;
  const [name, setName] = useState(apiKey.name);
  const [scopes, setScopes] = useState<string[]>(apiKey.scopes);
  const [days, setDays] = useState<string>("");
  const [grace, setGrace] = useState(86_400);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const rename = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const key = await api.patch<ApiKey>(`/v1/api_keys/${apiKey.id}`, { name: name.trim() });
      props.store.upsert(key);
      props.onChanged(key);
      setDone(`Renamed to “${key.name}”. The key's value and permissions are unchanged.`);
    } catch (failure) {
      setError(describe(failure));
    }
  };
  const remake = async (event: Event) => {
    event.preventDefault();
    setError(null);
    if (scopes.length === 0) return setError("Scopes: choose at least one permission.");
    const n = Number(days);
    if (days !== "" && !(Number.isInteger(n) && n >= 1 && n <= 3650))
      return setError("Expires: a whole number of days from 1 to 3650, or empty for no expiry.");
    try {
      await props.roll({
        scopes,
        expires_at: days === "" ? null : new Date(Date.now() + n * 86_400_000).toISOString(),
        grace_period_seconds: grace,
      });
    } catch (failure) {
      setError(describe(failure));
    }
  };
  return (
    <section class="panel" aria-labelledby="edit-heading">
      <h3 id="edit-heading">Edit this key</h3>
      <form onSubmit={rename}>
        <div class="field">
          <label for="edit-name">Name</label>
          <input
            id="edit-name"
            value={name}
            maxLength={100}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </div>
        <p class="help">Renaming changes only the label: the key's value and permissions stay as they are.</p>
        <button type="submit">Rename</button>
      </form>
      <form onSubmit={remake}>
        <p data-testid="edit-explanation">
          <strong>A scope or expiry change makes a new key.</strong> A key's permissions and expiry are fixed
          when it is made: saving these creates a new key with a new value (shown once), and this key keeps
          working for the grace period so you can move your systems, then is revoked with reason Replaced.
        </p>
        <fieldset>
          <legend>Scopes of the new key</legend>
          {SCOPES.filter((s) => holds(principal, s.value)).map((s) => (
            <label class="choice" key={s.value}>
              <input
                type="checkbox"
                checked={scopes.includes(s.value)}
                onChange={(e) =>
                  setScopes(
                    e.currentTarget.checked ? [...scopes, s.value] : scopes.filter((x) => x !== s.value),
                  )
                }
              />
              <code>{s.value}</code>
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="edit-days">New key expires in (days; empty for no expiry)</label>
          <input
            id="edit-days"
            type="number"
            min={1}
            max={3650}
            value={days}
            onInput={(e) => setDays(e.currentTarget.value)}
          />
        </div>
        <GraceSelect id="edit-grace" value={grace} onChange={setGrace} />
        <button type="submit">Make the new key</button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {done && <p role="status">{done}</p>}
    </section>
  );
}

function Revoke(props: {
  apiKey: ApiKey;
  store: KeyStore;
  onChanged: (key: ApiKey) => void;
  manager: Manager;
}) {
  const { apiKey } = props;
  const [reason, setReason] = useState("");
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const go = async (event: Event) => {
    event.preventDefault();
    if (reason === "")
      return setError("Reason: choose why this key is revoked; audits and incident reviews rely on it.");
    setBusy(true);
    setError(null);
    try {
      const key = await api.post<ApiKey>(`/v1/api_keys/${apiKey.id}/revoke`, {
        reason,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      props.store.upsert(key);
      props.onChanged(key);
    } catch (failure) {
      setError(describe(failure));
      setBusy(false);
    }
  };
  return (
    <form class="panel" aria-labelledby="revoke-heading" onSubmit={go} noValidate>
      <h3 id="revoke-heading">Revoke this key</h3>
      <p class="warning" data-testid="revoke-explanation">
        <strong>Warning:</strong> revocation is immediate and irreversible. Every request using{" "}
        {apiKey.redacted} will fail with an authentication error from now on. Revoke responsibly to avoid
        breaking production systems.
        {isDeclared(props.manager) && " Its manifest or stack still declares it; change that too."}
      </p>
      <div class="field">
        <label for="revoke-reason">Reason (required)</label>
        <select
          id="revoke-reason"
          required
          aria-required="true"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        >
          <option value="">Choose a reason…</option>
          {REVOCATION_REASONS.map((r) => (
            <option key={r.value} value={r.value}>
              {r.label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="revoke-note">Note (optional)</label>
        <textarea
          id="revoke-note"
          maxLength={500}
          value={note}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <button type="submit" class="danger" disabled={busy}>
        Revoke now
      </button>
    </form>
  );
}
