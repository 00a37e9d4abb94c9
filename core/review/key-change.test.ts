import { describe, expect, it } from "vitest";
import type { KeySpec } from "../spec/key-spec.ts";
import { type KeyChangeInput, type PlanAction, planKeyChange } from "./key-change.ts";

const base: KeySpec = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
};
const DAY = 86_400_000;

describe("planKeyChange", () => {
  it.each<{
    name: string;
    input: Omit<KeyChangeInput, "platform">;
    platform?: "kubernetes" | "pulumi";
    action: PlanAction;
    graceMs?: number;
  }>([
    { name: "a key without a before is created", input: { after: base }, action: "create" },
    { name: "a key without an after is revoked", input: { before: base }, action: "revoke" },
    { name: "a retained key is only let go", input: { before: base, retained: true }, action: "retain" },
    {
      name: "an identical spec is no change",
      input: { before: base, after: { ...base } },
      action: "no-change",
    },
    {
      name: "a new name is patched in place",
      input: { before: base, after: { ...base, displayName: "Web" } },
      action: "update-in-place",
    },
    {
      name: "new scopes mint a key, the old one kept for the grace period",
      input: { before: base, after: { ...base, scopes: ["admin:full"] } },
      action: "new-key",
      graceMs: 7 * DAY,
    },
    {
      name: "without a gracePeriod the grace is the week, capped at half the rotation",
      input: { before: base, after: { ...base, expiresAfter: "60d", rotation: { every: "4d" } } },
      action: "new-key",
      graceMs: 2 * DAY,
    },
    {
      name: "a new lifetime and a new name: the roll wins",
      input: { before: base, after: { ...base, displayName: "Web", expiresAfter: "30d" } },
      action: "new-key",
      graceMs: 7 * DAY,
    },
    {
      name: "a rotation change is a schedule change",
      input: { before: base, after: { ...base, rotation: { every: "14d", gracePeriod: "7d" } } },
      action: "schedule-change",
    },
    {
      name: "a Secret change is a delivery change",
      input: { before: base, after: { ...base, secret: { name: "web" } } },
      action: "delivery-change",
    },
    {
      name: "a new environment is refused on Kubernetes",
      input: { before: base, after: { ...base, environment: "test" } },
      action: "environment-change",
    },
    {
      name: "a new environment replaces the key in Pulumi",
      input: { before: base, after: { ...base, environment: "test" } },
      platform: "pulumi",
      action: "replace",
      graceMs: 7 * DAY,
    },
  ])("$name", ({ input, platform, action, graceMs }) => {
    const change = planKeyChange({ platform: platform ?? "kubernetes", ...input });
    expect(change.action).toBe(action);
    expect(change.graceMs).toBe(graceMs);
  });

  it("names the scopes added and removed", () => {
    const change = planKeyChange({
      platform: "kubernetes",
      before: base,
      after: { ...base, scopes: ["agents:read", "contacts:write", "analytics:read"] },
    });
    expect(change.addedScopes).toEqual(["analytics:read", "contacts:write"]);
    expect(change.removedScopes).toEqual(["conversations:read"]);
  });
});
