// The seed's key list: name, redacted key, environment, scopes, dates, status and manager; searched, filtered
// and sorted in the page, shown a page of rows at a time so 10,000 keys stay quick.
import { useMemo, useState } from "preact/hooks";
import { download } from "../components/download.ts";
import { EnvironmentBadge, ManagerText, StatusBadge } from "../components/key-bits.tsx";
import { useKeyStore } from "../components/use-store.ts";
import type { KeyStore } from "../key-store.ts";
import {
  filterKeys,
  type KeyFilter,
  type KeySort,
  NO_FILTER,
  type SortField,
  sortKeys,
} from "../model/key-filter.ts";
import { formatDate, relative } from "../model/key-view.ts";
import { environmentsFor } from "../model/principal.ts";
import { registryCsv, registryJson } from "../model/registry-export.ts";
import { type Principal, SCOPES } from "../model/types.ts";
import { keyHref } from "../router.ts";

const PAGE = 50;

const COLUMNS: { field: SortField | null; label: string }[] = [
  { field: "name", label: "Name" },
  { field: null, label: "Key" },
  { field: null, label: "Environment" },
  { field: null, label: "Scopes" },
  { field: "created_at", label: "Created" },
  { field: "expires_at", label: "Expires" },
  { field: "last_used_at", label: "Last used" },
  { field: "status", label: "Status" },
  { field: null, label: "Managed by" },
];

export function KeyListScreen({ store, principal }: { store: KeyStore; principal: Principal }) {
  const state = useKeyStore(store);
  const [filter, setFilter] = useState<KeyFilter>(NO_FILTER);
  const [sort, setSort] = useState<KeySort>({ field: "created_at", descending: true });
  const [page, setPage] = useState(0);
  const now = Date.now();

  const shown = useMemo(() => sortKeys(filterKeys(state.keys, filter), sort), [state.keys, filter, sort]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const current = Math.min(page, pages - 1);
  const rows = shown.slice(current * PAGE, (current + 1) * PAGE);

  const change = (next: Partial<KeyFilter>) => {
    setFilter({ ...filter, ...next });
    setPage(0);
  };
  const sortBy = (field: SortField) =>
    setSort(sort.field === field ? { field, descending: !sort.descending } : { field, descending: false });
  const stamp = new Date().toISOString().slice(0, 10);
  const exported = () => shown.map((k) => k.key);

  return (
    <main>
      <h1>API keys</h1>
      <search class="filters" aria-label="Find keys">
        <div class="field">
          <label for="key-search">Search</label>
          <input
            id="key-search"
            type="search"
            value={filter.text}
            placeholder="Name, key, id, scope or metadata"
            onInput={(e) => change({ text: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="filter-environment">Environment</label>
          <select
            id="filter-environment"
            value={filter.environment}
            onChange={(e) => change({ environment: e.currentTarget.value as KeyFilter["environment"] })}
          >
            <option value="">All</option>
            {environmentsFor(principal).map((env) => (
              <option value={env} key={env}>
                {env === "live" ? "Live" : "Test"}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select
            id="filter-status"
            value={filter.status}
            onChange={(e) => change({ status: e.currentTarget.value as KeyFilter["status"] })}
          >
            <option value="">All</option>
            <option value="active">Active</option>
            <option value="expiring">Expiring</option>
            <option value="expired">Expired</option>
            <option value="revoked">Revoked</option>
          </select>
        </div>
        <div class="field">
          <label for="filter-manager">Managed by</label>
          <select
            id="filter-manager"
            value={filter.manager}
            onChange={(e) => change({ manager: e.currentTarget.value as KeyFilter["manager"] })}
          >
            <option value="">Anyone</option>
            <option value="controller">Controller</option>
            <option value="pulumi">Pulumi</option>
            <option value="dashboard">Dashboard</option>
            <option value="unmanaged">Unmanaged</option>
          </select>
        </div>
        <div class="field">
          <label for="filter-scope">Scope</label>
          <select
            id="filter-scope"
            value={filter.scope}
            onChange={(e) => change({ scope: e.currentTarget.value })}
          >
            <option value="">Any</option>
            {SCOPES.map((s) => (
              <option value={s.value} key={s.value}>
                {s.value}
              </option>
            ))}
          </select>
        </div>
      </search>

      <div class="bar">
        <p id="key-count" aria-live="polite" data-testid="key-count">
          {state.ready ? `${shown.length} of ${state.keys.length} keys` : "Loading keys…"}
          {state.loading && " (loading more…)"}
        </p>
        <div class="actions">
          <button
            type="button"
            disabled={state.loading || shown.length === 0}
            onClick={() => download(`api-keys-${stamp}.csv`, "text/csv", registryCsv(exported()))}
          >
            Export CSV
          </button>
          <button
            type="button"
            disabled={state.loading || shown.length === 0}
            onClick={() =>
              download(
                `api-keys-${stamp}.json`,
                "application/json",
                registryJson(exported(), new Date().toISOString()),
              )
            }
          >
            Export JSON
          </button>
        </div>
      </div>
      {state.error && (
        <p role="alert" class="error">
          Could not load keys: {state.error}
        </p>
      )}

      <table class="keys" aria-describedby="key-count">
        <thead>
          <tr>
            {COLUMNS.map((column) => {
              const sorted = column.field !== null && sort.field === column.field;
              return (
                <th
                  scope="col"
                  key={column.label}
                  aria-sort={sorted ? (sort.descending ? "descending" : "ascending") : undefined}
                >
                  {column.field === null ? (
                    column.label
                  ) : (
                    <button type="button" class="sort" onClick={() => column.field && sortBy(column.field)}>
                      {column.label}
                      <span aria-hidden="true">{sorted ? (sort.descending ? " ▼" : " ▲") : ""}</span>
                    </button>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map(({ key }) => (
            <tr key={key.id} data-key-id={key.id}>
              <th scope="row">
                <a href={keyHref(key.id)}>{key.name}</a>
              </th>
              <td>
                <code>{key.redacted}</code>
              </td>
              <td>
                <EnvironmentBadge environment={key.environment} />
              </td>
              <td class="scopes">{key.scopes.join(", ")}</td>
              <td>{formatDate(key.created_at)}</td>
              <td>{formatDate(key.expires_at)}</td>
              <td>{relative(key.last_used_at, now)}</td>
              <td>
                <StatusBadge apiKey={key} />
              </td>
              <td>
                <ManagerText apiKey={key} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {state.ready && shown.length === 0 && <p>No key matches.</p>}
      {pages > 1 && (
        <nav class="pager" aria-label="Pages of keys">
          <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
            Previous
          </button>
          <span>
            Page {current + 1} of {pages}
          </span>
          <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
            Next
          </button>
        </nav>
      )}
    </main>
  );
}
