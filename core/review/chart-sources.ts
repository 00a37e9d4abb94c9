import { describeValue } from "../domain/safe-text.ts";
import type { PolicyError } from "./policy.ts";

/*
 * The Helm charts a review renders, as the policy names them: a chart folder in the repository and the
 * values files a deployment uses, in order. Only repository paths: a chart repository, an OCI
 * reference or a URL would make the review fetch content a pull request chose.
 *
 *   charts:
 *     - chart: deploy/charts/keys
 *       values: [deploy/charts/keys/values-prod.yaml]
 *       release: keys        # default: the chart folder's name
 *       namespace: keys      # default: the policy's namespace
 */

export type ChartSource = { chart: string; values: string[]; release?: string; namespace?: string };

const RELEASE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why a path is not a plain relative path inside the repository, or undefined when it is. */
function repositoryPathProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "")
    return `must be a path in the repository, not ${describeValue(value)}`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value))
    return `must be a path in the repository, not a URL or chart reference (${describeValue(value)})`;
  if (value.startsWith("/") || value.split("/").includes(".."))
    return `must be a relative path inside the repository, not ${describeValue(value)}`;
  return undefined;
}

export function parseChartSources(input: unknown): { charts: ChartSource[]; errors: PolicyError[] } {
  const errors: PolicyError[] = [];
  const charts: ChartSource[] = [];
  if (!Array.isArray(input)) {
    errors.push({ path: "charts", message: "charts must be a list of {chart, values, release, namespace}." });
    return { charts, errors };
  }
  input.forEach((entry, i) => {
    const path = `charts[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      errors.push({ path, message: `${path} must be a mapping with chart and values.` });
      return;
    }
    const record = entry as Record<string, unknown>;
    for (const field of Object.keys(record))
      if (!["chart", "values", "release", "namespace"].includes(field))
        errors.push({
          path: `${path}.${field}`,
          message: `${path}.${field} is not a chart setting; the settings are: chart, values, release, namespace.`,
        });
    const chartProblem = repositoryPathProblem(record.chart);
    if (chartProblem) errors.push({ path: `${path}.chart`, message: `${path}.chart ${chartProblem}.` });
    const values = record.values === undefined ? [] : record.values;
    if (!Array.isArray(values)) {
      errors.push({ path: `${path}.values`, message: `${path}.values must be a list of values files.` });
      return;
    }
    values.forEach((v, j) => {
      const problem = repositoryPathProblem(v);
      if (problem) errors.push({ path: `${path}.values`, message: `${path}.values[${j}] ${problem}.` });
    });
    const source: ChartSource = {
      chart: String(record.chart).replace(/\/+$/, ""),
      values: values.filter((v): v is string => typeof v === "string"),
    };
    for (const field of ["release", "namespace"] as const) {
      const value = record[field];
      if (value === undefined) continue;
      if (typeof value === "string" && value.length <= 53 && RELEASE.test(value)) source[field] = value;
      else
        errors.push({
          path: `${path}.${field}`,
          message: `${path}.${field} must be a DNS label (lowercase letters, digits and '-'); it is ${describeValue(value)}.`,
        });
    }
    if (!chartProblem) charts.push(source);
  });
  return { charts, errors };
}
