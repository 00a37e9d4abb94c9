// deploy/ as a cluster admin would use it: the kustomize base passes a server-side dry-run apply, keeps its
// promises (2 replicas, probes, non-root, read-only root filesystem, credentials from a Secret), and its
// RBAC is enough — and no more than enough — for the controller, run here as that ServiceAccount.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { adminKubeConfig } from "../../harness/control-plane.ts";
import {
  type ControllerProcess,
  ensureCrds,
  KubeHelper,
  kubectl,
  projectRoot,
  startControllerProcess,
} from "../../harness/controller.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { createTestNamespace, type TestNamespace } from "../../harness/namespace.ts";
import { waitFor } from "../../harness/wait.ts";

const info = inject("controlPlane");
const kc = adminKubeConfig(info);
const deployDir = join(projectRoot, "deploy");
const SA = "system:serviceaccount:ayra-keys-system:ayra-keys-controller";
let ns: TestNamespace;
let ks: TestKeyService;
let kube: KubeHelper;
let ctl: ControllerProcess | undefined;

type Doc = { kind: string; metadata: { name: string }; spec?: Record<string, unknown> };

beforeAll(async () => {
  await ensureCrds(info, kc);
  kube = new KubeHelper(kc, "default");
  await kube.rest
    .create("/api/v1/namespaces", { metadata: { name: "ayra-keys-system" } })
    .catch(() => undefined);
  ns = await createTestNamespace(kc, "ctl-deploy");
  ks = await startTestKeyService("sqlite");
});

afterAll(async () => {
  await ctl?.stop();
  kube?.close();
  await ks?.close();
  await ns?.delete();
});

describe("deploy/", () => {
  it("renders a kustomize base with the promised Deployment", async () => {
    const docs = parseAllDocuments(await kubectl(info, ["kustomize", deployDir])).map((d) => d.toJS() as Doc);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(
      [
        "ClusterRole/ayra-keys-controller",
        "ClusterRole/ayra-keys-edit",
        "ClusterRole/ayra-keys-view",
        "ClusterRoleBinding/ayra-keys-controller",
        "CustomResourceDefinition/apikeypolicies.keys.ayra.ai",
        "CustomResourceDefinition/apikeys.keys.ayra.ai",
        "Deployment/ayra-keys-controller",
        "Namespace/ayra-keys-system",
        "Role/ayra-keys-controller-credential",
        "Role/ayra-keys-leader-election",
        "RoleBinding/ayra-keys-controller-credential",
        "RoleBinding/ayra-keys-leader-election",
        "Service/ayra-keys-controller-metrics",
        "ServiceAccount/ayra-keys-controller",
        "ValidatingAdmissionPolicy/ayra-keys-apikey-status",
        "ValidatingAdmissionPolicy/ayra-keys-controller-writes",
        "ValidatingAdmissionPolicyBinding/ayra-keys-apikey-status",
        "ValidatingAdmissionPolicyBinding/ayra-keys-controller-writes",
      ].sort(),
    );
    const deployment = docs.find((d) => d.kind === "Deployment") as unknown as {
      spec: {
        replicas: number;
        template: {
          spec: { securityContext: Record<string, unknown>; containers: Record<string, unknown>[] };
        };
      };
    };
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    const container = deployment.spec.template.spec.containers[0] ?? {};
    expect(container).toMatchObject({
      livenessProbe: { httpGet: { path: "/healthz" } },
      readinessProbe: { httpGet: { path: "/readyz" } },
      securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
      resources: { requests: expect.any(Object), limits: expect.any(Object) },
    });
    // The key is read from its Secret through the Kubernetes API (and rotated), never from the environment.
    expect(container.args).toEqual(
      expect.arrayContaining(["--credential-secret=ayra-keys-api", "--credential-secret-key=apiKey"]),
    );
    expect(container.env).toContainEqual({
      name: "AYRA_API_URL",
      valueFrom: { secretKeyRef: { name: "ayra-keys-api", key: "url" } },
    });
    expect((container.env as { name: string }[]).map((e) => e.name)).not.toContain("AYRA_API_KEY");
  });

  it("serves a structural CRD: kubectl explain, printer columns, and refusals that name the field", async () => {
    expect(await kubectl(info, ["explain", "apikeys.spec.rotation.gracePeriod"])).toMatch(
      /How long the old key keeps working/,
    );
    const apiKeys = new KubeHelper(kc, ns.name);
    try {
      const refused = async (spec: Record<string, unknown>) => {
        const error = await apiKeys.createApiKey(`bad-${Math.random().toString(36).slice(2, 8)}`, spec).then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(error, JSON.stringify(spec)).toBeInstanceOf(Error);
        return error?.message ?? "";
      };
      const base = { displayName: "Field Check", environment: "test", scopes: ["agents:read"] };
      expect(await refused({ ...base, scopes: ["billing:write"] })).toMatch(
        /spec\.scopes\[0\].*Unsupported value: "billing:write"/,
      );
      expect(await refused({ ...base, expiresAfter: "30d", expiresAt: "2030-01-01T00:00:00Z" })).toMatch(
        /spec: Invalid value.*expiresAfter and expiresAt cannot both be set/,
      );
      expect(await refused({ ...base, rotation: { every: "monthly" } })).toMatch(/spec\.rotation\.every/);
      expect(await refused({ ...base, secret: { name: "Web_Key" } })).toMatch(/spec\.secret\.name/);
      expect(await refused({ displayName: "No Scopes", environment: "test" })).toMatch(
        /spec\.scopes: Required value/,
      );
      await apiKeys.createApiKey("env-check", base);
      const immutable = await apiKeys.patchApiKey("env-check", { spec: { environment: "live" } }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(immutable?.message).toMatch(/spec\.environment.*environment is immutable/);
      const table = await kubectl(info, ["get", "ak", "-n", ns.name]);
      expect(table.split("\n")[0]).toMatch(/NAME\s+ENV\s+KEY\s+READY\s+NEXT ROTATION\s+SECRET\s+AGE/);
    } finally {
      await apiKeys.deleteApiKey("env-check").catch(() => undefined);
      apiKeys.close();
    }
  });

  it("passes a server-side dry-run apply", async () => {
    const out = await kubectl(info, [
      "apply",
      "-k",
      deployDir,
      "--server-side",
      "--dry-run=server",
      "--field-manager=ayra-keys-tests",
    ]);
    expect(out).toMatch(/deployment.apps\/ayra-keys-controller serverside-applied \(server dry run\)/);
  });

  it("grants the controller's ServiceAccount enough to run, and no more", async () => {
    await kubectl(info, [
      "apply",
      "--server-side",
      "--field-manager=ayra-keys-tests",
      "-f",
      join(deployDir, "controller", "rbac.yaml"),
    ]);
    const can = async (...args: string[]) =>
      (
        await kubectl(info, ["auth", "can-i", "--as", SA, ...args]).catch(
          (e: { stdout?: string }) => e.stdout ?? "",
        )
      ).trim();
    await waitFor(
      "the RBAC to take effect",
      async () => (await can("create", "secrets", "-n", ns.name)) === "yes",
    );
    expect(await can("update", "apikeys.keys.ayra.ai", "--subresource=status", "-n", ns.name)).toBe("yes");
    expect(await can("update", "leases", "-n", "ayra-keys-system")).toBe("yes");
    expect(await can("delete", "secrets", "-n", ns.name)).toBe("no");
    expect(await can("update", "apikeys.keys.ayra.ai", "-n", ns.name)).toBe("no");
    expect(await can("create", "apikeypolicies.keys.ayra.ai")).toBe("no");
    expect(await can("get", "pods", "-n", ns.name)).toBe("no");
    expect(await can("update", "leases", "-n", ns.name)).toBe("no");

    // Run the controller as the ServiceAccount (a token from the TokenRequest API).
    const token = await kube.rest.create<{ status: { token: string } }>(
      "/api/v1/namespaces/ayra-keys-system/serviceaccounts/ayra-keys-controller/token",
      { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
    );
    const saConfig = new KubeConfig();
    saConfig.loadFromOptions({
      clusters: [
        {
          name: "test",
          server: info.server,
          caData: Buffer.from(info.caPem).toString("base64"),
          skipTLSVerify: false,
        },
      ],
      users: [{ name: "sa", token: token.status.token }],
      contexts: [{ name: "sa", cluster: "test", user: "sa" }],
      currentContext: "sa",
    });
    const kubeconfigPath = join(info.dir, `sa-${ns.name}.kubeconfig`);
    await writeFile(kubeconfigPath, saConfig.exportConfig(), { mode: 0o600 });
    ctl = await startControllerProcess({
      info: { ...info, kubeconfigPath },
      namespace: ns.name,
      keysUrl: ks.url,
      apiKey: ks.adminKey,
      args: ["--leader-election-namespace", "ayra-keys-system"],
    });
    const apiKeys = new KubeHelper(kc, ns.name);
    apiKeys.context = () => ctl?.lines.slice(-20).join("\n") ?? "";
    try {
      await apiKeys.createApiKey("as-sa", {
        displayName: "Service Account Check",
        environment: "test",
        scopes: ["agents:read"],
        expiresAfter: "1h",
      });
      const ready = await apiKeys.waitReady("as-sa");
      expect(ready.status?.keyId).toBeDefined();
      expect(await apiKeys.secretValue("as-sa")).toMatch(/^sk_test_/);
      expect(ctl.lines.join("\n")).not.toMatch(/forbidden/i);
    } finally {
      apiKeys.close();
    }
  });
});
