import { describe, expect, it } from "vitest";
import {
  DEFAULT_GRACE_MS,
  parseReason,
  planIncident,
  planRevoke,
  planRotate,
  ReasonError,
  refusalOf,
} from "./runbook.ts";
import { fakeKey } from "./runbook-fake-keys.ts";
import { apiKeyServes, keyOwner, pickTarget, TargetError } from "./target.ts";

const now = new Date("2026-03-01T10:00:00.000Z");
const controller = fakeKey({
  metadata: { managed_by: "ayra-keys-controller", k8s_namespace: "shop", k8s_name: "web", k8s_cluster: "c1" },
});
const pulumi = fakeKey({
  metadata: {
    "managed-by": "ayra-keys-pulumi",
    "pulumi-urn": "urn:pulumi:prod::shop::ayra:index:ApiKey::web$x",
  },
});

describe("who manages a key", () => {
  it("reads the controller, Pulumi (legacy spellings too) and nobody", () => {
    expect(keyOwner(controller)).toEqual({
      kind: "controller",
      cluster: "c1",
      namespace: "shop",
      name: "web",
    });
    expect(keyOwner(pulumi)).toMatchObject({ kind: "pulumi", stack: "prod", project: "shop" });
    expect(keyOwner(fakeKey())).toEqual({ kind: "unmanaged" });
    // A claim without its coordinates cannot be acted on through its manager.
    expect(keyOwner(fakeKey({ metadata: { managed_by: "ayra-keys-controller" } }))).toEqual({
      kind: "unmanaged",
    });
  });
});

describe("NAME|ID", () => {
  const a = fakeKey({ id: "key_aaaaaaaaaaaaaaaaaaaaaaaa" });
  const b = fakeKey({ id: "key_bbbbbbbbbbbbbbbbbbbbbbbb" });
  it("takes the key found by id, or the one working key of that name", () => {
    expect(pickTarget(a.id, { byId: a, byName: [] })).toBe(a);
    expect(pickTarget("Web", { byId: undefined, byName: [a, fakeKey({ status: "revoked" })] })).toBe(a);
    // Rotated: the old key is expiring under the same name; the name means the new one.
    expect(pickTarget("Web", { byId: undefined, byName: [fakeKey({ ...b, status: "expiring" }), a] })).toBe(
      a,
    );
  });
  it("refuses an ambiguous name listing the candidates, an unknown one and an empty one", () => {
    const ambiguous = (() => {
      try {
        pickTarget("Web", { byId: undefined, byName: [a, b] });
      } catch (e) {
        return e;
      }
    })() as TargetError;
    expect(ambiguous).toBeInstanceOf(TargetError);
    expect(ambiguous.problem).toBe("ambiguous");
    expect(ambiguous.message).toContain(b.id);
    expect(() => pickTarget("Nope", { byId: undefined, byName: [] })).toThrow(
      /no working key has the name "Nope"/,
    );
    expect(() => pickTarget(" ", { byId: undefined, byName: [] })).toThrow(TargetError);
  });
});

describe("runbook plans", () => {
  it("rotate: annotation for the controller, roll with the grace for unmanaged, refusal with pulumi up for Pulumi", () => {
    const c = planRotate(controller, keyOwner(controller), { graceMs: DEFAULT_GRACE_MS, now });
    expect(c.steps).toEqual([
      expect.objectContaining({
        kind: "annotate",
        namespace: "shop",
        name: "web",
        annotation: "keys.ayra.ai/rotate",
        value: now.toISOString(),
      }),
    ]);
    const u = planRotate(fakeKey(), { kind: "unmanaged" }, { graceMs: DEFAULT_GRACE_MS, now });
    expect(u.steps[0]).toMatchObject({ kind: "roll", graceSeconds: 604_800 });
    const p = planRotate(pulumi, keyOwner(pulumi), { graceMs: DEFAULT_GRACE_MS, now });
    expect(refusalOf(p)?.commands).toContain(
      "pulumi up --stack 'prod' --target 'urn:pulumi:prod::shop::ayra:index:ApiKey::web$x'",
    );
  });
  it("revoke: unmanaged revoked; an ApiKey only as compromised; a gone key is nothing to do", () => {
    expect(planRevoke(fakeKey(), { kind: "unmanaged" }, { reason: "unused", now }).steps[0]).toMatchObject({
      kind: "revoke",
      reason: "unused",
    });
    expect(refusalOf(planRevoke(controller, keyOwner(controller), { reason: "unused", now }))).toBeDefined();
    expect(
      planRevoke(controller, keyOwner(controller), { reason: "compromised", now }).steps[0],
    ).toMatchObject({ annotation: "keys.ayra.ai/compromised" });
    expect(
      planRevoke(fakeKey({ status: "revoked" }), { kind: "unmanaged" }, { reason: "unused", now }).steps[0]
        ?.kind,
    ).toBe("nothing");
  });
  it("incident: a Pulumi key is revoked now, with refresh and up to follow", () => {
    const plan = planIncident(pulumi, keyOwner(pulumi), { now });
    expect(plan.steps[0]).toMatchObject({ kind: "revoke", reason: "compromised" });
    expect(plan.followUp[0]).toMatch(/^pulumi refresh --yes --stack 'prod'/);
  });
  it("reasons: the keys API's five, anything else refused by name", () => {
    expect(parseReason("employee_departure")).toBe("employee_departure");
    expect(() => parseReason("Compromised")).toThrow(ReasonError);
  });
});

describe("an ApiKey serves a key", () => {
  it("only when its status names the key, current or previous; the key's metadata is not enough", () => {
    const status = { keyId: "key_new", previousKeys: [{ keyId: "key_old" }] };
    expect(apiKeyServes({ status }, "key_new")).toBe(true);
    expect(apiKeyServes({ status }, "key_old")).toBe(true);
    expect(apiKeyServes({ status }, "key_forged")).toBe(false);
    expect(apiKeyServes({}, "key_new")).toBe(false);
  });
});
