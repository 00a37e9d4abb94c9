import { isWriteScope, type Scope } from "../domain/scopes.ts";
import type { KeySpec } from "../spec/key-spec.ts";
import type { KeyChange, Platform } from "./key-change.ts";
import type { ReviewRuleId } from "./rules.ts";

/*
 * What only a diff shows about one key: access it gains, an environment it leaves, a credential a
 * deletion revokes. Each check is pure and names its why; severities come from the policy later.
 */

export type DiffFinding = {
  rule: ReviewRuleId;
  /** The spec path the finding is about; `side` says whether to point at the head or the base document. */
  path: string;
  side: "head" | "base";
  message: string;
};

export type DiffInput = { platform: Platform; before?: KeySpec; after?: KeySpec; change: KeyChange };
type Check = (input: DiffInput) => DiffFinding[];

const none: DiffFinding[] = [];

function describeScope(scope: Scope): string {
  if (scope === "admin:full") return "admin:full (complete access)";
  return isWriteScope(scope) ? `${scope} (write)` : scope;
}

const scopesWidened: Check = ({ change, after }) => {
  const added = change.addedScopes;
  if (added.length === 0) return none;
  // Point at the first added scope in the list as written, so an annotation lands on that line.
  const first = added.find(isWriteScope) ?? added[0];
  const index = first === undefined ? -1 : (after?.scopes.indexOf(first) ?? -1);
  const writes = added.some(isWriteScope);
  const removed = change.removedScopes.length > 0 ? `; removes ${change.removedScopes.join(", ")}` : "";
  return [
    {
      rule: writes ? "write-scope-widening" : "scope-widening",
      path: index >= 0 ? `scopes[${index}]` : "scopes",
      side: "head",
      message: `Widens access: adds ${added.map(describeScope).join(", ")}${removed}. A new key is minted with the wider scopes; check that the systems using it need them.`,
    },
  ];
};

const environmentMoved: Check = ({ platform, before, after, change }) => {
  if (!change.edit?.replaceEnvironment || before === undefined || after === undefined) return none;
  if (platform === "kubernetes") {
    return [
      {
        rule: "environment-change",
        path: "environment",
        side: "head",
        message: `environment changes from ${before.environment} to ${after.environment}, which the API server refuses: an ApiKey's environment is immutable. To move it, delete this ApiKey (its ${before.environment} key is revoked) and create one under a new name (a new ${after.environment} key is minted).`,
      },
    ];
  }
  return [
    {
      rule: "environment-replaced",
      path: "environment",
      side: "head",
      message: `environment changes from ${before.environment} to ${after.environment}: a key cannot move, so Pulumi mints a new ${after.environment} key in its place and the ${before.environment} key stops working after its grace period. Every system using the old key needs the new one, from the other environment.`,
    },
  ];
};

const liveKeyDeleted: Check = ({ before, change }) =>
  change.action === "revoke" && before?.environment === "live"
    ? [
        {
          rule: "live-key-deleted",
          path: "",
          side: "base",
          message:
            "Deleting this live ApiKey revokes its key at once: every request still using it fails. Check its usage first, or set deletionPolicy: Retain to stop managing the key without revoking it.",
        },
      ]
    : none;

const keyRetained: Check = ({ change }) =>
  change.action === "retain"
    ? [
        {
          rule: "key-retained",
          path: "",
          side: "base",
          message:
            "This key is retained on delete: it keeps working but nothing manages, rotates or revokes it any more. Revoke it by hand once nothing uses it.",
        },
      ]
    : none;

const CHECKS: readonly Check[] = [scopesWidened, environmentMoved, liveKeyDeleted, keyRetained];

export function diffFindings(input: DiffInput): DiffFinding[] {
  return CHECKS.flatMap((check) => check(input));
}
