// Rendering deploy/ as users do — `helm template` and `kubectl kustomize` from the pinned counterparts —
// into parsed objects, and the one normalisation a comparison between them may apply: Helm's own labels
// and annotations (managed-by Helm, instance, version, chart, resource-policy) go, nothing else.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { projectRoot } from "../../harness/controller.ts";

const run = promisify(execFile);
export const chartPath = join(projectRoot, "deploy", "helm", "ayra-keys");

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === "object" && "kind" in o);
}

export async function helmTemplate(helm: string, args: string[] = []): Promise<string> {
  const { stdout } = await run(
    helm,
    ["template", "ayra-keys", chartPath, "--namespace", "ayra-keys-system", ...args],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

export async function kustomize(kubectl: string, dir: string): Promise<string> {
  const { stdout } = await run(kubectl, ["kustomize", join(projectRoot, dir)], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

const HELM_LABELS = ["app.kubernetes.io/instance", "app.kubernetes.io/version", "helm.sh/chart"] as const;

/** The object without Helm's own bookkeeping, keyed `Kind/namespace/name` for a comparison. */
export function withoutHelm(objects: K8sObject[]): Map<string, K8sObject> {
  const out = new Map<string, K8sObject>();
  for (const o of objects) {
    const copy = structuredClone(o);
    const labels = copy.metadata.labels ?? {};
    for (const l of HELM_LABELS) delete labels[l];
    if (labels["app.kubernetes.io/managed-by"] === "Helm") delete labels["app.kubernetes.io/managed-by"];
    if (Object.keys(labels).length === 0) delete copy.metadata.labels;
    const annotations = copy.metadata.annotations ?? {};
    delete annotations["helm.sh/resource-policy"];
    if (Object.keys(annotations).length === 0) delete copy.metadata.annotations;
    out.set(`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, copy);
  }
  return out;
}
