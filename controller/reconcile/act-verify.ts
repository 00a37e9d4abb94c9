// Act, the verify step: introspect the current key by the value this controller wrote to the Secret,
// asking the keys service not to count the check as a use (it must never pass for a consumer having picked
// the key up). The answer is remembered in the key facts; the planner decides what follows. The value
// goes to the keys service in the request body only, and nowhere else.
import type { ReconcileDeps } from "./deps.ts";
import type { Gathered } from "./gather.ts";

export async function verifyKey(
  deps: ReconcileDeps,
  g: Gathered,
  keyId: string,
  signal?: AbortSignal,
): Promise<void> {
  const secret = g.snapshot.secret;
  const value = g.values.current;
  let active = false;
  // Only the value the Secret holds for this very key is checked; anything else counts as not active.
  if (value !== undefined && secret.state === "owned" && secret.keyId === keyId) {
    const answer = await deps.keys.introspect(value, { recordUse: false, signal });
    active = answer.active && answer.id === keyId;
  }
  const v = deps.facts.verified(keyId, { active, at: deps.timers.now() });
  const apiKey = `${g.obj.metadata.namespace}/${g.obj.metadata.name}`;
  if (active) deps.logger.info({ apiKey, keyId }, "the current key introspects active");
  else
    deps.logger.warn(
      { apiKey, keyId, failures: v.failures },
      "the current key does not introspect active: nothing older is retired",
    );
}
