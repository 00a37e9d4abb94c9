// Act, Secret effects: the only writes of key values. The values come from the keys API's answer or from
// the Secret itself; which value goes where is the planner's decision.
import type { ApiKeyStatus } from "../../core/planner/types.ts";
import type { SecretObject } from "../kube/types.ts";
import type { ReconcileDeps } from "./deps.ts";
import type { Gathered } from "./gather.ts";
import { paths } from "./objects.ts";
import { buildSecret, type SecretContent, sameSecret } from "./secret-values.ts";

/** Creates or replaces the Secret unless it already is as desired; answers whether it wrote. */
export async function putSecret(
  deps: ReconcileDeps,
  next: SecretObject,
  existing: SecretObject | undefined,
  signal?: AbortSignal,
): Promise<boolean> {
  if (sameSecret(existing, next)) return false;
  const ns = next.metadata.namespace;
  if (ns === undefined) throw new TypeError(`Secret ${next.metadata.name} has no namespace`);
  const written =
    existing === undefined
      ? await deps.rest.create<SecretObject>(paths.secrets(ns), next, { signal })
      : await deps.rest.replace<SecretObject>(paths.secret(ns, next.metadata.name), next, { signal });
  deps.latestSecrets.remember(`${ns}/${next.metadata.name}`, written);
  return true;
}

/** The Secret's values as they are, keeping the previous one only if `status` still lists it first. */
function currentContent(g: Gathered, status: ApiKeyStatus): SecretContent | undefined {
  if (g.values.current === undefined) return undefined;
  const content: SecretContent = { current: g.values.current };
  const keep = status.previousKeys?.[0];
  const secret = g.snapshot.secret;
  if (
    keep !== undefined &&
    secret.state === "owned" &&
    secret.previousKeyId === keep.keyId &&
    g.values.previous !== undefined
  )
    content.previous = { keyId: keep.keyId, value: g.values.previous };
  return content;
}

/** Rewrites the Secret for `status` with the values it already holds (repair, or a previous key leaving). */
export async function rewriteSecret(
  deps: ReconcileDeps,
  g: Gathered,
  status: ApiKeyStatus,
  signal?: AbortSignal,
): Promise<boolean> {
  const content = currentContent(g, status);
  if (content === undefined || g.secret === undefined) return false;
  return putSecret(deps, buildSecret(g.obj, g.layout, status, content, g.secret), g.secret, signal);
}
