// One key: everything the list shows and more — usage over 30 days, the rotation chain, attempts made with it
// after it stopped working, its audit trail with request ids — and the actions the signed-in key may take.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, query } from "../api.ts";
import { KeyActions } from "../components/key-actions.tsx";
import { EnvironmentBadge, ManagerText, StatusBadge } from "../components/key-bits.tsx";
import { UsageChart } from "../components/usage-chart.tsx";
import type { KeyStore } from "../key-store.ts";
import { formatTime, reasonLabel, relative } from "../model/key-view.ts";
import { canManage } from "../model/principal.ts";
import type { ApiKey, AuditEvent, KeyList, KeyUsage, Principal } from "../model/types.ts";
import { keyHref } from "../router.ts";

const DAYS_30 = 30 * 86_400_000;
const HOUR = 3_600_000;

interface Loaded {
  key: ApiKey;
  usage: KeyUsage | null;
  events: AuditEvent[];
  since: number;
  until: number;
}

async function allEvents(id: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  // A key's trail is short; ten pages is far beyond any real one and bounds a pathological one.
  for (let page = 0; page < 10; page++) {
    const list = await api.get<KeyList & { data: AuditEvent[] }>(
      `/v1/audit_events${query({ key_id: id, limit: 100, starting_after: cursor })}`,
    );
    events.push(...list.data);
    if (!list.has_more || list.next_cursor === null) break;
    cursor = list.next_cursor;
  }
  return events;
}

export function KeyDetails({ id, store, principal }: { id: string; store: KeyStore; principal: Principal }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    // Whole hours, so the chart's bars line up with the API's hour buckets.
    const until = Math.ceil(Date.now() / HOUR) * HOUR;
    const since = until - DAYS_30;
    Promise.all([
      api.get<ApiKey>(`/v1/api_keys/${id}`),
      api
        .get<KeyUsage>(
          `/v1/api_keys/${id}/usage${query({ since: new Date(since).toISOString(), until: new Date(until).toISOString() })}`,
        )
        .catch(() => null),
      allEvents(id).catch(() => []),
    ]).then(
      ([key, usage, events]) => setLoaded({ key, usage, events, since, until }),
      (failure: unknown) =>
        setError(
          failure instanceof ApiError && failure.status === 404
            ? "No such key, or not one this key may see."
            : String(failure),
        ),
    );
  }, [id]);

  if (error)
    return (
      <main>
        <h1>API key</h1>
        <p role="alert" class="error">
          {error}
        </p>
        <p>
          <a href="#/keys">Back to the keys</a>
        </p>
      </main>
    );
  if (!loaded)
    return (
      <main>
        <h1>API key</h1>
        <p>Loading…</p>
      </main>
    );

  const { key, usage, events } = loaded;
  const attempts = events.filter((e) => e.action === "api_key.revoked_key_used");
  const now = Date.now();
  const manageable = canManage(principal, key) && (key.status === "active" || key.status === "expiring");
  return (
    <main>
      <p>
        <a href="#/keys">← All API keys</a>
      </p>
      <h1>{key.name}</h1>
      <dl class="facts">
        <dt>Key</dt>
        <dd>
          <code>{key.redacted}</code> <span class="help">(the full key is never shown again)</span>
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{key.id}</code>
        </dd>
        <dt>Environment</dt>
        <dd>
          <EnvironmentBadge environment={key.environment} />
        </dd>
        <dt>Scopes</dt>
        <dd>{key.scopes.join(", ")}</dd>
        <dt>Status</dt>
        <dd data-testid="key-status">
          <StatusBadge apiKey={key} />
        </dd>
        {key.status === "expiring" && (
          <>
            <dt>Stops working</dt>
            <dd data-testid="key-deadline">
              <time dateTime={key.expiring_at ?? ""}>{formatTime(key.expiring_at)}</time> (
              {relative(key.expiring_at, now)})
            </dd>
          </>
        )}
        {key.status === "revoked" && (
          <>
            <dt>Revoked</dt>
            <dd>
              {formatTime(key.revoked_at)}: {reasonLabel(key.revocation_reason)}
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{formatTime(key.created_at)}</dd>
        <dt>Expires</dt>
        <dd>{formatTime(key.expires_at, "Never")}</dd>
        <dt>Last used</dt>
        <dd>{relative(key.last_used_at, now)}</dd>
        <dt>Managed by</dt>
        <dd data-testid="key-manager">
          <ManagerText apiKey={key} />
        </dd>
        <dt>Rotation</dt>
        <dd data-testid="rotation">
          {key.rolled_from ? (
            <>
              Replaces <a href={keyHref(key.rolled_from)}>{key.rolled_from}</a>.{" "}
            </>
          ) : null}
          {key.replaced_by ? (
            <>
              Replaced by <a href={keyHref(key.replaced_by)}>{key.replaced_by}</a>.
            </>
          ) : null}
          {!key.rolled_from && !key.replaced_by && "Never rotated."}
        </dd>
        {Object.keys(key.metadata).length > 0 && (
          <>
            <dt>Metadata</dt>
            <dd>
              {Object.entries(key.metadata).map(([k, v]) => (
                <span class="meta" key={k}>
                  <code>{k}</code>: {v}
                </span>
              ))}
            </dd>
          </>
        )}
      </dl>

      {manageable && (
        <KeyActions
          apiKey={key}
          principal={principal}
          store={store}
          onChanged={(next) => setLoaded({ ...loaded, key: next })}
        />
      )}

      <section aria-labelledby="usage-heading">
        <h2 id="usage-heading">Usage</h2>
        {usage ? (
          <UsageChart usage={usage} since={loaded.since} until={loaded.until} />
        ) : (
          <p>Usage could not be read.</p>
        )}
        <p class="help">Counts may lag by up to {usage?.flush_interval_seconds ?? 5} seconds.</p>
      </section>

      <section aria-labelledby="attempts-heading">
        <h2 id="attempts-heading">Attempts after it stopped working</h2>
        <p data-testid="revoked-attempts">
          {(usage?.revoked_attempts ?? 0) === 0
            ? "Nobody has presented this key after it was revoked or expired."
            : `Presented ${usage?.revoked_attempts} time${usage?.revoked_attempts === 1 ? "" : "s"} after it was revoked or expired, last at ${formatTime(usage?.last_revoked_attempt_at ?? null)}: some system still uses it.`}
        </p>
        {attempts.length > 0 && (
          <ul>
            {attempts.map((e) => (
              <li key={e.id}>
                {formatTime(e.created_at)}
                {e.ip ? ` from ${e.ip}` : ""}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="audit-heading">
        <h2 id="audit-heading">Audit trail</h2>
        {events.length === 0 ? (
          <p>No events.</p>
        ) : (
          <table class="audit">
            <caption class="visually-hidden">Changes to this key, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">By key</th>
                <th scope="col">Request id</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <td>{formatTime(e.created_at)}</td>
                  <td>{e.action.replace(/^api_key\./, "").replaceAll("_", " ")}</td>
                  <td>
                    {e.actor_key_id ? <a href={keyHref(e.actor_key_id)}>{e.actor_key_id}</a> : "the service"}
                  </td>
                  <td>
                    <code>{e.request_id ?? "—"}</code>
                  </td>
                  <td class="details">
                    {Object.keys(e.details).length > 0 ? JSON.stringify(e.details) : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
