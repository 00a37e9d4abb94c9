// The Helm chart as a cluster admin would use it: it lints, its renders pass a server-side dry run on the
// real API server, its default render is the kustomize base object for object (and namespaced mode the
// namespaced overlay), its CRD and policy templates are what deploy/ generates, and the Prometheus
// Operator objects render only where their CRDs are served.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { chartSources, rulesSource } from "../../../deploy/helm/chart-sources.ts";
import { adminKubeConfig } from "../../harness/control-plane.ts";
import { ensureCrds, KubeHelper, kubectl } from "../../harness/controller.ts";
import { createTestNamespace, type TestNamespace } from "../../harness/namespace.ts";
import { chartPath, helmTemplate, type K8sObject, kustomize, parseObjects, withoutHelm } from "./render.ts";

const run = promisify(execFile);
const info = inject("controlPlane");
const { helm } = inject("counterparts");
let ns: TestNamespace;

const dryRun = (manifest: string) =>
  kubectl(
    info,
    ["apply", "--server-side", "--dry-run=server", "--field-manager=ayra-keys-tests", "-f", "-"],
    manifest,
  );

beforeAll(async () => {
  const kc = adminKubeConfig(info);
  await ensureCrds(info, kc);
  const kube = new KubeHelper(kc, "default");
  await kube.rest
    .create("/api/v1/namespaces", { metadata: { name: "ayra-keys-system" } })
    .catch(() => undefined);
  kube.close();
  ns = await createTestNamespace(kc, "chart");
});

afterAll(async () => {
  await ns?.delete();
});

describe("deploy/helm/ayra-keys", () => {
  it("passes helm lint, in cluster and namespaced mode and with the keys service", async () => {
    for (const values of [
      [],
      ["--set", "controller.watchNamespaces={apps,billing}"],
      [
        "--set",
        "keyService.enabled=true",
        "--set",
        "keyService.store=postgres",
        "--set",
        "keyService.replicas=3",
      ],
    ]) {
      const { stdout } = await run(helm, ["lint", "--strict", chartPath, ...values]);
      expect(stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it("holds the CRDs and admission policies deploy/ generates", () => {
    for (const [path, content] of chartSources())
      if (!path.startsWith("files"))
        expect(
          readFileSync(join(chartPath, path), "utf8"),
          `${path}: run npx node deploy/helm/chart-sources.ts`,
        ).toBe(content);
  });

  it("ships the alert rules of deploy/prometheus unchanged", () => {
    expect(existsSync(rulesSource), `${rulesSource} is the source of files/ayra-keys-rules.yaml`).toBe(true);
    expect(
      readFileSync(join(chartPath, "files", "ayra-keys-rules.yaml"), "utf8"),
      "run npx node deploy/helm/chart-sources.ts",
    ).toBe(readFileSync(rulesSource, "utf8"));
  });

  it("renders by default exactly the kustomize base, but for Helm's own labels", async () => {
    const chart = withoutHelm(parseObjects(await helmTemplate(helm)));
    // Helm installs into a namespace it is given (--create-namespace); it does not own it.
    const base = withoutHelm(
      parseObjects(await kustomize(info.kubectl, "deploy")).filter((o) => o.kind !== "Namespace"),
    );
    expect([...chart.keys()].sort()).toEqual([...base.keys()].sort());
    for (const [key, object] of base) expect(chart.get(key), key).toEqual(object);
  });

  it("renders namespaced mode for one namespace exactly as deploy/overlays/namespaced", async () => {
    const chart = withoutHelm(
      parseObjects(await helmTemplate(helm, ["--set", "controller.watchNamespaces={apps}"])),
    );
    const overlay = withoutHelm(
      parseObjects(await kustomize(info.kubectl, "deploy/overlays/namespaced")).filter(
        (o) => o.kind !== "Namespace",
      ),
    );
    expect([...chart.keys()].sort()).toEqual([...overlay.keys()].sort());
    for (const [key, object] of overlay) expect(chart.get(key), key).toEqual(object);
  });

  it("passes a server-side dry run with default and namespaced values", async () => {
    const defaults = await dryRun(await helmTemplate(helm));
    expect(defaults).toMatch(/deployment\.apps\/ayra-keys-controller serverside-applied \(server dry run\)/);
    expect(defaults).toMatch(
      /validatingadmissionpolicy\.admissionregistration\.k8s\.io\/ayra-keys-controller-writes/,
    );

    const namespaced = await helmTemplate(helm, [
      "--set",
      `controller.watchNamespaces={${ns.name},default}`,
      "--set",
      "controller.podDisruptionBudget.enabled=true",
      "--set",
      "networkPolicy.enabled=true",
    ]);
    const objects = parseObjects(namespaced);
    const deployments = objects.filter((o) => o.kind === "Deployment");
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      ["ayra-keys-controller-default", `ayra-keys-controller-${ns.name}`].sort(),
    );
    const args = (d: K8sObject) =>
      (d as unknown as { spec: { template: { spec: { containers: { args: string[] }[] } } } }).spec.template
        .spec.containers[0]?.args;
    expect(args(deployments.find((d) => d.metadata.name.endsWith(ns.name)) as K8sObject)).toEqual(
      expect.arrayContaining([
        `--namespace=${ns.name}`,
        `--leader-election-id=ayra-keys-controller-${ns.name}`,
      ]),
    );
    const roles = objects.filter((o) => o.kind === "Role" && o.metadata.name === "ayra-keys-controller");
    expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(["default", ns.name].sort());
    const out = await dryRun(namespaced);
    expect(out).toMatch(/role\.rbac\.authorization\.k8s\.io\/ayra-keys-controller serverside-applied/);
    expect(out).toMatch(/poddisruptionbudget\.policy\/ayra-keys-controller-default serverside-applied/);
    expect(out).toMatch(/networkpolicy\.networking\.k8s\.io\/ayra-keys-controller serverside-applied/);
  });

  it("renders the ServiceMonitors and the PrometheusRule only where the Prometheus Operator's CRDs are", async () => {
    const monitoring = ["--set", "serviceMonitor.enabled=true", "--set", "prometheusRule.enabled=true"];
    // Asked for without the CRDs: refused with the reason, not skipped.
    const refused = await helmTemplate(helm, monitoring).then(
      () => "",
      (e: { stderr?: string }) => e.stderr ?? "",
    );
    expect(refused).toMatch(
      /serviceMonitor\.enabled needs the monitoring\.coreos\.com\/v1 ServiceMonitor CRD/,
    );
    expect(
      parseObjects(await helmTemplate(helm)).filter((o) => o.apiVersion.startsWith("monitoring.")),
    ).toEqual([]);

    const objects = parseObjects(
      await helmTemplate(helm, [
        ...monitoring,
        "--set",
        "keyService.enabled=true",
        "--api-versions",
        "monitoring.coreos.com/v1/ServiceMonitor",
        "--api-versions",
        "monitoring.coreos.com/v1/PrometheusRule",
      ]),
    );
    const monitors = objects.filter((o) => o.kind === "ServiceMonitor") as unknown as {
      metadata: { name: string };
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    }[];
    const services = objects.filter((o) => o.kind === "Service") as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { ports: { name: string }[] };
    }[];
    expect(monitors).toHaveLength(2);
    for (const m of monitors) {
      // Each ServiceMonitor selects a Service of the chart that has the port it scrapes.
      const service = services.find((s) =>
        Object.entries(m.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels[k] === v),
      );
      expect(
        service?.spec.ports.map((p) => p.name),
        m.metadata.name,
      ).toContain(m.spec.endpoints[0]?.port);
    }
    const rule = objects.find((o) => o.kind === "PrometheusRule") as unknown as { spec: unknown };
    expect(rule.spec).toEqual(parse(readFileSync(join(chartPath, "files", "ayra-keys-rules.yaml"), "utf8")));
  });
});
