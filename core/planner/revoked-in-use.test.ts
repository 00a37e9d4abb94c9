import { describe, expect, it } from "vitest";
import { REASONS } from "./reasons.ts";
import { revokedKeyInUseNotice } from "./revoked-in-use.ts";
import type { KeyRecord } from "./types.ts";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const owner = { clusterId: "c1", object: { namespace: "team-a", name: "web", uid: "uid-1" } };

function key(meta: Record<string, string> = {}): KeyRecord {
  return {
    id: "key_old",
    status: "revoked",
    name: "Web",
    environment: "live",
    scopes: ["agents:read"],
    redacted: "sk_live_abc123...WXYZ",
    createdAt: T0,
    expiresAt: null,
    rolledFrom: null,
    metadata: {
      managed_by: "ayra-keys-controller",
      k8s_cluster: "c1",
      k8s_namespace: "team-a",
      k8s_name: "web",
      k8s_uid: "uid-1",
      ...meta,
    },
  };
}

const use = { keyId: "key_old", at: T0 + 60_000, requestId: "req_1", ip: "10.0.0.7", keyStatus: "revoked" };

describe("revokedKeyInUseNotice", () => {
  it("warns on the ApiKey whose key is presented after it stopped working, naming request and address", () => {
    const notice = revokedKeyInUseNotice(use, key(), owner);
    expect(notice).toMatchObject({ type: "Warning", reason: REASONS.RevokedKeyInUse });
    expect(notice?.message).toContain("key_old");
    expect(notice?.message).toContain("req_1");
    expect(notice?.message).toContain("10.0.0.7");
    expect(notice?.message).toContain("2026-03-01T00:01:00.000Z");
  });

  it("warns for an expired key too", () => {
    expect(revokedKeyInUseNotice({ ...use, keyStatus: "expired" }, key(), owner)?.message).toContain(
      "is expired",
    );
  });

  it("says nothing for a key whose metadata names another ApiKey, another cluster, or that is unknown", () => {
    expect(revokedKeyInUseNotice(use, key({ k8s_uid: "uid-2" }), owner)).toBeUndefined();
    expect(revokedKeyInUseNotice(use, key({ k8s_cluster: "c2" }), owner)).toBeUndefined();
    expect(revokedKeyInUseNotice(use, undefined, owner)).toBeUndefined();
    expect(revokedKeyInUseNotice({ ...use, keyId: "key_other" }, key(), owner)).toBeUndefined();
  });

  it("says nothing for a use while the key still worked", () => {
    expect(revokedKeyInUseNotice({ ...use, keyStatus: "expiring" }, key(), owner)).toBeUndefined();
  });
});
