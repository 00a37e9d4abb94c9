// What survives a restart on both stores: every key and its state, and — after a keyring rotation — every
// key minted under the old HMAC key.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rotateKeyringFile } from "../../../keyservice/keyring.ts";
import { createKey, STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { expectNoSecret } from "../../harness/no-secret.ts";

describe.each(STORES)("persistence on %s", (store) => {
  let ks: TestKeyService;
  beforeAll(async () => {
    ks = await startTestKeyService(store);
  });
  afterAll(async () => {
    await ks?.close();
  });

  const introspect = async (secret: string) =>
    (await ks.call("POST", "/v1/api_keys/introspect", { key: ks.adminKey, body: { key: secret } })).body;

  it("keeps keys, their states and the audit log across a restart, without a second bootstrap", async () => {
    const active = await createKey(ks, {
      name: "Survives restarts",
      environment: "live",
      scopes: ["agents:read"],
    });
    const revoked = await createKey(ks, {
      name: "Revoked before restart",
      environment: "test",
      scopes: ["agents:read"],
    });
    await ks.call("POST", `/v1/api_keys/${revoked.id}/revoke`, {
      key: ks.adminKey,
      body: { reason: "unused" },
    });
    const before = (await ks.call("GET", `/v1/api_keys/${active.id}`, { key: ks.adminKey })).body;
    const shownBefore = ks.shown.length;

    await ks.restart();

    expect(ks.shown.length).toBe(shownBefore); // the bootstrap key is shown once, ever
    expect((await ks.call("GET", `/v1/api_keys/${active.id}`, { key: ks.adminKey })).body).toEqual(before);
    expect((await introspect(active.secret)).active).toBe(true);
    expect(await introspect(revoked.secret)).toEqual({ active: false });
    const audit = await ks.call("GET", `/v1/audit_events?key_id=${revoked.id}`, { key: ks.adminKey });
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      "api_key.created",
      "api_key.revoked",
    ]);
  });

  it("keeps old keys valid after a keyring rotation, and mints new ones under the new HMAC key", async () => {
    const old = await createKey(ks, {
      name: "Minted before rotation",
      environment: "test",
      scopes: ["agents:read"],
    });
    const keyringPath = join(ks.dataDir, "keyring.json");
    const before = JSON.parse(await readFile(keyringPath, "utf8"));
    const { hmacId } = rotateKeyringFile(keyringPath);
    await ks.restart();

    expect(ks.service.deps.keyring.currentHmacId).toBe(hmacId);
    expect(ks.service.deps.keyring.hmacIds).toEqual([hmacId, before.hmac[0].id]);
    expect((await introspect(old.secret)).active).toBe(true);
    expect((await ks.call("GET", "/v1/api_keys?limit=1", { key: ks.adminKey })).status).toBe(200);
    const fresh = await createKey(ks, {
      name: "Minted after rotation",
      environment: "test",
      scopes: ["agents:read"],
    });
    expect((await introspect(fresh.secret)).active).toBe(true);
    const rows = await ks.service.deps.db.query("SELECT id, hmac_kid FROM api_keys WHERE id IN ($1, $2)", [
      old.id,
      fresh.id,
    ]);
    const kidOf = Object.fromEntries(rows.map((r) => [r.id, r.hmac_kid]));
    expect(kidOf[old.id]).toBe(before.hmac[0].id);
    expect(kidOf[fresh.id]).toBe(hmacId);
  });

  it("stores no key value: only digests, display parts and encrypted replays", async () => {
    const { secret } = await createKey(ks, { name: "Needle", environment: "live", scopes: ["agents:read"] });
    await ks.call("POST", "/v1/api_keys", {
      key: ks.adminKey,
      body: { name: "Replayable", environment: "test", scopes: ["agents:read"] },
      headers: { "idempotency-key": `needle-${Date.now()}` },
    });
    const dump: string[] = [];
    for (const table of ["api_keys", "idempotency", "audit_events", "service_meta"]) {
      dump.push(JSON.stringify(await ks.service.deps.db.query(`SELECT * FROM ${table}`)));
    }
    const all = dump.join("\n");
    expectNoSecret(all, secret);
    expectNoSecret(all, ks.adminKey);
    expect(all).not.toMatch(/sk_(live|test)_[A-Za-z0-9]{50}/);
  });
});
