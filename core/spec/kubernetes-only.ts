import { fieldName } from "./paths.ts";
import { kubernetesOnlyPaths } from "./schema.ts";
import { SPEC_RULES } from "./semantic-rules.ts";
import type { SpecError } from "./spec-error.ts";

// Why each field needs the controller; a field marked in the schema but missing here gets the generic reason.
const REASONS: Record<string, string> = {
  "rotation.quietPeriod":
    "quietPeriod needs a process that acts between runs (watching the old key's usage): use the Kubernetes controller",
  secret:
    "writing and updating a Secret needs a process that acts between runs: use the Kubernetes controller, or pass the ApiKey's secret output to your own Secret",
  restartTargets:
    "restarting workloads after each rotation needs a process that acts between runs: use the Kubernetes controller",
  deletionPolicy: "in Pulumi, keep a key on delete with the resource option retainOnDelete instead",
};
const GENERIC_REASON = "it needs a process that acts between runs: use the Kubernetes controller";

function valueAt(input: unknown, path: string): unknown {
  let value = input;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** For the Pulumi target: each Kubernetes-only field that is set, refused with the reason. */
export function kubernetesOnlyErrors(input: unknown): SpecError[] {
  return kubernetesOnlyPaths()
    .filter((path) => valueAt(input, path) !== undefined)
    .map((path) => ({
      path,
      rule: SPEC_RULES.kubernetesOnly,
      message: `${fieldName(path)} is available only on the Kubernetes ApiKey resource: ${REASONS[path] ?? GENERIC_REASON}.`,
    }));
}
