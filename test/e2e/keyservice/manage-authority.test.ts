// A key manages only what it could have minted, and nobody rewrites who owns a key. Real service, both stores:
// refusals leave the target exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, STORES, startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";

describe.each(STORES)("managing keys on %s", (store) => {
  let ks: TestKeyService;
  let writer: string;

  beforeAll(async () => {
    ks = await startTestKeyService(store);
    writer = (
      await createKey(ks, {
        name: "Key manager",
        environment: "live",
        scopes: ["api_keys:write", "agents:read"],
      })
    ).secret;
  });
  afterAll(async () => {
    await ks?.close();
  });

  it.each([
    { name: "roll", method: "POST", suffix: "/roll", body: {} },
    { name: "revoke", method: "POST", suffix: "/revoke", body: { reason: "compromised" } },
    { name: "edit", method: "PATCH", suffix: "", body: { name: "Taken over" } },
  ])(
    "an api_keys:write key cannot $name an admin:full key, and the key is unchanged",
    async ({ method, suffix, body }) => {
      const admin = await createKey(ks, {
        name: "Second admin",
        environment: "live",
        scopes: ["admin:full"],
      });
      const before = await ks.call("GET", `/v1/api_keys/${admin.id}`, { key: ks.adminKey });
      const res = await ks.call(method, `/v1/api_keys/${admin.id}${suffix}`, { key: writer, body });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("key_not_manageable");
      expect(res.body.error.message).toContain("admin:full");
      const after = await ks.call("GET", `/v1/api_keys/${admin.id}`, { key: ks.adminKey });
      expect(after.body).toEqual(before.body);
      expect(after.body.status).toBe("active");
      // Still a working key, and no second key appeared.
      const check = await ks.call("POST", "/v1/api_keys/introspect", {
        key: ks.adminKey,
        body: { key: admin.secret },
      });
      expect(check.body.active).toBe(true);
      const rolled = await ks.call("GET", "/v1/api_keys?limit=100", { key: ks.adminKey });
      expect(rolled.body.data.filter((k) => k.rolled_from === admin.id)).toEqual([]);
    },
  );

  it("refuses a key holding one scope more than the caller, and allows one it could have minted", async () => {
    const wider = await createKey(ks, {
      name: "Agents writer",
      environment: "live",
      scopes: ["agents:read", "agents:write"],
    });
    const refused = await ks.call("POST", `/v1/api_keys/${wider.id}/revoke`, {
      key: writer,
      body: { reason: "unused" },
    });
    expect(refused.body.error?.code).toBe("key_not_manageable");
    expect(refused.body.error?.message).toContain("agents:write");
    const narrow = await createKey(ks, {
      name: "Agents reader",
      environment: "live",
      scopes: ["agents:read"],
    });
    const renamed = await ks.call("PATCH", `/v1/api_keys/${narrow.id}`, {
      key: writer,
      body: { name: "Agents reader (renamed)" },
    });
    expect(renamed.status).toBe(200);
    const rolled = await ks.call("POST", `/v1/api_keys/${narrow.id}/roll`, { key: writer, body: {} });
    expect(rolled.status).toBe(201);
    const revoked = await ks.call("POST", `/v1/api_keys/${rolled.body.id}/revoke`, {
      key: writer,
      body: { reason: "unused" },
    });
    expect(revoked.status).toBe(200);
  });

  const owned = {
    managed_by: "ayra-keys-controller",
    k8s_cluster: "c1",
    k8s_namespace: "payments",
    k8s_name: "web",
    k8s_uid: "7c1f0000-0000-4000-8000-000000000001",
    owner: "payments-team",
  };

  it.each([
    { name: "changing k8s_uid", metadata: { ...owned, k8s_uid: "another" }, field: "k8s_uid" },
    { name: "removing managed_by", metadata: { ...owned, managed_by: undefined }, field: "managed_by" },
    {
      name: "adding pulumi_urn",
      metadata: { ...owned, pulumi_urn: "urn:pulumi:s::p::t::n" },
      field: "pulumi_urn",
    },
    {
      name: "adding a legacy spelling",
      metadata: { ...owned, "pulumi-stack": "prod" },
      field: "pulumi-stack",
    },
    { name: "dropping all metadata", metadata: {}, field: "managed_by" },
  ])("refuses $name with 400 immutable_field, changing nothing", async ({ metadata, field }) => {
    const key = await createKey(ks, {
      name: "Owned key",
      environment: "live",
      scopes: ["agents:read"],
      metadata: owned,
    });
    const before = await ks.call("GET", `/v1/api_keys/${key.id}`, { key: ks.adminKey });
    const res = await ks.call("PATCH", `/v1/api_keys/${key.id}`, {
      key: ks.adminKey,
      body: { name: "Renamed too", metadata: JSON.parse(JSON.stringify(metadata)) },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("immutable_field");
    expect(res.body.error.param).toBe(`metadata.${field}`);
    expect(res.body.error.message).toContain(field);
    const after = await ks.call("GET", `/v1/api_keys/${key.id}`, { key: ks.adminKey });
    expect(after.body).toEqual(before.body);
  });

  it("edits the rest of the metadata, and respells a legacy ownership name, in place", async () => {
    const key = await createKey(ks, {
      name: "Owned key",
      environment: "live",
      scopes: ["agents:read"],
      metadata: owned,
    });
    const legacy = await createKey(ks, {
      name: "Legacy key",
      environment: "live",
      scopes: ["agents:read"],
      metadata: { "managed-by": "ayra-keys-pulumi", "pulumi-urn": "urn:pulumi:s::p::t::n" },
    });
    const edited = await ks.call("PATCH", `/v1/api_keys/${key.id}`, {
      key: ks.adminKey,
      body: { metadata: { ...owned, owner: "platform", purpose: "web" } },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.metadata).toMatchObject({ owner: "platform", purpose: "web", k8s_uid: owned.k8s_uid });
    const respelled = await ks.call("PATCH", `/v1/api_keys/${legacy.id}`, {
      key: ks.adminKey,
      body: { metadata: { managed_by: "ayra-keys-pulumi", pulumi_urn: "urn:pulumi:s::p::t::n" } },
    });
    expect(respelled.status).toBe(200);
    expect(respelled.body.metadata).toEqual({
      managed_by: "ayra-keys-pulumi",
      pulumi_urn: "urn:pulumi:s::p::t::n",
    });
  });
});
