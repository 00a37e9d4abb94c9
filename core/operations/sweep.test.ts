import { describe, expect, it } from "vitest";
import type { ApiKey } from "../client/types.ts";
import { fakeKey } from "./runbook-fake-keys.ts";
import { type ClusterView, type PulumiView, summarize, sweep } from "./sweep.ts";
import { parseStackExport, parseStackListing, type StackContents, stacksToExport } from "./sweep-pulumi.ts";

const now = Date.parse("2026-03-01T12:00:00.000Z");
const old = "2026-03-01T09:00:00.000Z";
const recent = "2026-03-01T11:59:00.000Z";
const HOUR = 3_600_000;
let n = 0;
const id = () => `key_${String(n++).padStart(24, "0")}`;

const ctl = (over: Record<string, string> = {}, created = old): ApiKey =>
  fakeKey({
    id: id(),
    created_at: created,
    metadata: {
      managed_by: "ayra-keys-controller",
      k8s_cluster: "c1",
      k8s_namespace: "shop",
      k8s_name: "web",
      k8s_uid: "uid-gone",
      deletion_policy: "Revoke",
      ...over,
    },
  });
const pul = (stack: string, name: string, created = old): ApiKey =>
  fakeKey({
    id: id(),
    created_at: created,
    metadata: {
      managed_by: "ayra-keys-pulumi",
      pulumi_stack: `urn:pulumi:${stack}::shop`,
      pulumi_urn: `urn:pulumi:${stack}::shop::pulumi-nodejs:dynamic:Resource::${name}`,
    },
  });

const cluster: ClusterView = {
  clusterId: "c1",
  apiKeys: [{ uid: "uid-live", namespace: "shop", name: "web" }],
};
const contents = (keyIds: string[], more: Partial<StackContents> = {}): StackContents => ({
  keyIds: new Set(keyIds),
  pendingUrns: new Set(),
  opaque: false,
  ...more,
});
const listed = (...names: string[]) =>
  parseStackListing(JSON.stringify(names.map((name) => ({ name, updateInProgress: name.endsWith("busy") }))));

function judge(key: ApiKey, over: { cluster?: ClusterView; pulumi?: PulumiView; minAgeMs?: number } = {}) {
  const pulumi: PulumiView = over.pulumi ?? {
    backend: "file:///state",
    stacks: listed("organization/shop/prod"),
    contents: new Map([["organization/shop/prod", contents([])]]),
  };
  const [finding] = sweep({
    keys: [key],
    cluster: over.cluster ?? cluster,
    pulumi,
    now,
    minAgeMs: over.minAgeMs ?? HOUR,
  });
  if (!finding) throw new Error("no finding");
  return finding;
}

describe("the sweep's verdict on a controller key", () => {
  it.each([
    {
      name: "stray when its ApiKey's uid no longer exists",
      key: ctl(),
      verdict: "stray",
      reason: "apikey_gone",
    },
    {
      name: "kept while an ApiKey with its uid exists",
      key: ctl({ k8s_uid: "uid-live" }),
      verdict: "kept",
      reason: "apikey_exists",
    },
    {
      name: "kept when the deleted ApiKey said Retain",
      key: ctl({ deletion_policy: "Retain" }),
      verdict: "kept",
      reason: "deletion_policy_retain",
    },
    {
      name: "unknown when no deletion policy was recorded",
      key: ctl({ deletion_policy: "" }),
      verdict: "unknown",
      reason: "no_deletion_policy",
    },
    {
      name: "not judged when minted in another cluster",
      key: ctl({ k8s_cluster: "c2" }),
      verdict: "not_judged",
      reason: "other_cluster",
    },
    {
      name: "unknown without a recorded uid",
      key: ctl({ k8s_uid: "" }),
      verdict: "unknown",
      reason: "no_uid_recorded",
    },
    {
      name: "unknown while younger than --min-age",
      key: ctl({}, recent),
      verdict: "unknown",
      reason: "too_young",
    },
  ])("$name", ({ key, verdict, reason }) => {
    const m = { ...key.metadata };
    for (const [k, v] of Object.entries(m)) if (v === "") delete m[k];
    expect(judge({ ...key, metadata: m })).toMatchObject({ verdict, reason });
  });

  it("says which ApiKey is gone", () => {
    expect(judge(ctl()).why).toBe("ApiKey shop/web (uid uid-gone) no longer exists");
  });

  it("is unknown, never stray, when the cluster could not be read", () => {
    const unread = { clusterId: undefined, apiKeys: undefined, why: "connection refused" };
    expect(judge(ctl(), { cluster: unread })).toMatchObject({
      verdict: "unknown",
      reason: "cluster_unreadable",
    });
    const idOnly = { clusterId: "c1", apiKeys: undefined, why: "connection refused" };
    expect(judge(ctl(), { cluster: idOnly })).toMatchObject({
      verdict: "unknown",
      reason: "cluster_unreadable",
    });
    // With --cluster-id, a key of another cluster is still told apart.
    expect(judge(ctl({ k8s_cluster: "c2" }), { cluster: idOnly }).verdict).toBe("not_judged");
  });

  it("never uses a min-age below the controller's own margin", () => {
    const tenSecondsOld = ctl({}, new Date(now - 5_000).toISOString());
    expect(judge(tenSecondsOld, { minAgeMs: 0 }).reason).toBe("too_young");
  });
});

describe("the sweep's verdict on a Pulumi key", () => {
  const view = (
    stacks: string[],
    byName: Record<string, StackContents | { unreadable: string }>,
  ): PulumiView => ({
    backend: "file:///state",
    stacks: listed(...stacks),
    contents: new Map(Object.entries(byName)),
  });

  it("is stray when its stack is gone from a backend that holds the project", () => {
    const key = pul("dev", "web");
    expect(judge(key, { pulumi: view(["organization/shop/prod"], {}) })).toMatchObject({
      verdict: "stray",
      reason: "stack_gone",
      why: "stack shop/dev no longer exists in file:///state",
    });
  });

  it("is unknown when the backend holds no stack of its project (perhaps not its backend)", () => {
    expect(judge(pul("dev", "web"), { pulumi: view(["organization/other/prod"], {}) })).toMatchObject({
      verdict: "unknown",
      reason: "project_not_in_backend",
    });
  });

  it("is kept when a resource holds it, current or previous", () => {
    const key = pul("prod", "web");
    const state = parseStackExport(
      JSON.stringify({
        deployment: {
          resources: [{ urn: "u", type: "t", outputs: { keyId: "key_x", previousKeyId: key.id } }],
        },
      }),
    );
    expect(
      judge(key, { pulumi: view(["organization/shop/prod"], { "organization/shop/prod": state }) }).verdict,
    ).toBe("kept");
  });

  it("is stray when its stack exists but holds no resource with it", () => {
    const key = pul("prod", "crashed");
    expect(
      judge(key, {
        pulumi: view(["organization/shop/prod"], { "organization/shop/prod": contents(["key_other"]) }),
      }),
    ).toMatchObject({
      verdict: "stray",
      reason: "not_held_by_stack",
      why: "stack shop/prod has no resource holding this key",
    });
  });

  it.each([
    {
      name: "the backend could not be listed",
      pulumi: { backend: "file:///gone", unreadable: "no such directory" } as PulumiView,
      reason: "pulumi_backend_unreadable",
    },
    {
      name: "its stack could not be exported",
      pulumi: view(["organization/shop/prod"], {
        "organization/shop/prod": { unreadable: "bad checkpoint" },
      }),
      reason: "stack_unreadable",
    },
    {
      name: "an update is running on its stack",
      pulumi: view(["organization/shop/prodbusy"], { "organization/shop/prodbusy": contents([]) }),
      reason: "update_running",
      stack: "prodbusy",
    },
    {
      name: "an interrupted update left a pending operation on its slot",
      pulumi: view(["organization/shop/prod"], {
        "organization/shop/prod": contents([], {
          pendingUrns: new Set(["urn:pulumi:prod::shop::pulumi-nodejs:dynamic:Resource::web"]),
        }),
      }),
      reason: "pending_operation",
    },
    {
      name: "a resource holds a key id it cannot read",
      pulumi: view(["organization/shop/prod"], { "organization/shop/prod": contents([], { opaque: true }) }),
      reason: "stack_state_opaque",
    },
  ])("is unknown, never stray, when $name", ({ pulumi, reason, stack }) => {
    expect(judge(pul(stack ?? "prod", "web"), { pulumi })).toMatchObject({ verdict: "unknown", reason });
  });

  it("is unknown while younger than --min-age, even with its stack gone", () => {
    expect(judge(pul("dev", "web", recent)).reason).toBe("too_young");
  });

  it("exports only the stacks some key may belong to", () => {
    const stacks = listed("organization/shop/prod", "organization/shop/qa", "organization/other/prod");
    expect(stacksToExport([pul("prod", "a"), pul("dev", "b"), ctl()], stacks)).toEqual([
      "organization/shop/prod",
    ]);
  });
});

describe("the sweep over every key", () => {
  it("skips revoked and expired keys, and does not judge unmanaged ones", () => {
    const findings = sweep({
      keys: [
        fakeKey({ id: id(), metadata: { owner: "a@example.com" } }),
        { ...ctl(), status: "revoked" },
        { ...ctl(), status: "expired" },
        ctl(),
      ],
      cluster,
      pulumi: { backend: undefined, unreadable: "no backend given" },
      now,
      minAgeMs: HOUR,
    });
    expect(findings.map((f) => f.verdict)).toEqual(["not_judged", "stray"]);
    expect(summarize(findings)).toEqual({ stray: 1, unknown: 0, kept: 0, not_judged: 1 });
  });
});

describe("reading the Pulumi CLI's output", () => {
  it("splits organization, project and stack; an older file backend lists bare names", () => {
    expect(listed("org/shop/dev", "dev")).toEqual([
      { fullName: "org/shop/dev", project: "shop", stack: "dev", updateInProgress: false },
      { fullName: "dev", project: undefined, stack: "dev", updateInProgress: false },
    ]);
  });

  it("refuses output that is not a stack list or a deployment", () => {
    expect(() => parseStackListing("error: nope")).toThrow(/did not print JSON/);
    expect(() => parseStackListing("{}")).toThrow(/not print a list/);
    expect(() => parseStackExport("{}")).toThrow(/no deployment/);
  });

  it("marks a secret key id as opaque rather than unheld", () => {
    const state = parseStackExport(
      JSON.stringify({ deployment: { resources: [{ outputs: { keyId: { ciphertext: "…" } } }] } }),
    );
    expect(state.opaque).toBe(true);
  });
});
