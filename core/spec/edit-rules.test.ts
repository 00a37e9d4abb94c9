import { describe, expect, it } from "vitest";
import { mintsNewKey, type SpecEdit } from "./edit-rules.ts";
import type { KeySpec } from "./key-spec.ts";

const before: KeySpec = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
  owner: "web-team",
  secret: { name: "web-key", labels: { app: "web" } },
  restartTargets: [{ kind: "Deployment", name: "web" }],
};

const nothing: SpecEdit = {
  newKey: false,
  replaceEnvironment: false,
  inPlace: [],
  rolling: [],
  scheduleChanged: [],
  deliveryChanged: [],
};

describe("mintsNewKey", () => {
  it.each<{ name: string; after: Partial<KeySpec>; expected: Partial<SpecEdit> }>([
    { name: "an identical spec changes nothing", after: {}, expected: {} },
    {
      name: "a new displayName is patched in place",
      after: { displayName: "Web App" },
      expected: { inPlace: ["displayName"] },
    },
    {
      name: "owner, purpose and description are patched in place",
      after: { owner: "platform", purpose: "checkout", description: "notes" },
      expected: { inPlace: ["owner", "purpose", "description"] },
    },
    {
      name: "added scopes roll the key",
      after: { scopes: ["agents:read", "conversations:read", "contacts:write"] },
      expected: { newKey: true, rolling: ["scopes"] },
    },
    {
      name: "removed scopes roll the key too",
      after: { scopes: ["agents:read"] },
      expected: { newKey: true, rolling: ["scopes"] },
    },
    {
      name: "reordered scopes are the same set",
      after: { scopes: ["conversations:read", "agents:read"] },
      expected: {},
    },
    {
      name: "a new lifetime rolls the key",
      after: { expiresAfter: "30d" },
      expected: { newKey: true, rolling: ["expiresAfter"] },
    },
    {
      name: "the same lifetime written in ISO 8601 is no change",
      after: { expiresAfter: "P90D" },
      expected: {},
    },
    {
      name: "switching to a fixed expiry rolls the key",
      after: { expiresAfter: undefined, expiresAt: "2025-04-15T00:00:00Z" },
      expected: { newKey: true, rolling: ["expiresAfter", "expiresAt"] },
    },
    {
      name: "a new environment replaces the key in the other environment",
      after: { environment: "test" },
      expected: { newKey: true, replaceEnvironment: true },
    },
    {
      name: "rotation settings change only the schedule",
      after: { rotation: { every: "14d", gracePeriod: "7d", quietPeriod: "1h" } },
      expected: { scheduleChanged: ["rotation.every", "rotation.quietPeriod"] },
    },
    {
      name: "the same rotation in other units is no change",
      after: { rotation: { every: "720h", gracePeriod: "1w" } },
      expected: {},
    },
    {
      name: "Secret and restart target changes keep the key",
      after: {
        secret: { name: "web-key", key: "token", labels: { app: "web", tier: "front" } },
        restartTargets: [{ kind: "StatefulSet", name: "web" }],
        deletionPolicy: "Retain",
      },
      expected: { deliveryChanged: ["secret.key", "secret.labels", "restartTargets", "deletionPolicy"] },
    },
    {
      name: "spelling out a default is no change",
      after: { secret: { name: "web-key", key: "apiKey", labels: { app: "web" } }, deletionPolicy: "Revoke" },
      expected: {},
    },
    {
      name: "a rename with new scopes is both patched and rolled",
      after: { displayName: "Web", scopes: ["admin:full"] },
      expected: { newKey: true, inPlace: ["displayName"], rolling: ["scopes"] },
    },
  ])("$name", ({ after, expected }) => {
    expect(mintsNewKey(before, { ...before, ...after })).toEqual({ ...nothing, ...expected });
  });
});
