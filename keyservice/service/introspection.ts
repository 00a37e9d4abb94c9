// Is this string a key that works right now? Answered for any string, well-formed or not, without ever
// saying why a key is inactive. A test key cannot learn anything about live keys. Finding a key active
// counts as a use of it, and finding it revoked as an attempt to use it — unless the asker says it only
// checks a key it holds (record_use: false), as the controller does before it retires an older key: its
// check must not pass for a consumer having picked the key up.
import { effectiveState, type KeyRecord } from "../keys/key-record.ts";
import { lookupKey } from "./authenticator.ts";
import { canSeeEnvironment, requireRead } from "./authorize.ts";
import type { RequestContext, ServiceDeps } from "./context.ts";
import type { OperationResult } from "./idempotency.ts";
import { refusedKeyPresented } from "./refused-keys.ts";

const INACTIVE: OperationResult = Object.freeze({ status: 200, body: Object.freeze({ active: false }) });

export interface IntrospectInput {
  /** The string asked about (never logged, never echoed). */
  key: string;
  /** Count an active key as used, and a revoked or expired one as presented. */
  recordUse: boolean;
}

export function introspect(
  deps: ServiceDeps,
  ctx: RequestContext,
  input: IntrospectInput,
): OperationResult | Promise<OperationResult> {
  requireRead(ctx.principal);
  const { recordUse } = input;
  const found = lookupKey(deps, input.key, (record) => {
    // Only a key the asker could see: a test key learns nothing of live keys, not even through counts.
    if (recordUse && canSeeEnvironment(ctx.principal, record.environment))
      refusedKeyPresented(deps, record, {
        via: "introspection",
        requestId: ctx.requestId,
        ip: ctx.ip,
        actorKeyId: ctx.principal.id,
      });
  });
  return found instanceof Promise
    ? found.then((record) => answer(deps, ctx, record, recordUse))
    : answer(deps, ctx, found, recordUse);
}

function answer(
  deps: ServiceDeps,
  ctx: RequestContext,
  record: KeyRecord | undefined,
  recordUse: boolean,
): OperationResult {
  if (!record || !canSeeEnvironment(ctx.principal, record.environment)) {
    deps.metrics.introspections.inc({ active: "false" });
    return INACTIVE;
  }
  const now = deps.now();
  if (recordUse) deps.usage.record(record.id, now);
  deps.metrics.introspections.inc({ active: "true" });
  const state = effectiveState(record, now);
  return {
    status: 200,
    body: {
      active: true,
      id: state.id,
      environment: state.environment,
      scopes: state.scopes,
      expires_at: state.expiresAt === null ? null : new Date(state.expiresAt).toISOString(),
      expiring_at:
        state.status === "expiring" && state.expiringAt !== null
          ? new Date(state.expiringAt).toISOString()
          : null,
    },
  };
}
