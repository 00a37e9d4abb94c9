import { readdir, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { isPair, isScalar, LineCounter, type Node, parseAllDocuments, parseDocument, visit } from "yaml";
import type { ChartSource } from "../../core/review/index.ts";
import { type ApiKeyManifest, fileStart, type ManifestProblem, parseManifestText } from "../manifests.ts";
import type { Location } from "../report.ts";
import { locationOf } from "../yaml-locate.ts";
import { isDirectory, isFile } from "./kustomization-files.ts";
import type { RenderedSide } from "./kustomize-render.ts";
import { runTool } from "./render-tools.ts";

/*
 * One side of a chart the policy names, rendered with `helm template` from an export of that commit:
 * a local chart only (a dependency from a chart repository must be vendored in charts/), no post-renderer,
 * no plugins (Helm's homes are scratch folders), no cluster (template never calls one), a time limit.
 * A spec field set in a values file points there; anything else at the template that made the object.
 */

export type HelmSideInput = {
  exportRoot: string;
  chart: ChartSource;
  side: "head" | "base";
  namespace: string;
  helm: string;
  home: string;
  timeoutMs?: number;
};

type ChartFile = { dependencies?: { name?: unknown; repository?: unknown }[] };

async function remoteDependencies(exportRoot: string, chart: string): Promise<string[]> {
  const text = await readFile(join(exportRoot, chart, "Chart.yaml"), "utf8").catch(() => "");
  const data = (parseDocument(text).toJS({ maxAliasCount: 100 }) ?? {}) as ChartFile;
  const vendored = await readdir(join(exportRoot, chart, "charts")).catch(() => [] as string[]);
  const remote: string[] = [];
  for (const dep of Array.isArray(data.dependencies) ? data.dependencies : []) {
    const repository = typeof dep.repository === "string" ? dep.repository : "";
    const name = String(dep.name ?? "");
    if (!/^(https?|oci):/i.test(repository) && !repository.startsWith("@")) continue;
    if (!vendored.some((entry) => entry === name || (entry.startsWith(`${name}-`) && entry.endsWith(".tgz"))))
      remote.push(`${name} from ${repository}`);
  }
  return remote;
}

/** The template each rendered ApiKey came from (helm's "# Source:" comments), by namespace/name. */
function templateSources(rendered: string, chart: string, namespace: string): Map<string, string> {
  const out = new Map<string, string>();
  // A "# Source:" comment may sit in an empty document before the object's own (`---` in a template).
  let current: string | undefined;
  for (const doc of parseAllDocuments(rendered)) {
    const comments = [doc.commentBefore, doc.contents?.commentBefore, doc.comment].filter(Boolean).join("\n");
    current = /Source:\s*(\S+)/.exec(comments)?.[1] ?? current;
    const source = current;
    const object = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> | null;
    if (source === undefined || object?.kind !== "ApiKey") continue;
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    const ns = typeof metadata.namespace === "string" ? metadata.namespace : namespace;
    // "keys/templates/apikeys.yaml": the chart's name, then the path inside the chart folder.
    out.set(`${ns}/${String(metadata.name)}`, posix.join(chart, source.slice(source.indexOf("/") + 1)));
  }
  return out;
}

type ValuesFile = { file: string; text: string };

/** Where a values file sets a key named `field` (the last values file wins, as in Helm). */
function valuesLocation(
  files: readonly ValuesFile[],
  field: string,
  side: "head" | "base",
): Location | undefined {
  for (const { file, text } of [...files].reverse()) {
    const counter = new LineCounter();
    const doc = parseDocument(text, { lineCounter: counter });
    let found: { node: Node; key: Node } | undefined;
    visit(doc, {
      Pair(_, pair) {
        if (isPair(pair) && isScalar(pair.key) && pair.key.value === field && pair.value) {
          found = { node: pair.value as Node, key: pair.key as Node };
          return visit.BREAK;
        }
        return undefined;
      },
    });
    if (found) return locationOf(found, file, counter, side);
  }
  return undefined;
}

function refused(file: string, side: "head" | "base", message: string): ManifestProblem {
  return { rule: "render-failed", message, location: fileStart(file, side) };
}

export async function renderHelmSide(input: HelmSideInput): Promise<RenderedSide> {
  const { chart, side, exportRoot } = input;
  const chartFile = `${chart.chart}/Chart.yaml`;
  if (!(await isDirectory(join(exportRoot, chart.chart))) || !(await isFile(join(exportRoot, chartFile))))
    return side === "base"
      ? { keys: [], problems: [] }
      : {
          keys: [],
          problems: [
            refused(
              ".ayra-keys.yaml",
              side,
              `The policy names the chart ${chart.chart}, which has no Chart.yaml at this commit.`,
            ),
          ],
        };
  const remote = await remoteDependencies(exportRoot, chart.chart);
  if (remote.length > 0)
    return {
      keys: [],
      problems: [
        refused(
          chartFile,
          side,
          `${chartFile} depends on ${remote.join(", ")}, not vendored in charts/: remote charts are not fetched. The chart is not rendered or reviewed.`,
        ),
      ],
    };
  const values: ValuesFile[] = [];
  for (const file of chart.values) {
    const text = await readFile(join(exportRoot, file), "utf8").catch(() => undefined);
    if (text === undefined)
      return {
        keys: [],
        problems: [
          refused(
            chartFile,
            side,
            `The values file ${file} for ${chart.chart} does not exist at this commit.`,
          ),
        ],
      };
    values.push({ file, text });
  }
  const namespace = chart.namespace ?? input.namespace;
  const release = chart.release ?? posix.basename(chart.chart);
  const args = [
    "template",
    release,
    chart.chart,
    "--namespace",
    namespace,
    ...chart.values.flatMap((v) => ["--values", v]),
  ];
  const run = await runTool(input.helm, args, {
    cwd: exportRoot,
    home: input.home,
    extraEnv: {
      HELM_CACHE_HOME: join(input.home, "helm-cache"),
      HELM_CONFIG_HOME: join(input.home, "helm-config"),
      HELM_DATA_HOME: join(input.home, "helm-data"),
      HELM_PLUGINS: join(input.home, "no-plugins"),
    },
    ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}),
  });
  if (!run.ok)
    return {
      keys: [],
      problems: [refused(chartFile, side, `helm template ${chart.chart} failed: ${run.message}`)],
    };
  const parsed = parseManifestText(`${chart.chart} (rendered)`, run.stdout, { namespace, side });
  const templates = templateSources(run.stdout, chart.chart, namespace);
  const keys: ApiKeyManifest[] = parsed.keys.map((key) => {
    const template = templates.get(key.id) ?? chartFile;
    const location = fileStart(template, side);
    return {
      ...key,
      file: template,
      location,
      locate: (specPath) => valuesLocation(values, specPath.split(/[.[]/)[0] ?? specPath, side) ?? location,
    };
  });
  return { keys, problems: parsed.problems.map((p) => ({ ...p, location: fileStart(chartFile, side) })) };
}
