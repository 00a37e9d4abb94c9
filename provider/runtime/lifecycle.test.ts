// The lifecycle's branches against an in-memory keys API that answers like the contract says. The real service
// is exercised end to end in test/e2e/pulumi; these pin the paths a crash or an out-of-band change leads to.
import { describe, expect, it } from "vitest";
import {
  type ApiKey,
  type ApiKeyWithSecret,
  KeysApiError,
  type KeysClient,
  type ListApiKeysQuery,
  type RevokeApiKeyRequest,
  type RollApiKeyRequest,
} from "../../core/client/index.ts";
import { changedOwnershipMetadata } from "../../keyservice/service/ownership-metadata.ts";
import { createBody, createStrayFinder } from "./keys.ts";
import { createSlot, deleteSlot, type LifecycleContext, readSlot, updateSlot } from "./lifecycle.ts";
import { resolveSettings } from "./settings.ts";
import type { ApiKeyInputs, ApiKeyState } from "./state.ts";

const DAY = 86_400_000;
const T0 = Date.parse("2026-01-01T00:00:00Z");
const slot = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/ayra:ApiKey::web";
const inputs: ApiKeyInputs = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
  slot,
};

function apiError(status: number, code: string): KeysApiError {
  return new KeysApiError({ status, type: "invalid_request_error", code, message: code, retryable: false });
}

/** Just enough of the keys API, with a clock the test moves. */
class FakeKeysApi {
  now = T0;
  keys = new Map<string, ApiKey>();
  calls: string[] = [];
  #next = 0;

  mint(
    body: {
      name: string;
      environment: ApiKey["environment"];
      scopes: readonly ApiKey["scopes"][number][];
      expires_at?: string | null;
      metadata?: Record<string, string>;
    },
    rolledFrom: string | null,
  ): ApiKeyWithSecret {
    const id = `key_${String(++this.#next).padStart(24, "0")}`;
    const key: ApiKey = {
      object: "api_key",
      id,
      name: body.name,
      environment: body.environment,
      scopes: [...body.scopes],
      status: "active",
      redacted: `sk_${body.environment}_abc${this.#next}...WXYZ`,
      created_at: new Date(this.now).toISOString(),
      updated_at: new Date(this.now).toISOString(),
      expires_at: body.expires_at ?? null,
      expiring_at: null,
      last_used_at: null,
      rolled_from: rolledFrom,
      replaced_by: null,
      revoked_at: null,
      revocation_reason: null,
      metadata: body.metadata ?? {},
    };
    this.keys.set(id, key);
    return { ...key, secret: `sk_${body.environment}_secret${this.#next}` };
  }

  get(id: string): ApiKey {
    const key = this.keys.get(id);
    if (key === undefined) throw apiError(404, "resource_missing");
    return key;
  }

  client(): KeysClient {
    const unsupported = () => {
      throw new Error("not used by the provider");
    };
    const api = this;
    return {
      async createKey(body) {
        api.calls.push("create");
        return api.mint(body, null);
      },
      async rollKey(id, body: RollApiKeyRequest = {}) {
        api.calls.push(`roll ${id}`);
        const old = api.get(id);
        if (old.status === "revoked" || old.status === "expired") throw apiError(409, "key_not_active");
        if (old.replaced_by !== null) throw apiError(409, "roll_in_progress");
        const rolled = api.mint(
          { ...old, scopes: body.scopes ?? old.scopes, expires_at: body.expires_at ?? null },
          old.id,
        );
        const deadline = api.now + (body.grace_period_seconds ?? 86_400) * 1000;
        api.keys.set(id, {
          ...old,
          status: "expiring",
          expiring_at: new Date(deadline).toISOString(),
          replaced_by: rolled.id,
        });
        return rolled;
      },
      async revokeKey(id, body: RevokeApiKeyRequest) {
        api.calls.push(`revoke ${id} ${body.reason}${body.effective_at ? " scheduled" : ""}`);
        const key = api.get(id);
        if (key.status === "revoked") throw apiError(409, "key_already_revoked");
        // An earlier deadline already stands; a later one never moves it.
        if (body.effective_at && key.expiring_at !== null && key.expiring_at <= body.effective_at) return key;
        const next: ApiKey = body.effective_at
          ? { ...key, status: "expiring", expiring_at: body.effective_at }
          : { ...key, status: "revoked", revocation_reason: body.reason, expiring_at: null };
        api.keys.set(id, next);
        return next;
      },
      async updateKey(id, body) {
        api.calls.push(`patch ${id}`);
        const key = api.get(id);
        if (
          body.metadata !== undefined &&
          changedOwnershipMetadata(key.metadata, body.metadata) !== undefined
        )
          throw apiError(400, "immutable_field");
        const next = { ...key, ...body };
        api.keys.set(id, next);
        return next;
      },
      async getKey(id) {
        api.calls.push(`get ${id}`);
        return api.get(id);
      },
      async *listAllKeys(query: ListApiKeysQuery = {}) {
        api.calls.push("list");
        for (const key of api.keys.values()) {
          const wanted = Object.entries(query.metadata ?? {}).every(([k, v]) => key.metadata[k] === v);
          if (wanted && (query.status === undefined || key.status === query.status)) yield key;
        }
      },
      listKeys: unsupported,
      getUsage: unsupported,
      introspect: unsupported,
      listAuditEvents: unsupported,
      listAllAuditEvents: unsupported,
    };
  }
}

function context(api: FakeKeysApi): LifecycleContext & { warnings: string[] } {
  const settings = { ...resolveSettings(undefined, {}), now: () => api.now };
  const client = api.client();
  const warnings: string[] = [];
  return {
    settings,
    client: () => client,
    strays: createStrayFinder(() => client),
    log: { info: () => {}, warn: () => {} },
    warn: (message) => warnings.push(message),
    warnings,
  };
}

async function created(api: FakeKeysApi): Promise<ApiKeyState> {
  const { outs } = await createSlot(context(api), inputs);
  api.calls.length = 0;
  return outs;
}

describe("the key slot lifecycle", () => {
  it("creates a key, revoking a stray an interrupted run left in the same slot under the legacy spelling", async () => {
    const api = new FakeKeysApi();
    const metadata = { "pulumi-urn": slot, "pulumi-stack": "urn:pulumi:dev::shop" };
    const stray = api.mint({ ...inputs, name: inputs.displayName, metadata }, null);
    const { id, outs } = await createSlot(context(api), inputs);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(api.calls).toEqual(["create", "list", "list", `revoke ${stray.id} unused`]);
    expect(outs).toMatchObject({ status: "active", secret: expect.stringMatching(/^sk_live_secret/) });
    expect(outs.rotateAfter).toBe(new Date(T0 + 30 * DAY).toISOString());
    expect(api.get(stray.id).status).toBe("revoked");
  });

  it("patches a rename in place: same key, same secret", async () => {
    const api = new FakeKeysApi();
    const state = await created(api);
    const { outs } = await updateSlot(context(api), state, { ...inputs, displayName: "Web" });
    expect(api.calls).toEqual([`patch ${state.keyId}`]);
    expect(outs).toMatchObject({ keyId: state.keyId, secret: state.secret, displayName: "Web" });
  });

  it("rolls on new scopes, keeping the old key for the grace period", async () => {
    const api = new FakeKeysApi();
    const state = await created(api);
    api.now += DAY;
    const { outs } = await updateSlot(context(api), state, { ...inputs, scopes: ["agents:read"] });
    expect(api.calls).toEqual([`roll ${state.keyId}`, "list", "list"]);
    expect(outs.keyId).not.toBe(state.keyId);
    expect(outs).toMatchObject({
      previousKeyId: state.keyId,
      previousRevokeAt: new Date(api.now + 7 * DAY).toISOString(),
      scopes: ["agents:read"],
    });
  });

  it("revokes the previous key at once when a newer rotation supersedes it", async () => {
    const api = new FakeKeysApi();
    const first = (await updateSlot(context(api), await created(api), { ...inputs, scopes: ["agents:read"] }))
      .outs;
    api.calls.length = 0;
    await updateSlot(context(api), first, { ...inputs, scopes: ["agents:read", "contacts:read"] });
    expect(api.calls).toEqual([
      `revoke ${first.previousKeyId} replaced`,
      `roll ${first.keyId}`,
      "list",
      "list",
    ]);
  });

  it("recovers from a roll whose answer was lost: a new key by create, the lost one revoked", async () => {
    const api = new FakeKeysApi();
    const state = await created(api);
    const lost = await api.client().rollKey(state.keyId, { grace_period_seconds: 7 * 86_400 });
    api.calls.length = 0;
    const { outs } = await updateSlot(context(api), state, { ...inputs, scopes: ["agents:read"] });
    expect(api.calls).toEqual([
      `roll ${state.keyId}`,
      `get ${state.keyId}`,
      "create",
      "list",
      "list",
      `revoke ${lost.id} unused`,
    ]);
    expect(outs.previousKeyId).toBe(state.keyId);
    expect(api.get(state.keyId).status).toBe("expiring");
  });

  it("creates a new key without grace when the current one was revoked since the state was written", async () => {
    const api = new FakeKeysApi();
    const state = await created(api);
    await api.client().revokeKey(state.keyId, { reason: "compromised" });
    api.calls.length = 0;
    const { outs } = await updateSlot(context(api), state, { ...inputs, scopes: ["agents:read"] });
    expect(api.calls).toEqual([`roll ${state.keyId}`, "create", "list", "list"]);
    expect(outs.previousKeyId).toBeUndefined();
  });

  it("moves to the other environment by create, revoking the old key when the grace period ends", async () => {
    const api = new FakeKeysApi();
    const state = await created(api);
    const { outs } = await updateSlot(context(api), state, { ...inputs, environment: "test" });
    expect(api.calls).toEqual(["create", `revoke ${state.keyId} replaced scheduled`, "list", "list"]);
    expect(outs).toMatchObject({
      environment: "test",
      previousKeyId: state.keyId,
      previousRevokeAt: new Date(api.now + 7 * DAY).toISOString(),
    });
  });

  it("reads a key revoked out of band, and forgets a previous key whose grace is over", async () => {
    const api = new FakeKeysApi();
    const rolled = (
      await updateSlot(context(api), await created(api), { ...inputs, scopes: ["agents:read"] })
    ).outs;
    await api.client().revokeKey(rolled.keyId, { reason: "compromised" });
    await api.client().revokeKey(String(rolled.previousKeyId), { reason: "replaced" });
    const { id, props } = await readSlot(context(api), "slot-id", rolled);
    expect(id).toBe("slot-id");
    expect(props).toMatchObject({ keyId: rolled.keyId, status: "revoked", secret: rolled.secret });
    expect(props.previousKeyId).toBeUndefined();
  });

  it("refuses to read (import) a slot without state, saying why", async () => {
    const api = new FakeKeysApi();
    await expect(readSlot(context(api), "key_x", {} as ApiKeyState)).rejects.toThrow(/cannot be imported/);
    expect(api.calls).toEqual([]);
  });

  it("reads a key the API no longer knows as missing", async () => {
    const api = new FakeKeysApi();
    const state = await created(api);
    api.keys.clear();
    expect((await readSlot(context(api), "slot-id", state)).props.status).toBe("missing");
  });

  it("revokes the current and the previous key on delete, with the configured reason", async () => {
    const api = new FakeKeysApi();
    const rolled = (
      await updateSlot(context(api), await created(api), { ...inputs, scopes: ["agents:read"] })
    ).outs;
    api.calls.length = 0;
    await deleteSlot(context(api), { ...rolled, deletionReason: "employee_departure" });
    expect(api.calls).toEqual([
      `revoke ${rolled.keyId} employee_departure`,
      `revoke ${rolled.previousKeyId} employee_departure`,
    ]);
  });

  const moved = `${slot}-renamed`;
  const activeKeysOf = (api: FakeKeysApi, urn: string) =>
    [...api.keys.values()].filter((k) => k.status === "active" && k.metadata.pulumi_urn === urn);

  it("moves to a new slot by create, never patching the key's owner, and retires the old key after the grace period", async () => {
    const api = new FakeKeysApi();
    const state = await created(api);
    api.now += DAY;
    const { outs } = await updateSlot(context(api), state, { ...inputs, slot: moved });
    expect(api.calls).toEqual(["create", `revoke ${state.keyId} replaced scheduled`, "list", "list"]);
    expect(outs.keyId).not.toBe(state.keyId);
    expect(outs.secret).not.toBe(state.secret);
    expect(outs).toMatchObject({
      slot: moved,
      previousKeyId: state.keyId,
      previousRevokeAt: new Date(api.now + 7 * DAY).toISOString(),
    });
    expect(activeKeysOf(api, moved).map((k) => k.id)).toEqual([outs.keyId]);
    expect(api.get(outs.keyId).metadata).toMatchObject({
      pulumi_urn: moved,
      pulumi_stack: "urn:pulumi:dev::shop",
    });
    expect(api.get(state.keyId)).toMatchObject({ status: "expiring", metadata: { pulumi_urn: slot } });
  });

  it("leaves one live key for the new slot when a move is retried after a crash, keeping the old key's first deadline", async () => {
    const api = new FakeKeysApi();
    const state = await created(api);
    // The interrupted run minted a key for the new slot and scheduled the old one, then lost both answers.
    const lost = await api.client().createKey(createBody({ ...inputs, slot: moved }, api.now));
    const firstDeadline = new Date(api.now + 7 * DAY).toISOString();
    await api.client().revokeKey(state.keyId, { reason: "replaced", effective_at: firstDeadline });
    api.now += DAY;
    api.calls.length = 0;
    const { outs } = await updateSlot(context(api), state, { ...inputs, slot: moved });
    expect(api.calls).toEqual([
      "create",
      `revoke ${state.keyId} replaced scheduled`,
      "list",
      "list",
      `revoke ${lost.id} unused`,
    ]);
    expect(activeKeysOf(api, moved).map((k) => k.id)).toEqual([outs.keyId]);
    expect(outs).toMatchObject({ previousKeyId: state.keyId, previousRevokeAt: firstDeadline });
    expect(api.get(state.keyId).expiring_at).toBe(firstDeadline);
  });

  it("moves a revoked key's slot by create with nothing to keep", async () => {
    const api = new FakeKeysApi();
    const state = await created(api);
    await api.client().revokeKey(state.keyId, { reason: "compromised" });
    api.calls.length = 0;
    const { outs } = await updateSlot(
      context(api),
      { ...state, status: "revoked" },
      { ...inputs, slot: moved },
    );
    expect(api.calls).toEqual(["create", "list", "list"]);
    expect(outs.previousKeyId).toBeUndefined();
    expect(activeKeysOf(api, moved).map((k) => k.id)).toEqual([outs.keyId]);
  });

  it("respells a legacy-spelled key's metadata in place when its owner field changes, keeping the key", async () => {
    const api = new FakeKeysApi();
    const metadata = {
      "managed-by": "ayra-keys-pulumi",
      "pulumi-urn": slot,
      "pulumi-stack": "urn:pulumi:dev::shop",
    };
    const legacy = api.mint({ ...inputs, name: inputs.displayName, metadata }, null);
    const { secret: _s, ...fields } = legacy;
    const state: ApiKeyState = {
      ...inputs,
      keyId: legacy.id,
      secret: legacy.secret,
      redacted: fields.redacted,
      status: "active",
      createdAt: fields.created_at,
      expiresAt: fields.expires_at,
      rotateAfter: null,
    };
    const { outs } = await updateSlot(context(api), state, { ...inputs, owner: "web-team" });
    expect(api.calls).toEqual([`patch ${legacy.id}`]);
    expect(outs).toMatchObject({ keyId: legacy.id, secret: legacy.secret, owner: "web-team" });
    expect(api.get(legacy.id).metadata).toEqual({
      managed_by: "ayra-keys-pulumi",
      pulumi_urn: slot,
      pulumi_stack: "urn:pulumi:dev::shop",
      owner: "web-team",
    });
  });
});
