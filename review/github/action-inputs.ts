import { FAIL_ON_VALUES, type FailOn } from "../../core/review/index.ts";

/*
 * The action's inputs as the runner passes them to a node24 action: one INPUT_<NAME> variable per
 * input, the name upper-cased with spaces turned to underscores (hyphens stay: INPUT_FAIL-ON), the
 * defaults from action.yml already applied. A bad value is a usage error, never a finding.
 */

export class ActionInputError extends Error {
  override readonly name = "ActionInputError";
}

export type ActionInputs = {
  paths: string[];
  pulumiEvents: string[];
  failOn?: FailOn;
  policy?: string;
  root?: string;
  token?: string;
  kubectl?: string;
  helm?: string;
  /** Where the JSON report goes; default: a file in RUNNER_TEMP named for the step. */
  reportPath?: string;
};

export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

function input(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[inputVariable(name)]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/** A list input: entries separated by spaces or new lines, as a workflow writes them. */
function list(env: Record<string, string | undefined>, name: string): string[] {
  return (input(env, name) ?? "").split(/\s+/).filter((entry) => entry !== "");
}

export function readActionInputs(env: Record<string, string | undefined>): ActionInputs {
  const inputs: ActionInputs = { paths: list(env, "paths"), pulumiEvents: list(env, "pulumi-events") };
  const failOn = input(env, "fail-on");
  if (failOn !== undefined) {
    if (!(FAIL_ON_VALUES as readonly string[]).includes(failOn))
      throw new ActionInputError(
        `input fail-on is ${JSON.stringify(failOn)}; it must be one of ${FAIL_ON_VALUES.join(", ")} (or empty for the policy's failOn).`,
      );
    inputs.failOn = failOn as FailOn;
  }
  for (const path of [...inputs.paths, ...inputs.pulumiEvents])
    if (path.startsWith("-"))
      throw new ActionInputError(
        `input paths and pulumi-events name files; ${JSON.stringify(path)} is not one.`,
      );
  const optional = {
    policy: "policy",
    root: "root",
    token: "token",
    kubectl: "kubectl",
    helm: "helm",
  } as const;
  for (const [field, name] of Object.entries(optional) as [keyof typeof optional, string][]) {
    const value = input(env, name);
    if (value !== undefined) inputs[field] = value;
  }
  const reportPath = input(env, "report-path");
  if (reportPath !== undefined) inputs.reportPath = reportPath;
  return inputs;
}
