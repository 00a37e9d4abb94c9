// kstatus-compliant conditions (Ready, Reconciling, Stalled), so Flux reads health natively and the Argo CD
// health check has one place to look. lastTransitionTime moves only when a condition's status changes.
import type { Condition, ConditionStatus, ConditionType } from "./types.ts";

export type ConditionsSummary = "ready" | "reconciling" | "stalled";

export interface ConditionsInput {
  summary: ConditionsSummary;
  reason: string;
  message: string;
  generation: number;
  now: number;
  /** Reconciling with a key already in place: Ready stays True. */
  keyInPlace?: boolean;
}

function statuses(input: ConditionsInput): Record<ConditionType, ConditionStatus> {
  switch (input.summary) {
    case "ready":
      return { Ready: "True", Reconciling: "False", Stalled: "False" };
    case "reconciling":
      return { Ready: input.keyInPlace ? "True" : "False", Reconciling: "True", Stalled: "False" };
    case "stalled":
      return { Ready: "False", Reconciling: "False", Stalled: "True" };
  }
}

export function buildConditions(
  previous: readonly Condition[] | undefined,
  input: ConditionsInput,
): Condition[] {
  const wanted = statuses(input);
  const now = new Date(input.now).toISOString();
  return (["Ready", "Reconciling", "Stalled"] as const).map((type) => {
    const before = previous?.find((c) => c.type === type);
    const status = wanted[type];
    const active = status === "True" || (type === "Ready" && input.summary !== "ready");
    return {
      type,
      status,
      reason: active ? input.reason : type === "Ready" ? input.reason : "NotApplicable",
      message: active ? input.message : "",
      lastTransitionTime: before !== undefined && before.status === status ? before.lastTransitionTime : now,
      observedGeneration: input.generation,
    };
  });
}

/** Equal apart from lastTransitionTime of conditions whose status did not change. */
export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  return b.every((cb) => {
    const ca = a.find((c) => c.type === cb.type);
    return (
      ca !== undefined &&
      ca.status === cb.status &&
      ca.reason === cb.reason &&
      ca.message === cb.message &&
      ca.observedGeneration === cb.observedGeneration
    );
  });
}

export function conditionOf(conditions: readonly Condition[] | undefined, type: ConditionType) {
  return conditions?.find((c) => c.type === type);
}
