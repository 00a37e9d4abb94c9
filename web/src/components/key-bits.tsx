// Small pieces every screen shows a key with.
import { formatTime, MANAGER_LABEL, managerOf, statusText } from "../model/key-view.ts";
import type { ApiKey, Environment } from "../model/types.ts";

export function EnvironmentBadge({ environment }: { environment: Environment }) {
  return <span class={`badge env-${environment}`}>{environment === "live" ? "Live" : "Test"}</span>;
}

export function StatusBadge({ apiKey }: { apiKey: ApiKey }) {
  const title =
    apiKey.status === "expiring" ? `Stops working at ${formatTime(apiKey.expiring_at)}` : undefined;
  return (
    <span class={`status status-${apiKey.status}`} title={title}>
      {statusText(apiKey)}
    </span>
  );
}

export function ManagerText({ apiKey }: { apiKey: ApiKey }) {
  const manager = managerOf(apiKey);
  return (
    <span class={`manager manager-${manager.kind}`}>
      {MANAGER_LABEL[manager.kind]}
      {manager.where && <span class="where"> {manager.where}</span>}
    </span>
  );
}
