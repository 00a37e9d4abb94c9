// Smoke tests of the real control plane: what a fake API server would get wrong.
// Cluster-scoped: this file installs a CRD under a group unique to the run, so it cannot collide with others.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  type KubernetesObject,
  makeInformer,
  RbacAuthorizationV1Api,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminKubeConfig, userKubeConfig } from "../harness/control-plane.ts";
import { createTestNamespace, type TestNamespace } from "../harness/namespace.ts";
import { waitFor } from "../harness/wait.ts";

const run = promisify(execFile);
const info = inject("controlPlane");
const kc = adminKubeConfig(info);
const group = `smoke-${randomBytes(3).toString("hex")}.test.ayra.ai`;
const plural = "widgets";

let ns: TestNamespace;

beforeAll(async () => {
  ns = await createTestNamespace(kc, "smoke");
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  await ext.createCustomResourceDefinition({
    body: {
      metadata: { name: `${plural}.${group}` },
      spec: {
        group,
        scope: "Namespaced",
        names: { plural, singular: "widget", kind: "Widget", listKind: "WidgetList" },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    properties: { size: { type: "integer" }, environment: { type: "string" } },
                    x_kubernetes_validations: [
                      { rule: "self.size <= 10", message: "spec.size must be at most 10" },
                      {
                        rule: "self.environment == oldSelf.environment",
                        message: "environment is immutable",
                      },
                    ],
                  },
                },
              },
            },
          },
        ],
      },
    },
  });
  await waitFor("the CRD to be Established", async () => {
    const crd = await ext.readCustomResourceDefinition({ name: `${plural}.${group}` });
    return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
  });
  // Established is not yet serving: the first lists can still get 429 "storage is (re)initializing".
  await waitFor("the new resource to be listable", async () =>
    Boolean(
      await kc
        .makeApiClient(CustomObjectsApi)
        .listNamespacedCustomObject({ group, version: "v1", namespace: ns.name, plural }),
    ),
  );
});

afterAll(async () => {
  await kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: `${plural}.${group}` });
  await ns.delete();
});

function widget(name: string, size: number, environment = "test"): KubernetesObject & { spec: object } {
  return {
    apiVersion: `${group}/v1`,
    kind: "Widget",
    metadata: { name, namespace: ns.name },
    spec: { size, environment },
  };
}

describe("the real kube-apiserver", () => {
  it("delivers a created custom resource to a client-node informer", async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const path = `/apis/${group}/v1/namespaces/${ns.name}/${plural}`;
    const list = () =>
      custom.listNamespacedCustomObject({ group, version: "v1", namespace: ns.name, plural }) as Promise<{
        items: KubernetesObject[];
        metadata: { resourceVersion: string };
      }>;
    const informer = makeInformer<KubernetesObject>(kc, path, list);
    const seen: string[] = [];
    informer.on("add", (obj) => seen.push(obj.metadata?.name ?? ""));
    await informer.start();
    try {
      await custom.createNamespacedCustomObject({
        group,
        version: "v1",
        namespace: ns.name,
        plural,
        body: widget("first", 3),
      });
      await waitFor("the informer to see the widget", () => seen.includes("first"));
    } finally {
      await informer.stop();
    }
  });

  it("serves kubectl with the harness's kubeconfig", async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.createNamespacedCustomObject({
      group,
      version: "v1",
      namespace: ns.name,
      plural,
      body: widget("listed", 4),
    });
    const { stdout } = await run(info.kubectl, [
      "--kubeconfig",
      info.kubeconfigPath,
      "get",
      `${plural}.${group}`,
      "-n",
      ns.name,
      "-o",
      "jsonpath={.items[*].metadata.name}",
    ]);
    expect(stdout.split(" ")).toContain("listed");
  });

  it("refuses an object that breaks a CEL rule, with the rule's message", async () => {
    const custom = kc.makeApiClient(CustomObjectsApi);
    const error = await custom
      .createNamespacedCustomObject({
        group,
        version: "v1",
        namespace: ns.name,
        plural,
        body: widget("too-big", 11),
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<unknown>).code).toBe(422);
    expect(String((error as ApiException<string>).body)).toContain("spec.size must be at most 10");
  });

  it("enforces RBAC for a certificate user by its groups", async () => {
    const { kubeConfig } = await userKubeConfig(info, "alice", ["team-a"]);
    const asAlice = kubeConfig.makeApiClient(CustomObjectsApi);
    const listAsAlice = () =>
      asAlice.listNamespacedCustomObject({ group, version: "v1", namespace: ns.name, plural });
    const denied = await listAsAlice().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((denied as ApiException<unknown>).code).toBe(403);

    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: "widget-reader" },
        rules: [{ apiGroups: [group], resources: [plural], verbs: ["list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: "team-a-reads-widgets" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "widget-reader" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "team-a" }],
      },
    });
    const allowed = await waitFor(
      "the role binding to take effect",
      async () => (await listAsAlice()) as object,
    );
    expect(allowed).toHaveProperty("items");
  });
});
