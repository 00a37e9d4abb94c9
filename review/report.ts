import type { Environment } from "../core/domain/environments.ts";
import type { Severity } from "../core/hygiene/rules.ts";
import type { FailOn, PlanAction, RuleId } from "../core/review/index.ts";

/* The review's result: what the renderers and the GitHub reporter read. Never holds a key value. */

/** A place in a reviewed file: 1-based lines and columns, in the head tree unless `side` says base. */
export type Location = {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  side: "head" | "base";
};

export type Finding = {
  rule: RuleId;
  severity: Severity;
  /** One or two sentences naming the field and the fix; never a key value. */
  message: string;
  /** The key it is about: "namespace/name" for a manifest, "project/stack::name" for a Pulumi resource. */
  key?: string;
  /** The spec path ("rotation.gracePeriod", "scopes[2]"), when the finding is about one field. */
  specPath?: string;
  /** For invalid-spec: the validator's own rule id ("schema:enum", "grace-shorter-than-rotation"). */
  check?: string;
  location?: Location;
};

/**
 * A plan row: what merging does to one real credential. "invalid": the head spec cannot be applied;
 * "unknown": a Pulumi preview whose inputs are secret or computed, so the effect shows only at apply.
 */
export type RowAction = PlanAction | "invalid" | "unknown";

export type PlanRow = {
  key: string;
  source: "manifest" | "pulumi";
  environment?: Environment;
  action: RowAction;
  /** One line for the table: what happens to the key. */
  summary: string;
  /** Each changed field, old → new where that is safe to show. */
  details: string[];
  location?: Location;
};

export type CommitRef = { ref: string; sha: string };

export type ReviewReport = {
  version: 1;
  /** What this review covers: the sticky comment and the check run are one per root. */
  root: string;
  head?: CommitRef;
  /** The commit compared against: the merge base of --base and --head. */
  base?: CommitRef;
  policy: { source: string; failOn: FailOn };
  /** Every key that changes, in key order; unchanged keys are only counted. */
  plan: PlanRow[];
  unchanged: number;
  findings: Finding[];
  counts: Record<Severity, number>;
  /** True when a finding reaches the failOn threshold: the exit code is 1, the check fails. */
  failed: boolean;
};
