// `ayra-keys serve` as a user runs it: a real process on SQLite and on PostgreSQL. The bootstrap key goes
// to a 0600 file (here stdout is a pipe, as in a container, never a terminal) or is taken from the
// environment; the data folder and its files are checked on every start; SIGTERM drains without losing an
// accepted write; and no key value ever reaches the logs, the audit log or the metrics (the canary).
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { generateKey } from "../../../core/domain/index.ts";
import { makeCaller } from "../../harness/keys-service.ts";
import { expectNoSecret } from "../../harness/no-secret.ts";
import { freePort } from "../../harness/ports.ts";
import { type ManagedProcess, startProcess } from "../../harness/processes.ts";
import { waitFor } from "../../harness/wait.ts";

const main = fileURLToPath(new URL("../../../cli/main.ts", import.meta.url));
const KEY = /sk_(live|test)_[A-Za-z0-9]{50}/g;
const started: ManagedProcess[] = [];

afterEach(async () => {
  for (const p of started.splice(0)) await p.stop();
});

async function serve(args: string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const proc = startProcess({
    name: "ayra-keys serve",
    command: process.execPath,
    args: [main, "serve", "--listen", `127.0.0.1:${port}`, "--flush-interval", "1", ...args],
    env: { ...process.env, ...env },
    capture: true,
  });
  started.push(proc);
  const url = `http://127.0.0.1:${port}`;
  await waitFor("the keys service to be ready", async () => (await fetch(`${url}/readyz`)).ok, {
    context: () => proc.output(),
  });
  return { proc, url, call: makeCaller(() => url) };
}

async function postgresDatabase(): Promise<string> {
  const name = `serve_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: inject("postgresUrl") });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return inject("postgresUrl").replace(/\/postgres$/, `/${name}`);
}

describe("ayra-keys serve", () => {
  it.each([{ store: "sqlite" }, { store: "postgres" }])(
    "on $store: writes the bootstrap key to a 0600 file, keeps data across restarts, and leaks no key anywhere",
    async ({ store }) => {
      const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-serve-"));
      const database = store === "sqlite" ? `sqlite:${join(dataDir, "keys.db")}` : await postgresDatabase();
      const metricsPort = await freePort();
      const first = await serve([
        "--data-dir",
        dataDir,
        "--database",
        database,
        "--metrics-listen",
        `127.0.0.1:${metricsPort}`,
      ]);
      // No terminal: the key is in DATA_DIR/admin-key, and the log says so without the value.
      const file = join(dataDir, "admin-key");
      const admin = (await readFile(file, "utf8")).trim();
      expect(admin).toMatch(/^sk_live_[A-Za-z0-9]{50}$/);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(first.proc.stdout()).not.toMatch(KEY);
      await waitFor("the log to name the key file", async () => first.proc.stderr().includes(file));
      expect((await stat(join(dataDir, "keyring.json"))).mode & 0o777).toBe(0o600);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      if (store === "sqlite") expect((await stat(join(dataDir, "keys.db"))).mode & 0o777).toBe(0o600);

      // Exercise every operation that handles a key value.
      const values: string[] = [admin];
      const created = await first.call("POST", "/v1/api_keys", {
        key: admin,
        body: { name: "Canary web key", environment: "live", scopes: ["agents:read"] },
        headers: { "idempotency-key": "canary-1" },
      });
      values.push(created.body.secret);
      await first.call("POST", "/v1/api_keys", {
        key: admin,
        body: { name: "Canary web key", environment: "live", scopes: ["agents:read"] },
        headers: { "idempotency-key": "canary-1" },
      });
      const rolled = await first.call("POST", `/v1/api_keys/${created.body.id}/roll`, {
        key: admin,
        body: { grace_period_seconds: 60 },
      });
      values.push(rolled.body.secret);
      await first.call("POST", "/v1/api_keys/introspect", { key: admin, body: { key: rolled.body.secret } });
      await first.call("POST", `/v1/api_keys/${rolled.body.id}/revoke`, {
        key: admin,
        body: { reason: "compromised", note: `leaked ${rolled.body.secret}` },
      });
      const forged = generateKey("live");
      values.push(forged);
      expect((await first.call("GET", "/v1/api_keys", { key: forged })).status).toBe(401);
      await first.call("POST", "/v1/api_keys", {
        key: admin,
        body: { name: `pasted ${forged}`, environment: "test", scopes: ["nope"] },
      });
      const audit = await first.call("GET", "/v1/audit_events?limit=100", { key: admin });
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toContain("ayra_keys_service_http_requests_total");
      expect((await fetch(`${first.url}/metrics`)).status).toBe(404); // not on the API port

      await first.proc.stop();
      expect(await first.proc.exited).toEqual({ code: 0, signal: null });
      const second = await serve(["--data-dir", dataDir, "--database", database]);
      expect(second.proc.stdout()).not.toMatch(KEY);
      expect(
        (await second.call("GET", `/v1/api_keys/${created.body.id}`, { key: admin })).body.replaced_by,
      ).toBe(rolled.body.id);

      const logs = first.proc.stderr() + second.proc.stderr();
      expect(logs.length).toBeGreaterThan(0);
      for (const line of logs.trim().split("\n")) expect(() => JSON.parse(line)).not.toThrow();
      const stdoutOutsideTheDisplay = first.proc.stdout() + second.proc.stdout();
      for (const value of values) {
        expectNoSecret(logs, value);
        expectNoSecret(JSON.stringify(audit.body), value);
        expectNoSecret(metrics, value);
        expectNoSecret(stdoutOutsideTheDisplay, value);
      }
    },
  );

  it("writes the bootstrap key to a 0600 file instead of showing it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-serve-"));
    const file = join(dataDir, "secrets", "admin-key");
    const { proc, call } = await serve(["--data-dir", dataDir, "--admin-key-file", file]);
    const admin = (await readFile(file, "utf8")).trim();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(proc.stdout() + proc.stderr()).not.toMatch(KEY);
    await waitFor("the log to name the key file", async () => proc.stderr().includes(file));
    expect((await call("GET", "/v1/api_keys", { key: admin })).status).toBe(200);
  });

  it("refuses to start with a world-readable keyring, naming it and the fix, and changes nothing", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-serve-"));
    const first = await serve(["--data-dir", dataDir]);
    await first.proc.stop();
    const keyring = join(dataDir, "keyring.json");
    const before = await readFile(keyring, "utf8");
    await chmod(keyring, 0o644);
    const proc = startProcess({
      name: "ayra-keys serve",
      command: process.execPath,
      args: [main, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir],
      capture: true,
    });
    started.push(proc);
    const exit = await proc.exited;
    expect(exit.code).not.toBe(0);
    expect(proc.stderr()).toContain(keyring);
    expect(proc.stderr()).toContain(`chmod 600 ${keyring}`);
    expect((await stat(keyring)).mode & 0o777).toBe(0o644);
    expect(await readFile(keyring, "utf8")).toBe(before);
  });

  it("tightens a 0644 database file and a 0755 data folder that are its own", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-serve-"));
    const first = await serve(["--data-dir", dataDir]);
    await first.proc.stop();
    const db = join(dataDir, "keys.db");
    await chmod(db, 0o644);
    await chmod(dataDir, 0o755);
    const second = await serve(["--data-dir", dataDir]);
    expect((await stat(db)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    await waitFor("the log to say what was tightened", async () =>
      second.proc.stderr().includes("tightened file permissions"),
    );
    expect(second.proc.stderr()).toContain(db);
  });

  it("refuses a world-readable key file left in the data folder", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-serve-"));
    const file = join(dataDir, "admin-key");
    await writeFile(file, "stale\n", { mode: 0o644 });
    await chmod(file, 0o644);
    const proc = startProcess({
      name: "ayra-keys serve",
      command: process.execPath,
      args: [main, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir],
      capture: true,
    });
    started.push(proc);
    expect((await proc.exited).code).not.toBe(0);
    expect(proc.stderr()).toContain(file);
    expect(proc.stdout() + proc.stderr()).not.toMatch(KEY);
  });

  it("takes the bootstrap key from AYRA_KEYS_ADMIN_KEY and shows nothing", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-serve-"));
    const given = generateKey("live");
    const { proc, call } = await serve(["--data-dir", dataDir], { AYRA_KEYS_ADMIN_KEY: given });
    expect(proc.stdout()).not.toMatch(KEY);
    const listed = await call("GET", "/v1/api_keys", { key: given });
    expect(listed.body.data.map((k: { name: string; scopes: string[] }) => [k.name, k.scopes])).toEqual([
      ["Bootstrap admin key", ["admin:full"]],
    ]);
  });

  it("refuses a malformed AYRA_KEYS_ADMIN_KEY without echoing it", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-serve-"));
    const good = generateKey("live");
    const broken = `${good.slice(0, -1)}${good.endsWith("x") ? "y" : "x"}`; // one changed checksum character
    const proc = startProcess({
      name: "ayra-keys serve",
      command: process.execPath,
      args: [main, "serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir],
      env: { ...process.env, AYRA_KEYS_ADMIN_KEY: broken },
      capture: true,
    });
    started.push(proc);
    const exit = await proc.exited;
    expect(exit.code).not.toBe(0);
    expect(proc.stderr()).toContain("AYRA_KEYS_ADMIN_KEY is not a well-formed key");
    expect(proc.stdout() + proc.stderr()).not.toContain(broken);
  });

  it("drains on SIGTERM: every create that was answered 201 is still there after a restart", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-serve-"));
    const file = join(dataDir, "admin-key");
    const first = await serve(["--data-dir", dataDir, "--admin-key-file", file]);
    const admin = (await readFile(file, "utf8")).trim();
    const tag = `drain-${Date.now()}`;
    const inFlight = Array.from({ length: 40 }, (_, i) =>
      first
        .call("POST", "/v1/api_keys", {
          key: admin,
          body: { name: `Drain ${i}`, environment: "test", scopes: ["agents:read"], metadata: { tag } },
        })
        .then(
          (r) => r,
          () => undefined,
        ),
    );
    // SIGTERM as soon as the first of them has been answered.
    await Promise.race(inFlight);
    const stopping = first.proc.stop();
    const answers = await Promise.all(inFlight);
    await stopping;
    const accepted = answers.filter((r) => r?.status === 201).map((r) => r?.body.id);
    expect(accepted.length).toBeGreaterThan(0);

    const second = await serve(["--data-dir", dataDir]);
    const listed = await second.call("GET", `/v1/api_keys?limit=100&metadata[tag]=${tag}`, { key: admin });
    const stored = listed.body.data.map((k: { id: string }) => k.id);
    for (const id of accepted) expect(stored).toContain(id);
  });
});
