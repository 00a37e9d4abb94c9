// diff: compare the state the current key was made for with the checked inputs, through core's plan. Explicit:
// `changes` is always a boolean, `replaces` always empty (a slot is never replaced: the engine would delete the
// old resource in the same run and end the grace period before it starts), `__provider` is never compared.
// No I/O: the clock is the only thing read.
import {
  planSlot,
  type SlotPlan,
  type SlotPlanInput,
  summarizeSlotPlan,
} from "../../core/provider-diff/index.ts";
import { containsUnknown } from "./check.ts";
import { type ApiKeyInputs, type ApiKeyState, appliedSpecOf, deletionReasonOf, specOf } from "./state.ts";

export interface DiffOutcome {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: false;
}

export function parseTime(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function planInput(state: ApiKeyState, inputs: ApiKeyInputs, now: number): SlotPlanInput {
  return {
    before: appliedSpecOf(state),
    after: specOf(inputs),
    key: {
      status: state.status ?? "active",
      createdAt: parseTime(state.createdAt) ?? now,
      expiresAt: parseTime(state.expiresAt),
    },
    previousRevokeAt: state.previousKeyId === undefined ? null : parseTime(state.previousRevokeAt),
    // The slot (URN) is the key's owner in its metadata; a renamed resource or stack needs a key of its own.
    owner: { before: state.slot, after: inputs.slot },
    now,
  };
}

/** The plan for moving a slot from its state to the inputs, at `now`. */
export function planFor(state: ApiKeyState, inputs: ApiKeyInputs, now: number): SlotPlan {
  return planSlot(planInput(state, inputs, now));
}

/** Why moving the slot to the inputs mints a new key, in one line for the preview; undefined if it does not. */
export function diffSummary(
  state: ApiKeyState,
  news: Record<string, unknown>,
  now: number,
): string | undefined {
  if (containsUnknown(news)) return undefined;
  const input = planInput(state, news as unknown as ApiKeyInputs, now);
  return summarizeSlotPlan(input, planSlot(input));
}

/** Provider bookkeeping that changes the state but not the key (a new slot mints a key: see planFor). */
export function bookkeepingChanged(state: ApiKeyState, inputs: ApiKeyInputs): boolean {
  return deletionReasonOf(state) !== deletionReasonOf(inputs);
}

export function diffState(state: ApiKeyState, news: Record<string, unknown>, now: number): DiffOutcome {
  const unchanged: DiffOutcome = { changes: false, replaces: [], deleteBeforeReplace: false };
  // Unknown inputs in a preview: say "update" rather than guess; the real run diffs the values.
  if (containsUnknown(news)) return { ...unchanged, changes: true };
  const inputs = news as unknown as ApiKeyInputs;
  const changes = planFor(state, inputs, now).changes || bookkeepingChanged(state, inputs);
  return { ...unchanged, changes };
}
