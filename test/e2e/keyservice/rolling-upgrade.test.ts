// A rolling update: the previous release's `ayra-keys serve` (its code taken from git) and this one share
// one PostgreSQL database after this one's migrations ran. Each reads and writes what the other wrote.
import { execFile } from "node:child_process";
import { mkdtemp, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "../../../core/domain/index.ts";
import { makeCaller } from "../../harness/keys-service.ts";
import { freePort } from "../../harness/ports.ts";
import { type ManagedProcess, startProcess } from "../../harness/processes.ts";
import { newDatabase, type ServeProcess, startServe } from "../../harness/serve-process.ts";
import { waitFor } from "../../harness/wait.ts";

/** The last release of the keys service. */
const PREVIOUS_RELEASE = "a2ce3d3";
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const run = promisify(execFile);

let current: ServeProcess;
let previous: { proc: ManagedProcess; call: ReturnType<typeof makeCaller> };
const admin = generateKey("live");

beforeAll(async () => {
  const checkout = await mkdtemp(join(tmpdir(), "ayra-keys-previous-"));
  await run("sh", ["-c", `git -C "${repo}" archive ${PREVIOUS_RELEASE} | tar -x -C "${checkout}"`]).catch(
    (err: Error) => {
      throw new Error(
        `cannot read release ${PREVIOUS_RELEASE} from git (a shallow clone? run \`git fetch --unshallow\`): ${err.message}`,
      );
    },
  );
  await symlink(join(repo, "node_modules"), join(checkout, "node_modules"));
  const dataDir = await mkdtemp(join(tmpdir(), "ayra-keys-upgrade-"));
  const database = await newDatabase("postgres", dataDir);
  // This release migrates the database first, as the first updated pod of a rollout would.
  current = await startServe(["--data-dir", dataDir, "--database", database], {
    env: { AYRA_KEYS_ADMIN_KEY: admin },
  });
  const port = await freePort();
  const proc = startProcess({
    name: `ayra-keys serve (${PREVIOUS_RELEASE})`,
    command: process.execPath,
    args: [join(checkout, "cli/main.ts"), "serve", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir],
    env: { ...process.env, AYRA_KEYS_DATABASE_URL: database },
    capture: true,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor("the previous release to serve", async () => (await fetch(`${url}/readyz`)).ok, {
    context: () => proc.output(),
  });
  previous = { proc, call: makeCaller(() => url) };
});

afterAll(async () => {
  await previous?.proc.stop();
  await current?.proc.stop();
});

describe(`the previous release (${PREVIOUS_RELEASE}) beside this one on one PostgreSQL`, () => {
  it.each([
    { writer: "previous", reader: "current" },
    { writer: "current", reader: "previous" },
  ])("keys the $writer release writes, the $reader release reads and changes", async ({ writer, reader }) => {
    const w = writer === "current" ? current.call : previous.call;
    const r = reader === "current" ? current.call : previous.call;
    const body = {
      name: `Written by ${writer}`,
      environment: "live",
      scopes: ["agents:read"],
      metadata: { by: writer },
    };
    const created = await w("POST", "/v1/api_keys", {
      key: admin,
      body,
      headers: { "idempotency-key": `up-${writer}` },
    });
    expect(created.status).toBe(201);
    const { id, secret } = created.body;

    expect((await r("GET", `/v1/api_keys/${id}`, { key: admin })).body).toMatchObject({
      name: body.name,
      status: "active",
    });
    expect(
      (await r("POST", "/v1/api_keys/introspect", { key: admin, body: { key: secret } })).body.active,
    ).toBe(true);
    // The replay record one release wrote, the other returns.
    const replay = await r("POST", "/v1/api_keys", {
      key: admin,
      body,
      headers: { "idempotency-key": `up-${writer}` },
    });
    expect([replay.body.id, replay.body.secret]).toEqual([id, secret]);
    // The new key authenticates on both releases.
    expect((await r("GET", "/v1/api_keys?limit=5", { key: secret })).status).toBe(403);

    const rolled = await r("POST", `/v1/api_keys/${id}/roll`, {
      key: admin,
      body: { grace_period_seconds: 60 },
    });
    expect(rolled.status).toBe(201);
    expect((await w("GET", `/v1/api_keys/${id}`, { key: admin })).body).toMatchObject({
      status: "expiring",
      replaced_by: rolled.body.id,
    });
    const revoked = await w("POST", `/v1/api_keys/${rolled.body.id}/revoke`, {
      key: admin,
      body: { reason: "unused" },
    });
    expect(revoked.body.status).toBe("revoked");
    await waitFor(
      `the ${reader} release to refuse the revoked key`,
      async () =>
        (await r("POST", "/v1/api_keys/introspect", { key: admin, body: { key: rolled.body.secret } })).body
          .active === false,
      { timeoutMs: 5_000 },
    );
    const audit = await r("GET", `/v1/audit_events?key_id=${id}`, { key: admin });
    expect(audit.body.data.map((e) => e.action)).toEqual(["api_key.created", "api_key.rolled"]);
    const listed = await r("GET", `/v1/api_keys?limit=100&metadata[by]=${writer}`, { key: admin });
    expect(listed.body.data.map((k) => k.id).sort()).toEqual([id, rolled.body.id].sort());
  });
});
