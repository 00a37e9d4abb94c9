import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KubeCredentials } from "./kubeconfig-credentials.ts";
import { KubeconfigError } from "./kubeconfig-errors.ts";
import { type ExecConfig, readExecCredential, runExecPlugin } from "./kubeconfig-exec.ts";

const V1 = "client.authentication.k8s.io/v1";

async function plugin(body: string): Promise<{ command: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), "exec-"));
  const command = join(dir, "plugin");
  await writeFile(command, `#!/bin/sh\n${body}\n`);
  await chmod(command, 0o755);
  return { command, dir };
}

const config = (command: string, extra: Partial<ExecConfig> = {}): ExecConfig => ({
  apiVersion: V1,
  command,
  args: [],
  env: [],
  origin: 'user "u" in /k/config',
  ...extra,
});

describe("runExecPlugin", () => {
  it("runs the command with its args and env and KUBERNETES_EXEC_INFO, and reads the ExecCredential", async () => {
    const { command, dir } = await plugin(
      `echo "$KUBERNETES_EXEC_INFO" > "${"$"}{OUT}/info.json"; echo "$1 $2 $REGION" > "${"$"}{OUT}/args"
cat <<'JSON'
{"apiVersion":"${V1}","kind":"ExecCredential","status":{"token":"tok-1","expirationTimestamp":"2030-01-02T03:04:05Z"}}
JSON`,
    );
    const got = await runExecPlugin(
      config(command, {
        args: ["--cluster", "c1"],
        env: [
          { name: "REGION", value: "eu" },
          { name: "OUT", value: dir },
        ],
        cluster: { server: "https://k:6443" },
      }),
    );
    expect(got).toEqual({ token: "tok-1", expiresAt: Date.parse("2030-01-02T03:04:05Z") });
    expect(JSON.parse(await readFile(join(dir, "info.json"), "utf8"))).toEqual({
      apiVersion: V1,
      kind: "ExecCredential",
      spec: { interactive: false, cluster: { server: "https://k:6443" } },
    });
    expect((await readFile(join(dir, "args"), "utf8")).trim()).toBe("--cluster c1 eu");
  });

  it("fails with the plugin's stderr and install hint, never its stdout", async () => {
    const { command } = await plugin('echo "token-on-stdout"; echo "not logged in" >&2; exit 3');
    const e = await runExecPlugin(config(command, { installHint: "run: cloud login" })).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(KubeconfigError);
    expect((e as KubeconfigError).kind).toBe("ExecFailed");
    expect((e as Error).message).toMatch(
      /user "u" in \/k\/config: exec plugin .* exited with 3: not logged in\nrun: cloud login/,
    );
    expect((e as Error).message).not.toContain("token-on-stdout");
    const missing = (await runExecPlugin(config("/nonexistent/get-token")).catch((x: unknown) => x)) as Error;
    expect(missing.message).toMatch(/exec plugin \/nonexistent\/get-token was not found/);
  });

  it("refuses an ExecCredential it cannot use, without quoting it", () => {
    const doc = (status: unknown, apiVersion = V1) =>
      JSON.stringify({ apiVersion, kind: "ExecCredential", status });
    expect(() =>
      readExecCredential(doc({ token: "secret-x" }, "client.authentication.k8s.io/v1beta1"), V1),
    ).toThrow(/is not the requested/);
    expect(() => readExecCredential(doc({ clientCertificateData: "secret-x" }), V1)).toThrow(
      /must be given together/,
    );
    expect(() => readExecCredential(doc({}), V1)).toThrow(/neither token nor/);
    expect(() => readExecCredential(doc({ token: "t", expirationTimestamp: "soon" }), V1)).toThrow(
      /expirationTimestamp/,
    );
    expect(() => readExecCredential("secret-x", V1)).toThrow(/not JSON/);
    for (const bad of [doc({ clientCertificateData: "secret-x" }), "secret-x"])
      expect(() => readExecCredential(bad, V1)).not.toThrow(/secret-x/);
    const pair = readExecCredential(doc({ clientCertificateData: "CERT", clientKeyData: "KEY" }), V1);
    expect([pair.cert?.toString(), pair.key?.toString(), pair.token]).toEqual(["CERT", "KEY", undefined]);
  });
});

describe("KubeCredentials with an exec plugin", () => {
  it("caches the credential until shortly before it expires, re-runs then and after a 401, and runs once for concurrent requests", async () => {
    let now = 1_000_000;
    let runs = 0;
    const credentials = new KubeCredentials(
      { server: "https://k", exec: config("unused") },
      {
        now: () => now,
        runExec: async () => {
          runs++;
          await new Promise((r) => setTimeout(r, 10));
          return { token: `t${runs}`, expiresAt: now + 60_000 };
        },
      },
    );
    const first = await Promise.all([credentials.current(), credentials.current(), credentials.current()]);
    expect(first.map((c) => c.token)).toEqual(["t1", "t1", "t1"]);
    now += 49_000;
    expect((await credentials.current()).token).toBe("t1");
    now += 2_000; // within 10 s of expiry
    expect((await credentials.current()).token).toBe("t2");
    credentials.invalidate();
    expect((await credentials.current()).token).toBe("t3");
    expect(credentials.refreshable).toBe(true);
  });
});
