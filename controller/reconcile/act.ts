// Act: carries out one planner decision, and nothing else — no validation, no ownership or hygiene
// judgement (all of it is in core/planner). Each effect lives in its own file: mint, Secret, restart, verify,
// finish.
// Every call takes the reconcile's AbortSignal, so a reconcile past its timeout stops writing.
import { REASONS } from "../../core/planner/reasons.ts";
import type { Decision } from "../../core/planner/types.ts";
import {
  type ActResult,
  announce,
  CONTINUE,
  finalize,
  revokeKeys,
  stall,
  writeStatus,
} from "./act-finish.ts";
import { mint } from "./act-mint.ts";
import { restartWorkloads } from "./act-restart.ts";
import { rewriteSecret } from "./act-secret.ts";
import { verifyKey } from "./act-verify.ts";
import type { ReconcileDeps } from "./deps.ts";
import type { Gathered } from "./gather.ts";

export type { ActResult } from "./act-finish.ts";

export async function act(
  deps: ReconcileDeps,
  g: Gathered,
  d: Decision,
  signal?: AbortSignal,
): Promise<ActResult> {
  const { obj } = g;
  switch (d.action) {
    case "wait":
      return { continue: false, requeueAfterMs: d.requeueAfterMs };
    case "finalize":
      return finalize(deps, obj, d.revokeKeyIds, signal);
    case "stall":
      return stall(deps, g, d, signal);
    case "mint":
      return mint(deps, g, d, signal);
    case "revokeKeys":
      await revokeKeys(deps, d.keyIds, d.reason, signal);
      if (d.why === REASONS.StrayKeys) deps.metrics.strays.inc(d.keyIds.length);
      announce(deps, obj, d.notices);
      await rewriteSecret(deps, g, d.status, signal);
      await writeStatus(deps, obj, d.status, signal);
      return CONTINUE;
    case "dropPrevious":
      await rewriteSecret(deps, g, d.status, signal);
      await writeStatus(deps, obj, d.status, signal);
      announce(deps, obj, d.notices);
      return CONTINUE;
    case "patchKey": {
      const updated = await deps.keys.updateKey(d.keyId, { name: d.name, metadata: d.metadata }, { signal });
      deps.facts.observe(updated);
      return CONTINUE;
    }
    case "repairSecret":
      await rewriteSecret(deps, g, d.status, signal);
      announce(deps, obj, d.notices);
      return CONTINUE;
    case "restartTargets":
      await restartWorkloads(deps, obj, d.keyId, d.targets, signal);
      await writeStatus(deps, obj, d.status, signal);
      return CONTINUE;
    case "writeStatus":
      announce(deps, obj, d.notices);
      await writeStatus(deps, obj, d.status, signal);
      return CONTINUE;
    case "verifyKey":
      await verifyKey(deps, g, d.keyId, signal);
      return CONTINUE;
  }
}
