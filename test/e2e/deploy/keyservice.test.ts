// The keys service in the cluster: deploy/keyservice (SQLite with a PersistentVolumeClaim, or several
// replicas on PostgreSQL) passes a server-side dry run, the chart renders the same objects, and the
// Deployment's own arguments and environment start a real `ayra-keys serve` with its keyring and bootstrap
// key as read-only 0400 files, as the Secret volumes mount them.
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { generateKey } from "../../../core/domain/key-format.ts";
import { generateKeyringFile } from "../../../keyservice/keyring.ts";
import { adminKubeConfig } from "../../harness/control-plane.ts";
import { KubeHelper, kubectl, projectRoot } from "../../harness/controller.ts";
import { freePort } from "../../harness/ports.ts";
import { startServe } from "../../harness/serve-process.ts";
import { makeTempDir, removeTempDir } from "../../harness/temp-dirs.ts";
import { helmTemplate, type K8sObject, kustomize, parseObjects, withoutHelm } from "./render.ts";

const info = inject("controlPlane");
const { helm } = inject("counterparts");
let dir: string;

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
  startupProbe?: unknown;
  livenessProbe?: { httpGet: { path: string } };
  readinessProbe?: { httpGet: { path: string } };
}
interface Deployment {
  spec: {
    replicas: number;
    strategy?: { type: string };
    template: {
      spec: {
        automountServiceAccountToken?: boolean;
        securityContext: { fsGroup?: number };
        containers: Container[];
        volumes: {
          name: string;
          secret?: { secretName: string; defaultMode: number; optional?: boolean };
          persistentVolumeClaim?: { claimName: string };
        }[];
      };
    };
  };
}

const rendered = async (variant: "sqlite" | "postgres") =>
  parseObjects(await kustomize(info.kubectl, `deploy/keyservice/${variant}`));
const deploymentOf = (objects: K8sObject[]) =>
  objects.find(
    (o) => o.kind === "Deployment" && o.metadata.name === "ayra-keys-service",
  ) as unknown as Deployment;

beforeAll(async () => {
  dir = await makeTempDir("ayra-keys-ks-deploy-");
  const kube = new KubeHelper(adminKubeConfig(info), "default");
  await kube.rest
    .create("/api/v1/namespaces", { metadata: { name: "ayra-keys-system" } })
    .catch(() => undefined);
  kube.close();
});

afterAll(async () => {
  await removeTempDir(dir);
});

describe("deploy/keyservice", () => {
  it.each(["sqlite", "postgres"] as const)("%s passes a server-side dry run", async (variant) => {
    const out = await kubectl(info, [
      "apply",
      "-k",
      join(projectRoot, "deploy", "keyservice", variant),
      "--server-side",
      "--dry-run=server",
      "--field-manager=ayra-keys-tests",
    ]);
    expect(out).toMatch(/deployment\.apps\/ayra-keys-service serverside-applied \(server dry run\)/);
    expect(out).toMatch(/service\/ayra-keys-service serverside-applied/);
  });

  it("mounts the keyring and the bootstrap key from Secrets as 0400 files, with probes and a metrics port", async () => {
    for (const variant of ["sqlite", "postgres"] as const) {
      const objects = await rendered(variant);
      const pod = deploymentOf(objects).spec.template.spec;
      const container = pod.containers[0] as Container;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext.fsGroup).toBe(65532);
      for (const name of ["keyring", "bootstrap"]) {
        const volume = pod.volumes.find((v) => v.name === name);
        expect(volume?.secret?.defaultMode, name).toBe(0o400);
        expect(container.volumeMounts.find((m) => m.name === name)?.readOnly, name).toBe(true);
      }
      // The bootstrap Secret may be deleted once a rotated management key replaced it.
      expect(pod.volumes.find((v) => v.name === "bootstrap")?.secret?.optional).toBe(true);
      expect(container.readinessProbe?.httpGet.path).toBe("/readyz");
      expect(container.livenessProbe?.httpGet.path).toBe("/healthz");
      expect(container.startupProbe).toBeDefined();
      expect(container.args).toContain("--metrics-listen=0.0.0.0:9464");
      const service = objects.find((o) => o.kind === "Service") as unknown as {
        spec: { ports: { name: string }[] };
      };
      expect(service.spec.ports.map((p) => p.name)).toEqual(["http", "metrics"]);
    }
    const sqlite = deploymentOf(await rendered("sqlite")).spec;
    expect(sqlite.replicas).toBe(1);
    expect(sqlite.strategy?.type).toBe("Recreate");
    expect(
      sqlite.template.spec.volumes.find((v) => v.name === "data")?.persistentVolumeClaim?.claimName,
    ).toBe("ayra-keys-service-data");
    const postgres = deploymentOf(await rendered("postgres")).spec;
    expect(postgres.replicas).toBeGreaterThan(1);
    const pgContainer = postgres.template.spec.containers[0] as Container;
    expect(pgContainer.args).toContain(`--nodes=${postgres.replicas}`);
    expect(pgContainer.env.find((e) => e.name === "AYRA_KEYS_DATABASE_URL")?.valueFrom?.secretKeyRef).toEqual(
      {
        name: "ayra-keys-database",
        key: "url",
      },
    );
  });

  it("is what the chart renders with keyService.enabled, on SQLite and on PostgreSQL", async () => {
    const keysObjects = (objects: K8sObject[]) =>
      withoutHelm(objects.filter((o) => o.metadata.name.startsWith("ayra-keys-service")));
    const sqliteChart = parseObjects(await helmTemplate(helm, ["--set", "keyService.enabled=true"]));
    expect(keysObjects(sqliteChart)).toEqual(withoutHelm(await rendered("sqlite")));
    const postgresChart = parseObjects(
      await helmTemplate(helm, [
        "--set",
        "keyService.enabled=true",
        "--set",
        "keyService.store=postgres",
        "--set",
        "keyService.replicas=2",
        "--set",
        "keyService.podDisruptionBudget.enabled=true",
      ]),
    );
    expect(keysObjects(postgresChart)).toEqual(withoutHelm(await rendered("postgres")));
    // With the keys service in the release, the controller calls it in-cluster.
    const controller = sqliteChart.find(
      (o) => o.kind === "Deployment" && o.metadata.name === "ayra-keys-controller",
    ) as unknown as Deployment;
    expect(
      controller.spec.template.spec.containers[0]?.env.find((e) => e.name === "AYRA_API_URL")?.value,
    ).toBe("http://ayra-keys-service.ayra-keys-system.svc:8787");
    const out = await kubectl(
      info,
      ["apply", "--server-side", "--dry-run=server", "--field-manager=ayra-keys-tests", "-f", "-"],
      await helmTemplate(helm, ["--set", "keyService.enabled=true", "--set", "networkPolicy.enabled=true"]),
    );
    expect(out).toMatch(
      /persistentvolumeclaim\/ayra-keys-service-data serverside-applied \(server dry run\)/,
    );
    expect(out).toMatch(/networkpolicy\.networking\.k8s\.io\/ayra-keys-service serverside-applied/);
  });

  it("refuses values that cannot work, naming the value and the rule", async () => {
    const refusal = (values: string[]) =>
      helmTemplate(helm, ["--set", "keyService.enabled=true", ...values]).then(
        () => "",
        (e: { stderr?: string }) => e.stderr ?? "",
      );
    expect(await refusal(["--set", "keyService.replicas=2"])).toMatch(
      /keyService\.replicas: SQLite has one writer, so one replica/,
    );
    expect(await refusal(["--set", "keyService.store=mysql"])).toMatch(
      /keyService\.store must be sqlite or postgres, not "mysql"/,
    );
  });

  it("starts `ayra-keys serve` with the Deployment's own arguments, installing the mounted bootstrap key", async () => {
    const container = deploymentOf(await rendered("sqlite")).spec.template.spec.containers[0] as Container;
    // The pod's paths, here: the Secret volumes as read-only 0400 files, the PersistentVolumeClaim a folder.
    const root = join(dir, "pod");
    const where = (path: string) =>
      path.replace("/var/lib/ayra-keys", join(root, "data")).replace("/etc/ayra-keys", join(root, "etc"));
    await mkdir(join(root, "etc", "keyring"), { recursive: true });
    await mkdir(join(root, "etc", "bootstrap"), { recursive: true });
    await mkdir(join(root, "data"), { recursive: true, mode: 0o700 });
    const keyringFile = where("/etc/ayra-keys/keyring/keyring.json");
    generateKeyringFile(keyringFile);
    await chmod(keyringFile, 0o400);
    const adminKey = generateKey("live");
    const env = Object.fromEntries(
      container.env.filter((e) => e.value !== undefined).map((e) => [e.name, where(e.value ?? "")]),
    );
    expect(env.AYRA_KEYS_ADMIN_KEY_FILE).toBeDefined();
    await writeFile(env.AYRA_KEYS_ADMIN_KEY_FILE as string, `${adminKey}\n`, { mode: 0o400 });

    const metricsPort = await freePort();
    const args = container.args
      .filter((a) => a !== "serve" && !a.startsWith("--listen="))
      .map((a) =>
        a.startsWith("--metrics-listen=") ? `--metrics-listen=127.0.0.1:${metricsPort}` : where(a),
      );
    const first = await startServe(args, { env });
    try {
      const listed = await first.call("GET", "/v1/api_keys", { key: adminKey });
      expect(listed.status).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^# HELP /m);
    } finally {
      await first.proc.stop();
    }
    // The bootstrap Secret deleted (its key replaced by a rotated management key): the service still starts.
    await removeTempDir(join(root, "etc", "bootstrap"));
    const second = await startServe(args, { env });
    try {
      expect((await second.call("GET", "/v1/api_keys", { key: adminKey })).status).toBe(200);
    } finally {
      await second.proc.stop();
    }
  });
});
