// Gather and act with fake dependencies: what each reads and writes, in what order, and that every call
// carries the reconcile's AbortSignal. The judgements themselves are the planner's (core/planner).
import { describe, expect, it } from "vitest";
import { act } from "../../controller/reconcile/act.ts";
import { gather } from "../../controller/reconcile/gather.ts";
import { reconcile } from "../../controller/reconcile/reconciler.ts";
import { KeysApiError } from "../../core/client/errors.ts";
import { plan } from "../../core/planner/plan.ts";
import type { Decision } from "../../core/planner/types.ts";
import { apiKeyObject, apiKeyRecord, fakeDeps } from "./fakes/reconcile-deps.ts";

const spec = { displayName: "Web Reader", environment: "test", scopes: ["agents:read"], expiresAfter: "1h" };
const log = { debug: () => undefined };

function world(objSpec: Record<string, unknown> = spec) {
  const f = fakeDeps();
  const obj = apiKeyObject("web", objSpec);
  f.apiKeys.items.set("team-a/web", obj);
  return { ...f, obj };
}

async function decide(w: ReturnType<typeof world>, signal?: AbortSignal) {
  const g = await gather(w.deps, "team-a/web", { signal });
  if (g === undefined) throw new Error("nothing gathered");
  return { g, d: plan(g.snapshot) };
}

describe("gather", () => {
  it.each([
    {
      name: "hands the planner the keys service's records for this uid and none of another's",
      setup: (w: ReturnType<typeof world>) => {
        w.deps.facts.observe(apiKeyRecord({ id: "key_mine", metadata: { k8s_uid: "uid-web" } }));
        w.deps.facts.observe(apiKeyRecord({ id: "key_theirs", metadata: { k8s_uid: "uid-other" } }));
      },
      expectKeys: ["key_mine"],
    },
    {
      name: "says the keys are unknown until the first key list answered",
      setup: (w: ReturnType<typeof world>) => {
        w.deps.facts.complete = false;
      },
      expectKeys: undefined,
    },
  ])("$name", async ({ setup, expectKeys }) => {
    const w = world();
    setup(w);
    const { g } = await decide(w);
    expect(g.snapshot.keys?.map((k) => k.id)).toEqual(expectKeys);
  });

  it("looks up a Secret missing from the cache once, with the reconcile's signal", async () => {
    const w = world();
    const signal = new AbortController().signal;
    const { g } = await decide(w, signal);
    expect(g.snapshot.secret).toEqual({ state: "missing" });
    expect(w.calls).toEqual([{ what: "GET /api/v1/namespaces/team-a/secrets/web", signal: true }]);
  });
});

describe("act", () => {
  it.each([
    {
      name: "creates the first key, then writes the Secret, then the status — one of each, all with the signal",
      given: () => world(),
      expectCalls: [
        "createKey",
        "POST /api/v1/namespaces/team-a/secrets",
        "PUT /apis/keys.ayra.ai/v1alpha1/namespaces/team-a/apikeys/web/status",
      ],
    },
    {
      name: "remembers a refusal for good and writes nothing (the planner stalls on it next)",
      given: () => {
        const w = world();
        w.refuse.create = new KeysApiError({
          status: 403,
          type: "permission_error",
          code: "scope_escalation",
          message: "the management key cannot mint admin:full",
          retryable: false,
        });
        return w;
      },
      expectCalls: ["createKey"],
    },
  ])("$name", async ({ given, expectCalls }) => {
    const w = given();
    const signal = new AbortController().signal;
    const { g, d } = await decide(w);
    w.calls.length = 0;
    await act(w.deps, g, d, signal);
    expect(w.calls.map((c) => c.what)).toEqual(expectCalls);
    expect(w.calls.every((c) => c.signal)).toBe(true);
  });

  it("sends the planner's request as fixed: its Idempotency-Key and body, unchanged", async () => {
    const w = world();
    const { g, d } = await decide(w);
    if (d.action !== "mint") throw new Error(`expected a mint, got ${d.action}`);
    await act(w.deps, g, d);
    const create = w.calls.find((c) => c.what === "createKey");
    expect(create?.idempotencyKey).toBe(d.plan.request.idempotencyKey);
    expect(create?.body).toEqual(d.plan.request.body);
    expect(create?.idempotencyKey).toMatch(/^ayra-keys\/uid-web\/create\/0\//);
  });

  it.each<{ name: string; decision: (keyId: string) => Decision; expectCalls: string[] }>([
    {
      name: "revokes exactly the keys a revokeKeys decision names, then writes the status it carries",
      decision: () => ({
        action: "revokeKeys",
        why: "StrayKeys",
        keyIds: ["key_a", "key_b"],
        reason: "unused",
        status: {},
        notices: [],
      }),
      expectCalls: [
        "revokeKey key_a",
        "revokeKey key_b",
        "PUT /apis/keys.ayra.ai/v1alpha1/namespaces/team-a/apikeys/web/status",
      ],
    },
    {
      name: "patches the key a patchKey decision names, and nothing else",
      decision: (keyId) => ({
        action: "patchKey",
        why: "CosmeticChange",
        keyId,
        name: "New Name",
        metadata: {},
      }),
      expectCalls: ["updateKey key_x"],
    },
  ])("$name", async ({ decision, expectCalls }) => {
    const w = world();
    const { g } = await decide(w);
    w.calls.length = 0;
    await act(w.deps, g, decision("key_x"), new AbortController().signal);
    expect(w.calls.map((c) => c.what)).toEqual(expectCalls);
    expect(w.calls.every((c) => c.signal)).toBe(true);
  });
});

describe("reconcile", () => {
  it("takes a new ApiKey to Ready with one key create, one Secret create and one status write", async () => {
    const w = world();
    const result = await reconcile(w.deps, "team-a/web", log);
    // Ready, and back when the key needs renewing.
    expect(result).toEqual({ requeueAfterMs: expect.any(Number) });
    const writes = w.calls.filter((c) => !c.what.startsWith("GET")).map((c) => c.what);
    expect(writes).toEqual([
      "createKey",
      "POST /api/v1/namespaces/team-a/secrets",
      "PUT /apis/keys.ayra.ai/v1alpha1/namespaces/team-a/apikeys/web/status",
    ]);
    expect(w.events).toEqual([]);
  });

  it.each([
    { code: "invalid_api_key", message: "the API key is not valid" },
    { code: "missing_api_key", message: "no API key was sent" },
  ])(
    "fails on a 401 ($code) without stalling the ApiKey, and mints once the key works again",
    async ({ code, message }) => {
      const w = world();
      w.refuse.create = new KeysApiError({
        status: 401,
        type: "authentication_error",
        code,
        message,
        retryable: false,
      });
      // Failing the reconcile hands it to the work queue's backoff; a remembered refusal would stall it.
      await expect(reconcile(w.deps, "team-a/web", log)).rejects.toMatchObject({ status: 401, code });
      expect(w.deps.refusals.of("uid-web", w.obj.metadata.generation ?? 0)).toBeUndefined();
      expect(w.calls.filter((c) => c.what.startsWith("PUT"))).toEqual([]);

      w.refuse.create = undefined;
      w.calls.length = 0;
      expect(await reconcile(w.deps, "team-a/web", log)).toEqual({ requeueAfterMs: expect.any(Number) });
      expect(w.calls.filter((c) => !c.what.startsWith("GET")).map((c) => c.what)).toEqual([
        "createKey",
        "POST /api/v1/namespaces/team-a/secrets",
        "PUT /apis/keys.ayra.ai/v1alpha1/namespaces/team-a/apikeys/web/status",
      ]);
    },
  );

  it("stops between steps once its signal is aborted", async () => {
    const w = world();
    const abort = new AbortController();
    abort.abort(new Error("timed out"));
    await expect(reconcile(w.deps, "team-a/web", log, abort.signal)).rejects.toThrow("timed out");
    expect(w.calls).toEqual([]);
  });
});
