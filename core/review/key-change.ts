import { addedScopes, removedScopes, type Scope } from "../domain/scopes.ts";
import { gracePeriodMs } from "../rotation/rotation-due.ts";
import { mintsNewKey, type SpecEdit } from "../spec/edit-rules.ts";
import { type KeySpec, SPEC_DEFAULTS } from "../spec/key-spec.ts";

/*
 * What a change of one declared key does to the real credential: the plan label of a review row.
 * Pure: the specs before and after in, one action out. Contract 2's edit rules (mintsNewKey) decide
 * every update; this chain only names the outcome, first check that fires wins.
 */

export type Platform = "kubernetes" | "pulumi";

export const PLAN_ACTIONS = [
  "create",
  "environment-change",
  "replace",
  "new-key",
  "schedule-change",
  "update-in-place",
  "delivery-change",
  "revoke",
  "retain",
  "no-change",
] as const;
export type PlanAction = (typeof PLAN_ACTIONS)[number];

export type KeyChange = {
  action: PlanAction;
  /** For updates: which fields changed and what each does (contract 2). */
  edit?: SpecEdit;
  /** new-key, replace: how long the old key keeps working after the new one is made. */
  graceMs?: number;
  addedScopes: Scope[];
  removedScopes: Scope[];
};

export type KeyChangeInput = {
  platform: Platform;
  /** The spec before the change; absent for a new key. */
  before?: KeySpec;
  /** The spec after the change; absent for a deleted key. */
  after?: KeySpec;
  /** A deleted key that survives the deletion (deletionPolicy Retain, Pulumi retainOnDelete). */
  retained?: boolean;
};

/** Kubernetes: whether deleting this ApiKey leaves its key working. */
export function retainedOnDelete(spec: KeySpec): boolean {
  return (spec.deletionPolicy ?? SPEC_DEFAULTS.deletionPolicy) === "Retain";
}

function graceOf(spec: KeySpec): number | undefined {
  try {
    return gracePeriodMs(spec.rotation);
  } catch {
    return undefined; // a malformed duration is the validator's finding
  }
}

type Check = (input: KeyChangeInput, edit: SpecEdit | undefined) => PlanAction | undefined;

const created: Check = ({ before }) => (before === undefined ? "create" : undefined);
const deleted: Check = ({ after, retained }) =>
  after === undefined ? (retained ? "retain" : "revoke") : undefined;
// Kubernetes refuses the edit (the CRD's CEL rule); Pulumi replaces the resource with a key in the new environment.
const environmentMoved: Check = ({ platform }, edit) =>
  edit?.replaceEnvironment ? (platform === "kubernetes" ? "environment-change" : "replace") : undefined;
const rolled: Check = (_, edit) => (edit?.newKey ? "new-key" : undefined);
const rescheduled: Check = (_, edit) =>
  edit && edit.scheduleChanged.length > 0 ? "schedule-change" : undefined;
const patched: Check = (_, edit) => (edit && edit.inPlace.length > 0 ? "update-in-place" : undefined);
const redelivered: Check = (_, edit) =>
  edit && edit.deliveryChanged.length > 0 ? "delivery-change" : undefined;

const CHAIN: readonly Check[] = [
  created,
  deleted,
  environmentMoved,
  rolled,
  rescheduled,
  patched,
  redelivered,
];

export function planKeyChange(input: KeyChangeInput): KeyChange {
  const { before, after } = input;
  const edit = before !== undefined && after !== undefined ? mintsNewKey(before, after) : undefined;
  let action: PlanAction = "no-change";
  for (const check of CHAIN) {
    const fired = check(input, edit);
    if (fired !== undefined) {
      action = fired;
      break;
    }
  }
  const change: KeyChange = {
    action,
    addedScopes: before && after ? addedScopes(before.scopes, after.scopes) : [],
    removedScopes: before && after ? removedScopes(before.scopes, after.scopes) : [],
  };
  if (edit !== undefined) change.edit = edit;
  if ((action === "new-key" || action === "replace") && after !== undefined) {
    const grace = graceOf(after);
    if (grace !== undefined) change.graceMs = grace;
  }
  return change;
}

/** The words of each action in a plan table. */
export const PLAN_ACTION_LABELS: Record<PlanAction, string> = {
  create: "create",
  "environment-change": "refused: environment change",
  replace: "replace (new environment)",
  "new-key": "new key, old one kept for grace",
  "schedule-change": "rotation schedule change",
  "update-in-place": "update in place",
  "delivery-change": "Secret delivery change",
  revoke: "revoke",
  retain: "stop managing (key keeps working)",
  "no-change": "no change",
};
