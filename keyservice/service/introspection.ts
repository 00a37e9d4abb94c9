// Is this string a key that works right now? Answered for any string, well-formed or not, without ever
// saying why a key is inactive. A test key cannot learn anything about live keys. Finding a key active
// counts as a use of it.
import { effectiveState } from "../keys/key-record.ts";
import { lookupKey } from "./authenticator.ts";
import { canSeeEnvironment, requireRead } from "./authorize.ts";
import type { RequestContext, ServiceDeps } from "./context.ts";

const INACTIVE = Object.freeze({ active: false });

export async function introspect(
  deps: ServiceDeps,
  ctx: RequestContext,
  presented: string,
): Promise<Record<string, unknown>> {
  requireRead(ctx.principal);
  const record = await lookupKey(deps, presented);
  if (!record || !canSeeEnvironment(ctx.principal, record.environment)) {
    deps.metrics.introspections.inc({ active: "false" });
    return INACTIVE;
  }
  const now = deps.now();
  deps.usage.record(record.id, now);
  deps.metrics.introspections.inc({ active: "true" });
  const state = effectiveState(record, now);
  return {
    active: true,
    id: state.id,
    environment: state.environment,
    scopes: state.scopes,
    expires_at: state.expiresAt === null ? null : new Date(state.expiresAt).toISOString(),
    expiring_at:
      state.status === "expiring" && state.expiringAt !== null
        ? new Date(state.expiringAt).toISOString()
        : null,
  };
}
