import { describe, expect, it } from "vitest";
import { UNKNOWN } from "./check.ts";
import { diffState, diffSummary } from "./diff.ts";
import type { ApiKeyInputs, ApiKeyState } from "./state.ts";

const DAY = 86_400_000;
const created = Date.parse("2026-01-01T00:00:00Z");
const slot = "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/ayra:ApiKey::web";

const inputs: ApiKeyInputs = {
  displayName: "Production Web Application",
  environment: "live",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
  slot,
};

const state: ApiKeyState = {
  ...inputs,
  keyId: "key_current",
  secret: "sk_live_not-a-real-key",
  redacted: "sk_live_abc123...WXYZ",
  status: "active",
  createdAt: new Date(created).toISOString(),
  expiresAt: new Date(created + 90 * DAY).toISOString(),
  rotateAfter: new Date(created + 30 * DAY).toISOString(),
};

const at = created + DAY;
const diff = (olds: Partial<ApiKeyState>, news: Partial<ApiKeyInputs> | Record<string, unknown>, now = at) =>
  diffState({ ...state, ...olds }, { __provider: "any revision", ...inputs, ...news }, now);

describe("diffState", () => {
  it.each<{
    name: string;
    olds?: Partial<ApiKeyState>;
    news?: Record<string, unknown>;
    now?: number;
    changes: boolean;
  }>([
    { name: "nothing changed", changes: false },
    {
      name: "only the serialized provider differs",
      news: { __provider: "another revision" },
      changes: false,
    },
    {
      name: "the scopes are listed in another order",
      news: { scopes: ["conversations:read", "agents:read"] },
      changes: false,
    },
    {
      name: "the same rotation written in other units",
      news: { rotation: { every: "720h", gracePeriod: "1w" } },
      changes: false,
    },
    { name: "a new name", news: { displayName: "Web" }, changes: true },
    { name: "an owner", news: { owner: "web-team" }, changes: true },
    { name: "new scopes", news: { scopes: ["agents:read"] }, changes: true },
    { name: "another environment", news: { environment: "test" }, changes: true },
    { name: "a new lifetime", news: { expiresAfter: "60d" }, changes: true },
    { name: "a new schedule", news: { rotation: { every: "14d", gracePeriod: "7d" } }, changes: true },
    { name: "another deletion reason", news: { deletionReason: "unused" }, changes: true },
    {
      name: "the default deletion reason spelled out",
      news: { deletionReason: "project_ended" },
      changes: false,
    },
    { name: "a renamed resource (another slot)", news: { slot: `${slot}-2` }, changes: true },
    { name: "a rotation that fell due", now: created + 30 * DAY, changes: true },
    { name: "a key revoked out of band", olds: { status: "revoked" }, changes: true },
    { name: "a key the API no longer knows", olds: { status: "missing" }, changes: true },
    {
      name: "a previous key still in its grace period",
      olds: { previousKeyId: "key_old", previousRevokeAt: new Date(at + DAY).toISOString() },
      changes: false,
    },
    {
      name: "a previous key whose grace period is over",
      olds: { previousKeyId: "key_old", previousRevokeAt: new Date(at - 1).toISOString() },
      changes: true,
    },
    { name: "an input not known yet", news: { displayName: UNKNOWN }, changes: true },
  ])("$name: changes is $changes, never a replacement", ({ olds = {}, news = {}, now = at, changes }) => {
    expect(diff(olds, news, now)).toEqual({ changes, replaces: [], deleteBeforeReplace: false });
  });

  it("compares a fixed expiry by instant", () => {
    const fixed = "2026-04-15T00:00:00.000Z";
    const olds = { expiresAfter: undefined, expiresAt: fixed, rotation: undefined };
    const news = { expiresAfter: undefined, expiresAt: fixed, rotation: undefined };
    expect(diff(olds, news).changes).toBe(false);
    expect(diff(olds, { ...news, expiresAt: "2026-05-15T00:00:00.000Z" }).changes).toBe(true);
  });

  it("does not mistake the key's derived expiry for a fixed one", () => {
    // With expiresAfter, expiresAt in the state is the key's own expiry, not a spec field.
    expect(diff({ expiresAt: new Date(created + 90 * DAY).toISOString() }, {}).changes).toBe(false);
  });
});

describe("diffSummary", () => {
  const lifetime: Partial<ApiKeyInputs> = { expiresAfter: "30d", rotation: undefined };
  const key30d = {
    ...lifetime,
    expiresAt: new Date(created + 30 * DAY).toISOString(),
  } as Partial<ApiKeyState>;
  it.each<{
    name: string;
    olds: Partial<ApiKeyState>;
    news: Record<string, unknown>;
    now: number;
    summary: string | undefined;
  }>([
    {
      name: "says nothing while the key is kept",
      olds: key30d,
      news: lifetime,
      now: created + 20 * DAY,
      summary: undefined,
    },
    {
      name: "says renew, with the expiry and when the window opened, inside the renewal window",
      olds: key30d,
      news: lifetime,
      now: created + 25 * DAY,
      summary: "renew: expires 2026-01-31T00:00:00.000Z, renewal window opened at 2026-01-24T00:00:00.000Z",
    },
    {
      name: "says renew at once for a key found expired",
      olds: key30d,
      news: lifetime,
      now: created + 31 * DAY,
      summary: "renew: expired at 2026-01-31T00:00:00.000Z, replaced at once",
    },
    {
      name: "names the fields that roll the key",
      olds: {},
      news: { scopes: ["agents:read"] },
      now: at,
      summary: "roll: scopes changed",
    },
    {
      name: "says a renamed resource gets a new key, from which URN to which",
      olds: {},
      news: { slot: `${slot}-renamed` },
      now: at,
      summary: `new key: the resource moved from ${slot} to ${slot}-renamed; a key's owner cannot change`,
    },
    {
      name: "says a renamed stack gets a new key",
      olds: {},
      news: { slot: slot.replace(":dev::", ":prod::") },
      now: at,
      summary: `new key: the resource moved from ${slot} to ${slot.replace(":dev::", ":prod::")}; a key's owner cannot change`,
    },
    {
      name: "says nothing for unknown inputs",
      olds: {},
      news: { scopes: UNKNOWN },
      now: at,
      summary: undefined,
    },
  ])("$name", ({ olds, news, now, summary }) => {
    expect(diffSummary({ ...state, ...olds }, { ...inputs, ...news }, now)).toBe(summary);
  });
});
