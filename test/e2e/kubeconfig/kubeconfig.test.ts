// Real-cluster kubeconfigs against the real kube-apiserver: a real exec credential plugin (a shell script
// that prints an ExecCredential holding the control plane's token), two files in KUBECONFIG merged as
// kubectl merges them, --context choosing, a missing context's error, the Pod's service-account token
// re-read after rotation, and an exec plugin that hands out a client certificate.
import { execFile } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { isKubeconfigError, loadKubeAccess } from "../../../controller/kube/kubeconfig.ts";
import { KubeApiError, KubeRest } from "../../../controller/kube/rest.ts";
import { issueClientCertificate } from "../../harness/certificates.ts";
import {
  type ControllerProcess,
  type ControllerTestBed,
  cliMain,
  controllerTestBed,
  startControllerProcess,
} from "../../harness/controller.ts";
import { makeTempDir, removeTempDir } from "../../harness/temp-dirs.ts";
import { waitFor } from "../../harness/wait.ts";

const run = promisify(execFile);
const info = inject("controlPlane");
const V1 = "client.authentication.k8s.io/v1";
let bed: ControllerTestBed;
let dir: string;
let first: string;
let second: string;
let KUBECONFIG: string;

// The plugin reads the token from a 0600 file beside it (never from its arguments), logs each run, and keeps
// the KUBERNETES_EXEC_INFO it was given. With STALE_FIRST=1 its first run hands out a token the API server
// refuses, so the client must re-run it after the 401.
const PLUGIN = `#!/bin/sh
here="$(dirname "$0")"
echo "$KUBERNETES_EXEC_INFO" > "$here/exec-info.json"
if [ "$STALE_FIRST" = "1" ] && [ ! -e "$here/stale-given" ]; then
  touch "$here/stale-given"; token=stale-token; kind=stale
else
  token="$(cat "$here/token")"; kind=good
fi
echo "$kind $1" >> "$here/runs.log"
expires=$(date -u -d "+$LIFETIME seconds" +%Y-%m-%dT%H:%M:%SZ)
printf '{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\\n' "$token" "$expires"
`;

const runs = async () =>
  (await readFile(join(dir, "runs.log"), "utf8").catch(() => "")).split("\n").filter(Boolean);

beforeAll(async () => {
  bed = await controllerTestBed(info, "kubeconfig");
  dir = await makeTempDir("ayra-keys-kubeconfig-");
  await writeFile(join(dir, "token"), info.adminToken, { mode: 0o600 });
  await writeFile(join(dir, "get-token"), PLUGIN);
  await chmod(join(dir, "get-token"), 0o700);
  // The first file: the user (an exec plugin, its command relative to this file), the contexts and a
  // current-context pointing at a decoy cluster. The second: the clusters, a static-token user of the same
  // name and another current-context — both ignored, because the first file to set them wins.
  first = join(dir, "a.kubeconfig");
  second = join(dir, "b.kubeconfig");
  await writeFile(
    first,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "decoy",
      contexts: [
        { name: "e2e", context: { cluster: "test", user: "exec-user" } },
        { name: "decoy", context: { cluster: "decoy", user: "exec-user" } },
      ],
      users: [
        {
          name: "exec-user",
          user: {
            exec: {
              apiVersion: V1,
              command: "./get-token",
              args: ["--cluster=test"],
              env: [
                { name: "LIFETIME", value: "15" },
                { name: "STALE_FIRST", value: "1" },
              ],
              interactiveMode: "Never",
              provideClusterInfo: true,
            },
          },
        },
      ],
    }),
  );
  await writeFile(
    second,
    stringify({
      apiVersion: "v1",
      kind: "Config",
      "current-context": "e2e",
      clusters: [
        {
          name: "test",
          cluster: {
            server: info.server,
            "certificate-authority-data": Buffer.from(info.caPem).toString("base64"),
          },
        },
        { name: "decoy", cluster: { server: "https://127.0.0.1:1" } },
      ],
      users: [{ name: "exec-user", user: { token: "wrong-static-token" } }],
    }),
  );
  KUBECONFIG = [first, second].join(":");
});

afterAll(async () => {
  await bed?.close();
  if (dir) await removeTempDir(dir);
});

describe("the controller with KUBECONFIG=a:b --context e2e and an exec plugin", () => {
  let ctl: ControllerProcess;
  afterAll(async () => {
    await ctl?.stop();
  });

  it("makes an ApiKey Ready, re-running the plugin after a 401 and when its credential expires", async () => {
    ctl = await startControllerProcess({
      info,
      kubeconfigPath: null,
      env: { KUBECONFIG },
      args: ["--context", "e2e"],
      namespace: bed.ns.name,
      keysUrl: bed.ks.url,
      apiKey: bed.ks.adminKey,
    });
    bed.kube.context = () => ctl.lines.slice(-30).join("\n");
    await bed.kube.createApiKey("via-exec", {
      displayName: "Via Exec Plugin",
      environment: "test",
      scopes: ["agents:read"],
    });
    await bed.kube.waitReady("via-exec");
    expect(await bed.kube.secretValue("via-exec")).toMatch(/^sk_test_/);
    // The first run's token was refused (401); the plugin was run again and its token accepted.
    const seen = await runs();
    expect(seen[0]).toBe("stale --cluster=test");
    expect(seen.slice(1).every((r) => r === "good --cluster=test")).toBe(true);
    expect(JSON.parse(await readFile(join(dir, "exec-info.json"), "utf8"))).toEqual({
      apiVersion: V1,
      kind: "ExecCredential",
      spec: { interactive: false, cluster: expect.objectContaining({ server: info.server }) },
    });
    // A 15 s credential is re-run before it lapses while the controller keeps working.
    const before = seen.length;
    await waitFor(
      "the plugin to run again as its credential expires",
      async () => (await runs()).length >= before + 2,
      {
        timeoutMs: 60_000,
        intervalMs: 500,
      },
    );
    await bed.kube.patchApiKey("via-exec", { spec: { displayName: "Via Exec Plugin Renamed" } });
    await bed.kube.waitReady("via-exec");
  });
});

describe("the loader", () => {
  it("merges the two files: current-context and the user come from the first file that sets them", () => {
    const env = { ...process.env, KUBECONFIG };
    expect(loadKubeAccess({ env }).server).toBe("https://127.0.0.1:1");
    const access = loadKubeAccess({ env, context: "e2e" });
    expect(access.server).toBe(info.server);
    expect(access.token).toBeUndefined();
    expect(access.exec?.command).toBe(join(dir, "get-token"));
  });

  it("lists through its own client with an exec plugin's client certificate", async () => {
    const { certPem, keyPem } = await issueClientCertificate(info.clientCa, info.dir, "exec-cert-user", [
      "system:masters",
    ]);
    const certDir = await makeTempDir("ayra-keys-exec-cert-");
    try {
      const credential = JSON.stringify({
        apiVersion: V1,
        kind: "ExecCredential",
        status: { clientCertificateData: certPem, clientKeyData: keyPem },
      });
      await writeFile(join(certDir, "credential.json"), credential, { mode: 0o600 });
      await writeFile(join(certDir, "plugin"), `#!/bin/sh\ncat "$(dirname "$0")/credential.json"\n`, {
        mode: 0o700,
      });
      const path = join(certDir, "config");
      await writeFile(
        path,
        stringify({
          "current-context": "c",
          contexts: [{ name: "c", context: { cluster: "test", user: "cert" } }],
          clusters: [
            {
              name: "test",
              cluster: {
                server: info.server,
                "certificate-authority-data": Buffer.from(info.caPem).toString("base64"),
              },
            },
          ],
          users: [
            {
              name: "cert",
              user: { exec: { apiVersion: V1, command: "./plugin", interactiveMode: "Never" } },
            },
          ],
        }),
      );
      const rest = new KubeRest({ access: loadKubeAccess({ kubeconfig: path }) });
      try {
        const list = await rest.get<{ items: { metadata: { name: string } }[] }>("/api/v1/namespaces");
        expect(list.items.map((n) => n.metadata.name)).toContain(bed.ns.name);
        expect(rest.credentials.execRuns).toBe(1);
      } finally {
        rest.close();
      }
    } finally {
      await removeTempDir(certDir);
    }
  });

  it("in a Pod, re-reads the service-account token after the API server refuses the old one", async () => {
    const sa = await makeTempDir("ayra-keys-sa-");
    try {
      await writeFile(join(sa, "token"), "revoked-token");
      await writeFile(join(sa, "ca.crt"), info.caPem);
      const url = new URL(info.server);
      const env = {
        KUBERNETES_SERVICE_HOST: url.hostname,
        KUBERNETES_SERVICE_PORT: url.port,
        HOME: "/nonexistent",
      };
      const rest = new KubeRest({ access: loadKubeAccess({ env, serviceAccountDir: sa }) });
      try {
        const refused = await rest.get("/api/v1/namespaces").catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(KubeApiError);
        expect((refused as KubeApiError).status).toBe(401);
        // The kubelet rotates the bound token in place; the next request reads it.
        await writeFile(join(sa, "token"), info.adminToken);
        const list = await rest.get<{ items: unknown[] }>("/api/v1/namespaces");
        expect(list.items.length).toBeGreaterThan(0);
      } finally {
        rest.close();
      }
    } finally {
      await removeTempDir(sa);
    }
  });

  it("fails the controller with a clear error naming the missing context and both files", async () => {
    const failed = await run(
      process.execPath,
      [cliMain, "controller", "--context", "prod", "--api-url", bed.ks.url, "--namespace", bed.ns.name],
      { env: { ...process.env, KUBECONFIG, AYRA_API_KEY: "unused" } },
    ).then(
      () => undefined,
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim()).toBe(
      `ayra-keys: context "prod" not found in ${first}, ${second} (contexts there: e2e, decoy)`,
    );
    let error: unknown;
    try {
      loadKubeAccess({ env: { ...process.env, KUBECONFIG }, context: "prod" });
    } catch (e) {
      error = e;
    }
    expect(isKubeconfigError(error, "ContextNotFound")).toBe(true);
  });
});
