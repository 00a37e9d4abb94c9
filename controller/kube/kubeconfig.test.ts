import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  hasKubeConfiguration,
  inClusterAccess,
  isKubeconfigError,
  KubeconfigError,
  loadKubeAccess,
} from "./kubeconfig.ts";
import { KubeCredentials } from "./kubeconfig-credentials.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const dir = () => mkdtemp(join(tmpdir(), "kc-"));
const noEnv = { HOME: "/nonexistent" };

function caught(f: () => unknown): KubeconfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof KubeconfigError) return e;
    throw e;
  }
  throw new Error("expected a KubeconfigError");
}

const single = (user: string) => `apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: c
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: ${b64("CA")}
contexts:
  - name: dev
    context: { cluster: c, user: u }
  - name: other
    context: { cluster: c, user: missing }
  - name: nowhere
    context: { cluster: gone, user: u }
users:
  - name: u
    user:
${user}
`;

async function file(folder: string, name: string, text: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, text);
  return path;
}

describe("one kubeconfig file", () => {
  it("reads the current context's server, CA and token", async () => {
    const path = await file(await dir(), "config", single("      token: abc"));
    const access = loadKubeAccess({ kubeconfig: path });
    expect(access).toMatchObject({ server: "https://127.0.0.1:6443", token: "abc" });
    expect(access.ca?.toString()).toBe("CA");
    expect(await new KubeCredentials(access).current()).toEqual({ token: "abc" });
  });

  it("reads client certificates relative to the file, and a token file again after a minute or a 401", async () => {
    const d = await dir();
    await writeFile(join(d, "client.crt"), "CERT");
    await writeFile(join(d, "client.key"), "KEY");
    await writeFile(join(d, "token"), "t1\n");
    const path = await file(
      d,
      "config",
      single("      client-certificate: client.crt\n      client-key: client.key\n      tokenFile: token"),
    );
    const access = loadKubeAccess({ kubeconfig: path });
    expect(access.cert?.toString()).toBe("CERT");
    expect(access.key?.toString()).toBe("KEY");
    let now = 0;
    const credentials = new KubeCredentials(access, { now: () => now });
    expect(await credentials.current()).toEqual({ token: "t1" });
    await writeFile(join(d, "token"), "t2\n");
    expect(await credentials.current()).toEqual({ token: "t1" });
    now = 61_000;
    expect(await credentials.current()).toEqual({ token: "t2" });
    await writeFile(join(d, "token"), "t3\n");
    credentials.invalidate();
    expect(await credentials.current()).toEqual({ token: "t3" });
  });

  it("names the missing context, cluster or user and the file read", async () => {
    const path = await file(await dir(), "config", single("      token: abc"));
    const missing = caught(() => loadKubeAccess({ kubeconfig: path, context: "prod" }));
    expect(missing.kind).toBe("ContextNotFound");
    expect(missing.files).toEqual([path]);
    expect(missing.message).toBe(`context "prod" not found in ${path} (contexts there: dev, other, nowhere)`);
    expect(caught(() => loadKubeAccess({ kubeconfig: path, context: "other" })).kind).toBe("UserNotFound");
    const cluster = caught(() => loadKubeAccess({ kubeconfig: path, context: "nowhere" }));
    expect(cluster.kind).toBe("ClusterNotFound");
    expect(cluster.message).toContain('cluster "gone"');
  });

  it("refuses what it does not do, naming the user and the file", async () => {
    const d = await dir();
    const provider = await file(d, "a", single("      auth-provider: { name: gcp }"));
    const e = caught(() => loadKubeAccess({ kubeconfig: provider }));
    expect(e.kind).toBe("Unsupported");
    expect(e.message).toContain(`user "u" in ${provider}`);
    const always = await file(
      d,
      "b",
      single(
        "      exec: { apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Always }",
      ),
    );
    expect(caught(() => loadKubeAccess({ kubeconfig: always })).kind).toBe("Unsupported");
    const alpha = await file(
      d,
      "c",
      single("      exec: { apiVersion: client.authentication.k8s.io/v1alpha1, command: x }"),
    );
    expect(caught(() => loadKubeAccess({ kubeconfig: alpha })).message).toMatch(
      /exec.apiVersion .*v1alpha1.* not supported/,
    );
    const broken = await file(d, "d", "users:\n  - name: u\n    user: { token: tok-secret\n");
    const invalid = caught(() => loadKubeAccess({ kubeconfig: broken }));
    expect(invalid.kind).toBe("FileInvalid");
    expect(invalid.message).toMatch(/is not valid YAML \(line \d+, column \d+\)/);
    expect(invalid.message).not.toContain("tok-secret");
    const unreadable = caught(() => loadKubeAccess({ kubeconfig: join(d, "absent") }));
    expect(unreadable.kind).toBe("FileUnreadable");
    expect(isKubeconfigError(unreadable, "FileUnreadable")).toBe(true);
  });

  it("resolves an exec plugin's relative command against the file's folder and passes the cluster when asked", async () => {
    const d = await dir();
    const path = await file(
      d,
      "config",
      `${single(`      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: ./bin/get-token
        args: [--cluster, c]
        env: [{ name: REGION, value: eu }]
        installHint: install get-token
        interactiveMode: Never
        provideClusterInfo: true`)}`,
    );
    const { exec } = loadKubeAccess({ kubeconfig: path });
    expect(exec).toMatchObject({
      apiVersion: "client.authentication.k8s.io/v1",
      command: join(d, "bin", "get-token"),
      args: ["--cluster", "c"],
      env: [{ name: "REGION", value: "eu" }],
      cluster: { server: "https://127.0.0.1:6443", "certificate-authority-data": b64("CA") },
    });
  });
});

describe("several files in KUBECONFIG", () => {
  async function twoFiles() {
    const a = await dir();
    const b = await dir();
    await writeFile(join(b, "b.crt"), "B-CERT");
    await writeFile(join(b, "b.key"), "B-KEY");
    // The first file sets no current-context and defines "shared" and "only-a"; the second redefines
    // "shared" (ignored: the first file wins), sets current-context, and adds "only-b" with relative paths.
    const first = await file(
      a,
      "config",
      `clusters:
  - { name: shared, cluster: { server: https://first:6443 } }
users:
  - { name: shared, user: { token: first-token } }
contexts:
  - { name: ctx-a, context: { cluster: shared, user: shared } }
  - { name: ctx-shared, context: { cluster: shared, user: shared } }
`,
    );
    const second = await file(
      b,
      "config",
      `current-context: ctx-b
clusters:
  - { name: shared, cluster: { server: https://second:6443 } }
  - { name: only-b, cluster: { server: https://b:6443, certificate-authority: ca.crt } }
users:
  - { name: shared, user: { token: second-token } }
  - { name: only-b, user: { client-certificate: b.crt, client-key: b.key } }
contexts:
  - { name: ctx-b, context: { cluster: only-b, user: only-b } }
  - { name: ctx-shared, context: { cluster: only-b, user: only-b } }
`,
    );
    await writeFile(join(b, "ca.crt"), "B-CA");
    return {
      first,
      second,
      env: { ...noEnv, KUBECONFIG: [first, join(a, "missing"), second, first].join(delimiter) },
    };
  }

  it("takes current-context from the first file that sets it and resolves paths against each entry's file", async () => {
    const { env } = await twoFiles();
    const access = loadKubeAccess({ env });
    expect(access.server).toBe("https://b:6443");
    expect(access.ca?.toString()).toBe("B-CA");
    expect(access.cert?.toString()).toBe("B-CERT");
  });

  it("lets the first file that names an entry win, and --context choose across files", async () => {
    const { env } = await twoFiles();
    expect(loadKubeAccess({ env, context: "ctx-a" })).toMatchObject({
      server: "https://first:6443",
      token: "first-token",
    });
    // ctx-shared, the cluster "shared" and the user "shared" all come from the first file.
    expect(loadKubeAccess({ env, context: "ctx-shared" })).toMatchObject({
      server: "https://first:6443",
      token: "first-token",
    });
  });

  it("names every file read when the context is missing (and skips files that do not exist)", async () => {
    const { env, first, second } = await twoFiles();
    const e = caught(() => loadKubeAccess({ env, context: "prod" }));
    expect(e.kind).toBe("ContextNotFound");
    expect(e.files).toEqual([first, second]);
    expect(e.message).toBe(
      `context "prod" not found in ${first}, ${second} (contexts there: ctx-a, ctx-shared, ctx-b)`,
    );
  });

  it("asks for --context when no file sets current-context", async () => {
    const { first } = await twoFiles();
    const e = caught(() => loadKubeAccess({ env: { ...noEnv, KUBECONFIG: first } }));
    expect(e.kind).toBe("ContextNotFound");
    expect(e.message).toMatch(/no current-context set in .*; pass --context/);
  });
});

describe("no kubeconfig", () => {
  it("reads the service account inside a Pod, its token fresh after rotation", async () => {
    const sa = await dir();
    await writeFile(join(sa, "token"), "bound-1");
    await writeFile(join(sa, "ca.crt"), "POD-CA");
    const env = { ...noEnv, KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" };
    const access = loadKubeAccess({ env, serviceAccountDir: sa });
    expect(access).toMatchObject({ server: "https://[fd00::1]:443", tokenFile: join(sa, "token") });
    expect(access.ca?.toString()).toBe("POD-CA");
    const credentials = new KubeCredentials(access);
    expect(await credentials.current()).toEqual({ token: "bound-1" });
    await writeFile(join(sa, "token"), "bound-2");
    credentials.invalidate();
    expect(await credentials.current()).toEqual({ token: "bound-2" });
    expect(hasKubeConfiguration({ env, serviceAccountDir: sa })).toBe(true);
    expect(inClusterAccess({ env: noEnv, serviceAccountDir: sa })).toBeUndefined();
  });

  it("says what to do when no cluster is configured", async () => {
    const e = caught(() => loadKubeAccess({ env: { ...noEnv, KUBECONFIG: "/nonexistent/a" } }));
    expect(e.kind).toBe("NotConfigured");
    expect(e.message).toMatch(/none of the KUBECONFIG files exist: \/nonexistent\/a.*pass --kubeconfig/);
    expect(hasKubeConfiguration({ env: noEnv })).toBe(false);
    expect(caught(() => loadKubeAccess({ env: noEnv, context: "prod" })).kind).toBe("ContextNotFound");
  });
});
