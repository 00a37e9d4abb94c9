import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { currentToken, loadKubeAccess, loadKubeconfigFile } from "./kubeconfig.ts";

const kubeconfig = (user: string) => `apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: c
    cluster:
      server: https://127.0.0.1:6443
      certificate-authority-data: ${Buffer.from("CA").toString("base64")}
contexts:
  - name: dev
    context: { cluster: c, user: u }
  - name: other
    context: { cluster: c, user: missing }
users:
  - name: u
    user:
${user}
`;

describe("loadKubeconfigFile", () => {
  it("reads the current context's server, CA and token", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kc-"));
    const path = join(dir, "config");
    await writeFile(path, kubeconfig("      token: abc"));
    const access = loadKubeconfigFile(path);
    expect(access).toMatchObject({ server: "https://127.0.0.1:6443", token: "abc" });
    expect(access.ca?.toString()).toBe("CA");
    expect(currentToken(access)).toBe("abc");
  });

  it("reads client certificates from files relative to the kubeconfig, and a token file fresh each time", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kc-"));
    await writeFile(join(dir, "client.crt"), "CERT");
    await writeFile(join(dir, "client.key"), "KEY");
    await writeFile(join(dir, "token"), "t1\n");
    const path = join(dir, "config");
    await writeFile(
      path,
      kubeconfig(
        "      client-certificate: client.crt\n      client-key: client.key\n      tokenFile: " +
          join(dir, "token"),
      ),
    );
    const access = loadKubeconfigFile(path);
    expect(access.cert?.toString()).toBe("CERT");
    expect(access.key?.toString()).toBe("KEY");
    expect(currentToken(access)).toBe("t1");
    await writeFile(join(dir, "token"), "t2\n");
    expect(currentToken(access)).toBe("t2");
  });

  it("refuses exec credentials with a clear message, and an unknown context", async () => {
    const dir = await mkdtemp(join(tmpdir(), "kc-"));
    const path = join(dir, "config");
    await writeFile(
      path,
      kubeconfig(
        "      exec: { command: gke-gcloud-auth-plugin, apiVersion: client.authentication.k8s.io/v1 }",
      ),
    );
    expect(() => loadKubeconfigFile(path)).toThrow(/exec\/auth-provider/);
    expect(() => loadKubeconfigFile(path, "nope")).toThrow(/no context "nope"/);
  });

  it("says what to do when no cluster is configured", () => {
    const saved = { ...process.env };
    process.env.KUBECONFIG = "";
    process.env.HOME = "/nonexistent";
    delete process.env.KUBERNETES_SERVICE_HOST;
    try {
      expect(() => loadKubeAccess()).toThrow(/pass --kubeconfig/);
    } finally {
      process.env = saved;
    }
  });
});
