// The seed's runbooks (rotate, revoke, security incident) as decisions: given a key and who manages it, what
// one command does. Pure: the CLI carries the steps out. A managed key is changed where it is declared — the
// ApiKey's timestamp annotation for the controller, the Pulumi program for Pulumi — never behind its back.
import type { ApiKey, RevocationReason } from "../client/types.ts";
import { DAY_MS } from "../domain/durations.ts";
import { ANNOTATIONS } from "../planner/types.ts";
import type { KeyOwner } from "./target.ts";

export const REVOCATION_REASONS: readonly RevocationReason[] = [
  "compromised",
  "replaced",
  "unused",
  "employee_departure",
  "project_ended",
];
/** The rotation default (the seed's timeline): the old key keeps working this long. */
export const DEFAULT_GRACE_MS = 7 * DAY_MS;
/** The keys API's limit on grace_period_seconds. */
export const MAX_GRACE_MS = 31_536_000_000;

export class ReasonError extends Error {
  override readonly name = "ReasonError";
}

export function parseReason(text: string): RevocationReason {
  const found = REVOCATION_REASONS.find((r) => r === text);
  if (found === undefined)
    throw new ReasonError(
      `--reason ${JSON.stringify(text)} is not a revocation reason: use one of ${REVOCATION_REASONS.join(", ")}`,
    );
  return found;
}

export type RunbookStep =
  /** Merge-patch one annotation onto the ApiKey; the controller does the rest. */
  | { kind: "annotate"; namespace: string; name: string; annotation: string; value: string; effect: string }
  /** Keys API roll: a new key now, the old one working for the grace period. */
  | { kind: "roll"; keyId: string; graceSeconds: number; effect: string }
  /** Keys API revoke, at once. */
  | { kind: "revoke"; keyId: string; reason: RevocationReason; effect: string }
  /** Nothing this command may do: `commands` is what a person runs instead. */
  | { kind: "refuse"; why: string; commands: string[] }
  /** Already done: the key no longer works. */
  | { kind: "nothing"; why: string };

export interface RunbookPlan {
  keyId: string;
  owner: KeyOwner;
  steps: RunbookStep[];
  /** Commands to run afterwards (a Pulumi key revoked in an incident still needs its replacement). */
  followUp: string[];
}

const gone = (key: ApiKey): RunbookStep | undefined =>
  key.status === "revoked" || key.status === "expired"
    ? { kind: "nothing", why: `${key.id} is already ${key.status}: it cannot authenticate` }
    : undefined;

const quote = (text: string) => `'${text.replaceAll("'", `'"'"'`)}'`;
const stackFlag = (owner: Extract<KeyOwner, { kind: "pulumi" }>) =>
  owner.stack ? ` --stack ${quote(owner.stack)}` : "";

/** Pulumi's commands for a key of a stack: the provider rolls a key on `up` when its spec changes or rotateAfter passed. */
export function pulumiCommands(
  owner: Extract<KeyOwner, { kind: "pulumi" }>,
  action: "rotate" | "revoke" | "replace-revoked",
): string[] {
  const target = `${stackFlag(owner)} --target ${quote(owner.urn)}`;
  switch (action) {
    case "rotate":
      return [
        "# The provider rolls a key when its resource's scopes or expiry change or its rotateAfter has passed",
        "# (never with --replace: that deletes the slot and ends the old key's grace at once). Change the resource",
        "# in the program (e.g. a shorter rotation.every), then:",
        `pulumi up${target}`,
      ];
    case "revoke":
      return [
        "# Remove the resource from the program and run `pulumi up`, or revoke it with its deletionReason:",
        `pulumi destroy${target}`,
      ];
    case "replace-revoked":
      return [`pulumi refresh --yes${target}`, `pulumi up${target}`];
  }
}

export function planRotate(
  key: ApiKey,
  owner: KeyOwner,
  options: { graceMs: number; now: Date },
): RunbookPlan {
  const done = gone(key);
  const base = { keyId: key.id, owner, followUp: [] };
  if (done) return { ...base, steps: [done] };
  switch (owner.kind) {
    case "controller":
      return {
        ...base,
        steps: [
          {
            kind: "annotate",
            namespace: owner.namespace,
            name: owner.name,
            annotation: ANNOTATIONS.rotate,
            value: options.now.toISOString(),
            effect:
              "the controller mints a new key, writes it to the Secret, restarts the restart targets and revokes the old key after the ApiKey's grace period",
          },
        ],
      };
    case "pulumi":
      return {
        ...base,
        steps: [
          {
            kind: "refuse",
            why: `${key.id} is managed by Pulumi (stack ${owner.stack ?? "?"}): rotate it with pulumi, or the next \`pulumi up\` would not know its key`,
            commands: pulumiCommands(owner, "rotate"),
          },
        ],
      };
    case "unmanaged":
      return {
        ...base,
        steps: [
          {
            kind: "roll",
            keyId: key.id,
            graceSeconds: Math.round(options.graceMs / 1000),
            effect: `a new key now; ${key.id} keeps working for the grace period, then the keys service revokes it (reason replaced)`,
          },
        ],
      };
  }
}

export function planRevoke(
  key: ApiKey,
  owner: KeyOwner,
  options: { reason: RevocationReason; now: Date },
): RunbookPlan {
  const done = gone(key);
  const base = { keyId: key.id, owner, followUp: [] };
  if (done) return { ...base, steps: [done] };
  if (owner.kind === "controller") {
    if (options.reason === "compromised") return planIncident(key, owner, options);
    return {
      ...base,
      steps: [
        {
          kind: "refuse",
          why: `${key.id} belongs to ApiKey ${owner.namespace}/${owner.name}: revoked behind its back, the controller would mint another at once. Delete the ApiKey where it is declared (its deletionPolicy Revoke revokes the key), rotate it, or revoke with --reason compromised (replaced and revoked at once)`,
          commands: [
            `kubectl delete apikey --namespace ${quote(owner.namespace)} ${quote(owner.name)}`,
            `ayra-keys rotate ${key.id}`,
          ],
        },
      ],
    };
  }
  if (owner.kind === "pulumi")
    return {
      ...base,
      steps: [
        {
          kind: "refuse",
          why: `${key.id} is managed by Pulumi (stack ${owner.stack ?? "?"}): revoked behind its back, the next \`pulumi up\` would replace it; retire it in the program`,
          commands: pulumiCommands(owner, "revoke"),
        },
      ],
    };
  return {
    ...base,
    steps: [
      { kind: "revoke", keyId: key.id, reason: options.reason, effect: `${key.id} stops working at once` },
    ],
  };
}

/**
 * A compromised key stops working now, whoever manages it: a controller key through the compromised annotation
 * (a new key first, the old one revoked at once, consumers restarted); any other key through the keys API — a
 * Pulumi key's replacement then comes from `pulumi refresh` and `pulumi up`, which mint a new key for a
 * revoked one.
 */
export function planIncident(key: ApiKey, owner: KeyOwner, options: { now: Date }): RunbookPlan {
  const done = gone(key);
  const base = { keyId: key.id, owner, followUp: [] };
  if (done) return { ...base, steps: [done] };
  if (owner.kind === "controller")
    return {
      ...base,
      steps: [
        {
          kind: "annotate",
          namespace: owner.namespace,
          name: owner.name,
          annotation: ANNOTATIONS.compromised,
          value: options.now.toISOString(),
          effect:
            "the controller mints a new key, revokes the old one (and any previous key) at once with reason compromised, writes the Secret and restarts the restart targets",
        },
      ],
    };
  const revoke: RunbookStep = {
    kind: "revoke",
    keyId: key.id,
    reason: "compromised",
    effect: `${key.id} stops working at once`,
  };
  return {
    ...base,
    steps: [revoke],
    followUp: owner.kind === "pulumi" ? pulumiCommands(owner, "replace-revoked") : [],
  };
}

/** The plan's one refusal, if it has one. */
export function refusalOf(plan: RunbookPlan): Extract<RunbookStep, { kind: "refuse" }> | undefined {
  return plan.steps.find((s): s is Extract<RunbookStep, { kind: "refuse" }> => s.kind === "refuse");
}

export function describeStep(step: RunbookStep): string {
  switch (step.kind) {
    case "annotate":
      return `annotate ApiKey ${step.namespace}/${step.name} ${step.annotation}=${step.value}: ${step.effect}`;
    case "roll":
      return `roll ${step.keyId} with a grace period of ${step.graceSeconds}s: ${step.effect}`;
    case "revoke":
      return `revoke ${step.keyId} (reason ${step.reason}): ${step.effect}`;
    case "refuse":
      return `refused: ${step.why}`;
    case "nothing":
      return `nothing to do: ${step.why}`;
  }
}
