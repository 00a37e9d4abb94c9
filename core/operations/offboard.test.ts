import { describe, expect, it } from "vitest";
import { normaliseOwner, OwnerEmailError, planOffboard } from "./offboard.ts";
import { fakeKey } from "./runbook-fake-keys.ts";

const now = new Date("2026-03-01T10:00:00.000Z");
const options = { now, inUseWindowMs: 30 * 86_400_000 };
const alice = "alice@example.com";
const id = (c: string) => `key_${c.repeat(24)}`;

const keys = [
  fakeKey({ id: id("a"), metadata: { owner: "Alice@Example.com " } }),
  fakeKey({ id: id("b"), metadata: { owner: alice }, last_used_at: "2026-02-28T00:00:00.000Z" }),
  fakeKey({ id: id("c"), metadata: { owner: alice }, status: "revoked" }),
  fakeKey({
    id: id("d"),
    created_at: "2026-02-01T00:00:00.000Z",
    metadata: { owner: alice, managed_by: "ayra-keys-controller", k8s_namespace: "shop", k8s_name: "web" },
  }),
  fakeKey({
    id: id("e"),
    status: "expiring",
    metadata: { owner: alice, managed_by: "ayra-keys-controller", k8s_namespace: "shop", k8s_name: "web" },
  }),
  fakeKey({
    id: id("f"),
    metadata: {
      owner: alice,
      managed_by: "ayra-keys-pulumi",
      pulumi_urn: "urn:pulumi:prod::shop::ayra:index:ApiKey::w",
    },
  }),
  fakeKey({ id: id("g"), metadata: { owner: "bob@example.com" } }),
  fakeKey({ id: id("h"), metadata: {} }),
];

describe("offboarding plan", () => {
  const plan = planOffboard(keys, alice, options);
  const byKey = (k: string) => plan.find((i) => i.keys.some((x) => x.id === k));

  it("revokes an unused unmanaged key with reason employee_departure", () => {
    expect(byKey(id("a"))).toMatchObject({
      action: "revoke",
      step: { kind: "revoke", reason: "employee_departure" },
    });
  });
  it("leaves an unmanaged key in use for review, with the commands", () => {
    const item = byKey(id("b"));
    expect(item?.action).toBe("review");
    expect(item?.step).toBeUndefined();
    expect(item?.commands.join("\n")).toContain(`ayra-keys rotate ${id("b")}`);
  });
  it("rotates an ApiKey once, through its annotation, covering its current and previous key", () => {
    const item = byKey(id("d"));
    expect(item).toMatchObject({
      action: "rotate",
      step: { kind: "annotate", namespace: "shop", name: "web" },
    });
    expect(item?.keys.map((k) => k.id)).toEqual([id("d"), id("e")]);
    expect(plan.filter((i) => i.action === "rotate")).toHaveLength(1);
  });
  it("refuses a Pulumi key with its pulumi command", () => {
    expect(byKey(id("f"))).toMatchObject({ action: "refuse" });
    expect(byKey(id("f"))?.commands.some((c) => c.startsWith("pulumi up --stack 'prod'"))).toBe(true);
  });
  it("touches nothing of anyone else, nor a key already gone", () => {
    for (const k of ["c", "g", "h"]) expect(byKey(id(k))).toBeUndefined();
    expect(plan).toHaveLength(4);
  });
  it("checks the owner is an email address", () => {
    expect(normaliseOwner(" Alice@Example.com")).toBe(alice);
    expect(() => normaliseOwner("alice")).toThrow(OwnerEmailError);
  });
});
