import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";

/*
 * The tools that render what GitOps applies (kubectl's built-in kustomize, helm), found the same way
 * for both: an explicit path (--kubectl, the action's input), an AYRA_KEYS_KUBECTL / AYRA_KEYS_HELM
 * variable, else PATH. They run on untrusted input: no shell, a near-empty environment, a time limit.
 */

export type RenderTool = "kubectl" | "helm";

const INSTALL: Record<RenderTool, string> = {
  kubectl: "install kubectl (https://kubernetes.io/docs/tasks/tools/) or pass --kubectl PATH",
  helm: "install helm (https://helm.sh/docs/intro/install/) or pass --helm PATH",
};

/** A render tool is needed and not there: the review cannot run (exit 2). */
export class RenderToolMissingError extends Error {
  override readonly name = "RenderToolMissingError";
  readonly tool: RenderTool;
  constructor(tool: RenderTool, why: string, needed: string) {
    super(`${needed} needs ${tool}, and ${why}: ${INSTALL[tool]}.`);
    this.tool = tool;
  }
}

export type ToolPaths = { kubectl?: string; helm?: string };

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function findTool(
  tool: RenderTool,
  given: ToolPaths,
  env: Record<string, string | undefined>,
  needed: string,
): Promise<string> {
  const variable = tool === "kubectl" ? "AYRA_KEYS_KUBECTL" : "AYRA_KEYS_HELM";
  const explicit = given[tool] ?? env[variable];
  if (explicit !== undefined && explicit !== "") {
    if (await executable(explicit)) return explicit;
    throw new RenderToolMissingError(
      tool,
      `${explicit} (from ${given[tool] ? `--${tool}` : variable}) is not an executable file`,
      needed,
    );
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, tool);
    if (await executable(candidate)) return candidate;
  }
  throw new RenderToolMissingError(tool, `it is not on PATH (nor set in ${variable})`, needed);
}

export type ToolRun = { ok: true; stdout: string } | { ok: false; message: string };

export const RENDER_TIMEOUT_MS = 60_000;
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/** Runs a render tool in `cwd` with only HOME set (a scratch folder): no PATH, no kubeconfig, no plugins. */
export function runTool(
  path: string,
  args: string[],
  options: { cwd: string; home: string; timeoutMs?: number; extraEnv?: Record<string, string> },
): Promise<ToolRun> {
  const timeout = options.timeoutMs ?? RENDER_TIMEOUT_MS;
  return new Promise((resolve) => {
    execFile(
      path,
      args,
      {
        cwd: options.cwd,
        env: {
          HOME: options.home,
          PATH: "",
          KUSTOMIZE_PLUGIN_HOME: join(options.home, "no-plugins"),
          ...options.extraEnv,
        },
        timeout,
        killSignal: "SIGKILL",
        maxBuffer: MAX_OUTPUT_BYTES,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (error === null) return resolve({ ok: true, stdout });
        const killed = (error as { killed?: boolean }).killed === true;
        const first = stderr.trim().split("\n").slice(0, 4).join(" ").slice(0, 600);
        resolve({
          ok: false,
          message: killed
            ? `did not finish within ${timeout / 1000} s`
            : first || error.message.split("\n")[0] || "failed",
        });
      },
    );
  });
}
