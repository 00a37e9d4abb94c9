// `ayra-keys serve` as an operator runs it: it says where the dashboard is, `--session-ttl` bounds a
// sign-in's life (awaited in real time, no clock tricks), and a lifetime it cannot honour is refused by name.
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateKey } from "../../../core/domain/index.ts";
import { startProcess } from "../../harness/processes.ts";
import type { ServeProcess } from "../../harness/serve-process.ts";
import { CLI_MAIN, serveRefusal, startServe } from "../../harness/serve-process.ts";
import { makeTempDir, removeTempDir } from "../../harness/temp-dirs.ts";
import { waitFor } from "../../harness/wait.ts";

describe("ayra-keys serve and the dashboard", () => {
  const dirs: string[] = [];
  let serve: ServeProcess | undefined;
  afterAll(async () => {
    await serve?.proc.stop();
    for (const d of dirs) await removeTempDir(d);
  });

  it("prints and logs the dashboard's address, and ends sessions after --session-ttl", async () => {
    const dataDir = await makeTempDir("ayra-keys-serve-");
    dirs.push(dataDir);
    const admin = generateKey("live");
    serve = await startServe(["--data-dir", dataDir, "--session-ttl", "2s"], {
      env: { AYRA_KEYS_ADMIN_KEY: admin },
    });
    const { proc, url, call } = serve;
    expect(proc.stdout()).toContain(`dashboard on ${url}/`);
    const started = `${proc.stdout()}\n${proc.stderr()}`
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as { msg?: string; dashboard?: string })
      .find((entry) => entry.msg === "keys service listening");
    expect(started?.dashboard).toBe(`${url}/`);

    const signedIn = await call("POST", "/session", { body: { api_key: admin } });
    expect(signedIn.status).toBe(201);
    const expiresAt = Date.parse((signedIn.body as unknown as { expires_at: string }).expires_at);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(2_000);
    const cookie = (signedIn.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
    expect((await call("GET", "/session", { headers: { cookie } })).status).toBe(200);
    await waitFor(
      "the session to end at its deadline",
      async () => (await call("GET", "/session", { headers: { cookie } })).status === 401,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect((await call("GET", "/v1/api_keys", { headers: { cookie } })).status).toBe(401);
    expect(proc.stdout() + proc.stderr()).not.toContain(admin);
  });

  it("refuses a session lifetime that is not a duration, naming the flag", async () => {
    const dataDir = await makeTempDir("ayra-keys-serve-");
    dirs.push(dataDir);
    const refused = await serveRefusal(["--data-dir", dataDir, "--session-ttl", "3mo"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("--session-ttl");
    expect(refused.stderr).toContain("months");
  });

  it("npm start (ayra-keys dev) prints the dashboard's address, and the page answers there", async () => {
    const home = await makeTempDir("ayra-keys-dev-");
    dirs.push(home);
    // Without Go the local control plane is skipped: only the keys service starts, which is all this needs.
    const path = (process.env.PATH ?? "")
      .split(delimiter)
      .filter((dir) => dir && !existsSync(join(dir, "go")))
      .join(delimiter);
    const dev = startProcess({
      name: "ayra-keys dev",
      command: process.execPath,
      args: [CLI_MAIN, "dev", "--listen", "127.0.0.1:0", "--data-dir", join(home, "data")],
      env: {
        ...process.env,
        HOME: home,
        KUBECONFIG: "",
        PATH: path,
        GOROOT: "",
        AYRA_KEYS_CACHE_DIR: join(home, "cache"),
      },
      capture: true,
    });
    try {
      const dashboard = await waitFor(
        "npm start to print the dashboard's address",
        () => /dashboard on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(dev.stdout())?.[1],
        { timeoutMs: 60_000, context: () => dev.output() },
      );
      const page = await fetch(dashboard);
      // The page, or (in a checkout not built yet) the 503 that says how to build it.
      if (page.status === 200) expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      else {
        expect(page.status).toBe(503);
        expect(await page.text()).toContain("npm run build");
      }
      expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    } finally {
      await dev.stop({ graceMs: 15_000 });
    }
  });
});
