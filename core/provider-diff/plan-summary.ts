// One line that says why an update mints a new key, for the preview: "renew: expires …, renewal window opened
// at …". Pure: the plan and what it was made from in, text out (never a key value: only ids' times and fields).
import { ROTATION_REASONS } from "../rotation/rotation-due.ts";
import { SLOT_REASONS, type SlotPlan, type SlotPlanInput } from "./slot-plan.ts";

const iso = (ms: number) => new Date(ms).toISOString();

/** Why the plan mints a new key, by its first reason; undefined when the key is kept. */
export function summarizeSlotPlan(input: SlotPlanInput, plan: SlotPlan): string | undefined {
  if (plan.action === "keep") return undefined;
  const { key } = input;
  const expires = key.expiresAt === null ? "never" : iso(key.expiresAt);
  switch (plan.reasons[0]) {
    case ROTATION_REASONS.renewBefore:
      return plan.rotation.at === null
        ? `renew: expires ${expires}`
        : `renew: expires ${expires}, renewal window opened at ${iso(plan.rotation.at)}`;
    case ROTATION_REASONS.expired:
    case SLOT_REASONS.keyExpired:
      return `renew: expired at ${expires}, replaced at once`;
    case ROTATION_REASONS.period:
      return `rotate: rotation.every ${input.after.rotation?.every ?? ""} is up${plan.rotation.at === null ? "" : ` since ${iso(plan.rotation.at)}`}`;
    case SLOT_REASONS.keyRevoked:
      return "replace: the key was revoked outside Pulumi";
    case SLOT_REASONS.keyMissing:
      return "replace: the keys API no longer knows the key";
    case SLOT_REASONS.keyExpiring:
      return "roll: the key was scheduled to stop working outside Pulumi";
    case SLOT_REASONS.ownerMoved:
      return `new key: the resource moved from ${input.owner?.before} to ${input.owner?.after}; a key's owner cannot change`;
    case SLOT_REASONS.environment:
      return `replace: environment changed to ${input.after.environment}`;
    case SLOT_REASONS.spec:
      return `roll: ${plan.edit.rolling.join(", ")} changed`;
    default:
      return `${plan.action}: ${plan.reasons.join(", ")}`;
  }
}
