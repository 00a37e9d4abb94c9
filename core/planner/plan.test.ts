import { describe, expect, it } from "vitest";
import { BASELINE_POLICY } from "../policy/evaluate.ts";
import { factsNeeded, plan } from "./plan.ts";
import { REASONS } from "./reasons.ts";
import { ANNOTATIONS, type ApiKeyStatus, type Decision, type KeyRecord, type Snapshot } from "./types.ts";

const T0 = Date.parse("2026-03-01T00:00:00Z");
const SEC = 1000;
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

const spec = {
  displayName: "Production Web Application",
  environment: "test",
  scopes: ["agents:read", "conversations:read"],
  expiresAfter: "90d",
  rotation: { every: "30d", gracePeriod: "7d" },
};

const minted: ApiKeyStatus = {
  observedGeneration: 1,
  keyId: "key_current",
  redacted: "sk_test_abc123...WXYZ",
  createdAt: iso(T0),
  expiresAt: iso(T0 + 90 * DAY),
  nextRotationAt: iso(T0 + 30 * DAY),
  secretName: "web",
  conditions: [
    {
      type: "Ready",
      status: "True",
      reason: "Ready",
      message: "Key key_current (sk_test_abc123...WXYZ) is in Secret web.",
      lastTransitionTime: iso(T0),
      observedGeneration: 1,
    },
    {
      type: "Reconciling",
      status: "False",
      reason: "NotApplicable",
      message: "",
      lastTransitionTime: iso(T0),
      observedGeneration: 1,
    },
    {
      type: "Stalled",
      status: "False",
      reason: "NotApplicable",
      message: "",
      lastTransitionTime: iso(T0),
      observedGeneration: 1,
    },
  ],
};

const intactSecret = {
  state: "owned",
  keyId: "key_current",
  previousKeyId: undefined,
  currentIntact: true,
  previousIntact: false,
  hasPrevious: false,
  shapeOk: true,
} as const;

const OWNER = { clusterId: "c1", namespace: "team-a", name: "web", uid: "uid-1" };

/** A key the keys service reports, minted for this ApiKey unless its metadata says otherwise. */
function key(id: string, patch: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id,
    status: "active",
    name: spec.displayName,
    environment: "test",
    scopes: ["agents:read", "conversations:read"],
    redacted: "sk_test_abc123...WXYZ",
    createdAt: T0,
    expiresAt: T0 + 90 * DAY,
    rolledFrom: null,
    metadata: {
      managed_by: "ayra-keys-controller",
      k8s_cluster: OWNER.clusterId,
      k8s_namespace: OWNER.namespace,
      k8s_name: OWNER.name,
      k8s_uid: OWNER.uid,
      deletion_policy: "Revoke",
    },
    ...patch,
  };
}

const current = key("key_current");
const previous = (id: string) => key(id, { status: "expiring", createdAt: T0 - 30 * DAY });
/** A new ApiKey: no status, no key, no Secret. */
const fresh: Pick<Snapshot, "status" | "keys" | "secret"> = {
  status: {},
  keys: [],
  secret: { state: "missing" },
};

function snapshot(overrides: Partial<Snapshot> & { specPatch?: Record<string, unknown> } = {}): Snapshot {
  const { specPatch, ...rest } = overrides;
  return {
    now: T0 + DAY,
    clusterId: OWNER.clusterId,
    object: {
      uid: "uid-1",
      namespace: "team-a",
      name: "web",
      generation: 1,
      deleting: false,
      hasFinalizer: true,
      annotations: {},
    },
    spec: { ...spec, ...specPatch },
    status: minted,
    secret: intactSecret,
    secretClaimedBy: undefined,
    policy: { namespace: "team-a", namespaceLabels: {}, policies: [] },
    keys: [current, previous("key_prev"), previous("key_older")],
    refusal: undefined,
    unanswered: undefined,
    targets: undefined,
    previousUsage: undefined,
    // The current key has introspected active (the verify step, core/planner/verify.ts, has its own tests).
    verifications: [{ keyId: "key_current", active: true, at: T0, failures: 0 }],
    ...rest,
  };
}

type Row = {
  name: string;
  given: Snapshot;
  action: Decision["action"];
  why: string;
  check?: (d: Decision) => void;
};

describe("plan", () => {
  it.each<Row>([
    {
      name: "revokes the keys of a deleted ApiKey (deletionPolicy Revoke by default)",
      given: snapshot({ object: { ...snapshot().object, deleting: true } }),
      action: "finalize",
      why: REASONS.Deleting,
      check: (d) => expect(d).toMatchObject({ revokeKeyIds: ["key_current", "key_prev", "key_older"] }),
    },
    {
      name: "retains the keys when deletionPolicy is Retain",
      given: snapshot({
        object: { ...snapshot().object, deleting: true },
        specPatch: { deletionPolicy: "Retain" },
      }),
      action: "finalize",
      why: REASONS.Deleting,
      check: (d) => expect(d).toMatchObject({ revokeKeyIds: [] }),
    },
    {
      name: "leaves a deleted ApiKey without the old finalizer to the delete event and the sweep",
      given: snapshot({ object: { ...snapshot().object, deleting: true, hasFinalizer: false } }),
      action: "wait",
      why: REASONS.Deleting,
    },
    {
      name: "discards a planted status.pending with a Warning, acting on nothing in it",
      given: snapshot({
        status: {
          ...minted,
          pending: { operation: "Create", applied: { environment: "live", scopes: ["admin:full"] } },
        },
      }),
      action: "writeStatus",
      why: REASONS.StatusNotTrusted,
      check: (d) => {
        expect(d).toMatchObject({
          notices: [{ type: "Warning", message: expect.stringContaining("status.pending") }],
        });
        if (d.action === "writeStatus") expect(d.status.pending).toBeUndefined();
      },
    },
    {
      name: "ignores a status.keyId that names another ApiKey's key, and keeps the key the Secret holds",
      given: snapshot({
        status: { ...minted, keyId: "key_other" },
        keys: [current, key("key_other", { metadata: { ...current.metadata, k8s_uid: "uid-2" } })],
      }),
      action: "writeStatus",
      why: REASONS.StatusNotTrusted,
      check: (d) => {
        expect(d).toMatchObject({
          status: { keyId: "key_current" },
          notices: [{ type: "Warning", message: expect.stringContaining("status.keyId key_other") }],
        });
      },
    },
    {
      name: "ignores previous keys in status that are not this ApiKey's",
      given: snapshot({
        status: {
          ...minted,
          previousKeys: [{ keyId: "key_other", redacted: "r", revokeAfter: iso(T0 + 2 * DAY) }],
        },
        keys: [current, key("key_other", { metadata: { ...current.metadata, k8s_cluster: "elsewhere" } })],
      }),
      action: "writeStatus",
      why: REASONS.StatusNotTrusted,
      check: (d) => expect(d).toMatchObject({ status: { previousKeys: [] } }),
    },
    {
      name: "waits for the keys service's list before deciding anything",
      given: snapshot({ keys: undefined }),
      action: "wait",
      why: REASONS.WaitingForKeyFacts,
    },
    {
      name: "stalls an invalid spec with core's message naming the field",
      given: snapshot({ specPatch: { rotation: { every: "7d", gracePeriod: "7d" } } }),
      action: "stall",
      why: REASONS.InvalidSpec,
      check: (d) =>
        expect(d).toMatchObject({
          message: expect.stringContaining("rotation.gracePeriod (7d) must be shorter than rotation.every"),
        }),
    },
    {
      name: "refuses a live key under the baseline policy, naming the rule",
      given: snapshot({ specPatch: { environment: "live" }, ...fresh }),
      action: "stall",
      why: REASONS.PolicyDenied,
      check: (d) =>
        expect(d).toMatchObject({
          message: expect.stringMatching(/rule environment.*environment live is not allowed/),
        }),
    },
    {
      name: "allows a live key when an ApiKeyPolicy selects the namespace",
      given: snapshot({
        specPatch: { environment: "live" },
        ...fresh,
        policy: {
          namespace: "team-a",
          namespaceLabels: { team: "a" },
          policies: [
            {
              name: "team-a-live",
              spec: {
                namespaceSelector: { matchLabels: { team: "a" } },
                environments: ["live"],
                scopes: ["agents:read", "conversations:read"],
              },
            },
          ],
        },
      }),
      action: "mint",
      why: REASONS.Created,
    },
    {
      name: "stalls the newcomer when another ApiKey claims the Secret",
      given: snapshot({ ...fresh, secretClaimedBy: "older" }),
      action: "stall",
      why: REASONS.SecretClaimed,
    },
    {
      name: "never takes over a Secret it does not own",
      given: snapshot({ ...fresh, secret: { state: "foreign", owner: "no owner" } }),
      action: "stall",
      why: REASONS.SecretNotOwned,
    },
    {
      name: "creates the first key with an Idempotency-Key from the uid and revision 0, fixed before the call",
      given: snapshot({ ...fresh }),
      action: "mint",
      why: REASONS.Created,
      check: (d) =>
        expect(d).toMatchObject({
          plan: {
            request: {
              operation: "Create",
              idempotencyKey: expect.stringMatching(/^ayra-keys\/uid-1\/create\/0\//),
              body: {
                expires_at: iso(T0 + DAY + 90 * DAY),
                scopes: spec.scopes,
                metadata: { k8s_uid: "uid-1", k8s_cluster: "c1", deletion_policy: "Revoke" },
              },
            },
          },
        }),
    },
    {
      name: "replays the same request for a key minted before a crash (same Idempotency-Key, its own expiry)",
      given: snapshot({
        ...fresh,
        keys: [
          key("key_minted", { createdAt: T0 + DAY - 5 * SEC, expiresAt: T0 + DAY - 5 * SEC + 90 * DAY }),
        ],
      }),
      action: "mint",
      why: REASONS.KeyMissing,
      check: (d) => {
        const first = plan(snapshot({ ...fresh, now: T0 + DAY - 5 * SEC }));
        if (d.action !== "mint" || first.action !== "mint") throw new Error("expected mints");
        expect(d.plan.request).toEqual(first.plan.request);
      },
    },
    {
      name: "sends an unanswered request again unchanged (a timeout: the key may exist already)",
      given: snapshot({ ...fresh }),
      action: "mint",
      why: REASONS.Created,
      check: (d) => {
        const earlier = plan(snapshot({ ...fresh, now: T0 + DAY - 30 * SEC }));
        if (d.action !== "mint" || earlier.action !== "mint") throw new Error("expected mints");
        const retried = plan(snapshot({ ...fresh, unanswered: earlier.plan.request }));
        if (retried.action !== "mint") throw new Error("expected a mint");
        expect(retried.plan.request).toEqual(earlier.plan.request);
        expect(d.plan.request.idempotencyKey).not.toBe(earlier.plan.request.idempotencyKey);
      },
    },
    {
      name: "revokes a key minted for an earlier request once the new one is in place",
      given: snapshot({ keys: [current, key("key_stray", { createdAt: T0 - DAY })] }),
      action: "revokeKeys",
      why: REASONS.StrayKeys,
      check: (d) => expect(d).toMatchObject({ keyIds: ["key_stray"], reason: "unused" }),
    },
    {
      name: "replaces a compromised key without grace, revoking current and previous",
      given: snapshot({
        object: { ...snapshot().object, annotations: { [ANNOTATIONS.compromised]: iso(T0 + 1000) } },
        status: {
          ...minted,
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + 2 * DAY) }],
        },
      }),
      action: "mint",
      why: REASONS.Compromised,
      check: (d) =>
        expect(d).toMatchObject({
          plan: {
            request: { operation: "Create", idempotencyKey: expect.stringMatching(/\/create\/3\//) },
            revokeFirst: ["key_current", "key_prev"],
            keepPrevious: [],
            handledCompromised: iso(T0 + 1000),
          },
        }),
    },
    {
      name: "ignores a compromised annotation older than the current key (a restored object)",
      given: snapshot({
        object: {
          ...snapshot().object,
          annotations: { [ANNOTATIONS.compromised]: String((T0 - 1000) / 1000) },
        },
      }),
      action: "wait",
      why: REASONS.Ready,
    },
    {
      name: "ignores a rotate annotation already handled",
      given: snapshot({
        object: { ...snapshot().object, annotations: { [ANNOTATIONS.rotate]: iso(T0 + 5) } },
        status: { ...minted, handledRotate: iso(T0 + 5) },
      }),
      action: "wait",
      why: REASONS.Ready,
    },
    {
      name: "rolls on a new rotate annotation, with grace",
      given: snapshot({
        object: { ...snapshot().object, annotations: { [ANNOTATIONS.rotate]: String(T0 / 1000 + 60) } },
      }),
      action: "mint",
      why: REASONS.RotateRequested,
      check: (d) =>
        expect(d).toMatchObject({
          plan: {
            request: {
              operation: "Roll",
              fromKeyId: "key_current",
              idempotencyKey: expect.stringMatching(/^ayra-keys\/uid-1\/roll\/key_current\//),
              body: { grace_period_seconds: 7 * 86_400 },
            },
            handledRotate: String(T0 / 1000 + 60),
          },
        }),
    },
    {
      name: "waits for a rotate annotation dated in the future, and wakes at its instant",
      given: snapshot({
        object: {
          ...snapshot().object,
          annotations: { [ANNOTATIONS.rotate]: String((T0 + DAY) / 1000 + 30) },
        },
      }),
      action: "wait",
      why: REASONS.Ready,
      check: (d) => expect(d).toMatchObject({ requeueAfterMs: 30_000 }),
    },
    {
      name: "rolls on a rotate annotation once its instant has come",
      given: snapshot({
        now: T0 + DAY + 30 * SEC,
        object: {
          ...snapshot().object,
          annotations: { [ANNOTATIONS.rotate]: String((T0 + DAY) / 1000 + 30) },
        },
      }),
      action: "mint",
      why: REASONS.RotateRequested,
    },
    {
      name: "waits for a compromised annotation dated in the future",
      given: snapshot({
        object: {
          ...snapshot().object,
          annotations: { [ANNOTATIONS.compromised]: String((T0 + DAY) / 1000 + 5) },
        },
      }),
      action: "wait",
      why: REASONS.Ready,
      check: (d) => expect(d).toMatchObject({ requeueAfterMs: 5_000 }),
    },
    {
      name: "replaces a key revoked out of band, keeping the previous key",
      given: snapshot({
        status: {
          ...minted,
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + 2 * DAY) }],
        },
        keys: [key("key_current", { status: "revoked" }), previous("key_prev")],
      }),
      action: "mint",
      why: REASONS.KeyRevokedOutOfBand,
      check: (d) =>
        expect(d).toMatchObject({
          plan: { request: { operation: "Create" }, keepPrevious: [{ keyId: "key_prev" }] },
        }),
    },
    {
      name: "rolls when the Secret was deleted (its value cannot be recovered)",
      given: snapshot({ secret: { state: "missing" } }),
      action: "mint",
      why: REASONS.SecretLost,
    },
    {
      name: "rolls when the Secret's key was edited",
      given: snapshot({ secret: { ...intactSecret, currentIntact: false } }),
      action: "mint",
      why: REASONS.SecretLost,
    },
    {
      name: "rolls when the scopes change",
      given: snapshot({ specPatch: { scopes: ["agents:read"] } }),
      action: "mint",
      why: REASONS.SpecChanged,
      check: (d) =>
        expect(d).toMatchObject({
          plan: { request: { operation: "Roll", body: { scopes: ["agents:read"] } } },
        }),
    },
    {
      name: "rolls when the lifetime changes",
      given: snapshot({ specPatch: { expiresAfter: "60d" } }),
      action: "mint",
      why: REASONS.SpecChanged,
    },
    {
      name: "patches a new displayName in place",
      given: snapshot({ specPatch: { displayName: "Web App" } }),
      action: "patchKey",
      why: REASONS.CosmeticChange,
      check: (d) => expect(d).toMatchObject({ keyId: "key_current", name: "Web App" }),
    },
    {
      name: "changing only the rotation settings mints nothing",
      given: snapshot({ specPatch: { rotation: { every: "20d", gracePeriod: "7d" } } }),
      action: "writeStatus",
      why: REASONS.StatusStale,
      check: (d) => expect(d).toMatchObject({ status: { nextRotationAt: iso(T0 + 20 * DAY) } }),
    },
    {
      name: "rotates when rotation.every has passed",
      given: snapshot({ now: T0 + 30 * DAY }),
      action: "mint",
      why: REASONS.RotationPeriod,
    },
    {
      name: "rotates renewBefore ahead of expiry",
      given: snapshot({ now: T0 + 80 * DAY, specPatch: { rotation: { renewBefore: "14d" } } }),
      action: "mint",
      why: REASONS.RenewBeforeExpiry,
    },
    {
      name: "revokes the older previous key at once after a second rotation inside a grace period",
      given: snapshot({
        status: {
          ...minted,
          previousKeys: [
            { keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + 2 * DAY) },
            { keyId: "key_older", redacted: "r", revokeAfter: iso(T0 + 2 * DAY) },
          ],
        },
      }),
      action: "revokeKeys",
      why: REASONS.SupersededPrevious,
      check: (d) => expect(d).toMatchObject({ keyIds: ["key_older"], reason: "replaced" }),
    },
    {
      name: "repairs an edited Secret whose key is intact",
      given: snapshot({ secret: { ...intactSecret, shapeOk: false } }),
      action: "repairSecret",
      why: REASONS.SecretDrift,
    },
    {
      name: "drops the previous key from the Secret when its grace period is over",
      given: snapshot({
        status: {
          ...minted,
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + DAY - 1) }],
        },
      }),
      action: "dropPrevious",
      why: REASONS.GracePeriodOver,
    },
    {
      name: "restarts the targets once per rotation",
      given: snapshot({
        specPatch: { restartTargets: [{ kind: "Deployment", name: "web" }] },
        status: { ...minted, lastRotatedAt: iso(T0) },
      }),
      action: "restartTargets",
      why: REASONS.RestartTargets,
    },
    {
      name: "does not restart targets again for the same key",
      given: snapshot({
        specPatch: { restartTargets: [{ kind: "Deployment", name: "web" }] },
        status: { ...minted, lastRotatedAt: iso(T0), restartedFor: "key_current" },
      }),
      action: "wait",
      why: REASONS.Ready,
    },
    {
      name: "revokes a quiet previous key early once every target has rolled out",
      given: snapshot({
        specPatch: {
          rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" },
          restartTargets: [{ kind: "Deployment", name: "web" }],
        },
        status: {
          ...minted,
          lastRotatedAt: iso(T0 + DAY - 3 * 3_600_000),
          restartedFor: "key_current",
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + 5 * DAY) }],
        },
        targets: [
          { kind: "Deployment", name: "web", exists: true, restartedFor: "key_current", rolledOut: true },
        ],
        previousUsage: { lastUsedAt: T0 + DAY - 2 * 3_600_000, flushIntervalMs: 5 * SEC },
        currentUsage: { lastUsedAt: T0 + DAY - 60_000, flushIntervalMs: 5 * SEC },
      }),
      action: "revokeKeys",
      why: REASONS.PreviousKeyQuiet,
      check: (d) => expect(d).toMatchObject({ keyIds: ["key_prev"], reason: "replaced" }),
    },
    {
      name: "keeps a quiet previous key while no consumer has used the new key since the rotation",
      given: snapshot({
        specPatch: {
          rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" },
          restartTargets: [{ kind: "Deployment", name: "web" }],
        },
        status: {
          ...minted,
          lastRotatedAt: iso(T0 + DAY - 3 * 3_600_000),
          restartedFor: "key_current",
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + 5 * DAY) }],
        },
        targets: [
          { kind: "Deployment", name: "web", exists: true, restartedFor: "key_current", rolledOut: true },
        ],
        previousUsage: { lastUsedAt: null, flushIntervalMs: 5 * SEC },
        // Used once, before the rotation: that is not a consumer on the new key.
        currentUsage: { lastUsedAt: T0 + DAY - 4 * 3_600_000, flushIntervalMs: 5 * SEC },
      }),
      // Not revoked: Ready says why instead (adoption.test.ts has the details).
      action: "writeStatus",
      why: REASONS.StatusStale,
      check: (d) =>
        expect(d).toMatchObject({
          status: {
            previousKeys: [{ keyId: "key_prev" }],
            conditions: [{ type: "Ready", status: "True", reason: REASONS.NewKeyNotAdopted }, {}, {}],
          },
        }),
    },
    {
      name: "warns when the grace period ends and the new key was never used (quietPeriod)",
      given: snapshot({
        specPatch: { rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" } },
        status: {
          ...minted,
          lastRotatedAt: iso(T0 - 6 * DAY),
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + DAY) }],
        },
        currentUsage: { lastUsedAt: null, flushIntervalMs: 5 * SEC },
      }),
      action: "dropPrevious",
      why: REASONS.GracePeriodOver,
      check: (d) =>
        expect(d).toMatchObject({
          notices: [
            {
              type: "Warning",
              reason: REASONS.NewKeyNotAdopted,
              message: expect.stringContaining("key_current"),
            },
          ],
        }),
    },
    {
      name: "ends the grace period quietly when the new key is in use",
      given: snapshot({
        specPatch: { rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" } },
        status: {
          ...minted,
          lastRotatedAt: iso(T0 - 6 * DAY),
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + DAY) }],
        },
        currentUsage: { lastUsedAt: T0 - 5 * DAY, flushIntervalMs: 5 * SEC },
      }),
      action: "dropPrevious",
      why: REASONS.GracePeriodOver,
      check: (d) => expect(d).toMatchObject({ notices: [] }),
    },
    {
      name: "ends the grace period without a usage verdict when no quietPeriod is set",
      given: snapshot({
        status: {
          ...minted,
          lastRotatedAt: iso(T0 - 6 * DAY),
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + DAY) }],
        },
      }),
      action: "dropPrevious",
      why: REASONS.GracePeriodOver,
      check: (d) => expect(d).toMatchObject({ notices: [] }),
    },
    {
      name: "keeps a previous key that is quiet while a target is still rolling out",
      given: snapshot({
        specPatch: {
          rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" },
          restartTargets: [{ kind: "Deployment", name: "web" }],
        },
        status: {
          ...minted,
          lastRotatedAt: iso(T0),
          restartedFor: "key_current",
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + 5 * DAY) }],
        },
        targets: [
          { kind: "Deployment", name: "web", exists: true, restartedFor: "key_current", rolledOut: false },
        ],
        previousUsage: { lastUsedAt: null, flushIntervalMs: 5 * SEC },
      }),
      action: "wait",
      why: REASONS.Ready,
    },
    {
      name: "keeps a previous key used within the quiet period",
      given: snapshot({
        specPatch: { rotation: { every: "30d", gracePeriod: "7d", quietPeriod: "1h" } },
        status: {
          ...minted,
          lastRotatedAt: iso(T0),
          previousKeys: [{ keyId: "key_prev", redacted: "r", revokeAfter: iso(T0 + 5 * DAY) }],
        },
        targets: [],
        previousUsage: { lastUsedAt: T0 + DAY - 60_000, flushIntervalMs: 5 * SEC },
      }),
      action: "wait",
      why: REASONS.Ready,
      check: (d) => expect(d).toMatchObject({ requeueAfterMs: 3_600_000 - 60_000 + 5 * SEC }),
    },
    {
      name: "writes Ready with the observed generation when the spec moved on",
      given: snapshot({ object: { ...snapshot().object, generation: 2 } }),
      action: "writeStatus",
      why: REASONS.StatusStale,
      check: (d) => expect(d).toMatchObject({ status: { observedGeneration: 2 } }),
    },
    {
      name: "waits for the next rotation when everything is in place",
      given: snapshot(),
      action: "wait",
      why: REASONS.Ready,
      check: (d) => expect(d).toMatchObject({ requeueAfterMs: 29 * DAY }),
    },
  ])("$name", ({ given, action, why, check }) => {
    const decision = plan(given);
    expect(decision.action).toBe(action);
    expect(decision.why).toBe(why);
    check?.(decision);
  });

  it("does not rewrite a stall already reported for this generation", () => {
    const given = snapshot({ specPatch: { environment: "live" }, ...fresh });
    const first = plan(given);
    if (first.action !== "stall") throw new Error("expected a stall");
    const stalled = {
      observedGeneration: 1,
      conditions: [
        {
          type: "Stalled" as const,
          status: "True" as const,
          reason: first.why,
          message: first.message,
          lastTransitionTime: iso(T0),
        },
      ],
    };
    expect(plan({ ...given, status: stalled })).toEqual({
      action: "wait",
      why: REASONS.PolicyDenied,
      requeueAfterMs: null,
    });
  });

  it("reports hygiene findings as warnings once per generation", () => {
    const d = plan(
      snapshot({
        specPatch: { displayName: "Test", expiresAfter: undefined, rotation: undefined },
        status: { ...minted, observedGeneration: 0, expiresAt: null },
        keys: [key("key_current", { name: "Test", expiresAt: null })],
      }),
    );
    expect(d.action).toBe("writeStatus");
    if (d.action !== "writeStatus") return;
    const messages = d.notices.map((n) => n.message).join("\n");
    expect(messages).toMatch(/poor-name/);
    expect(messages).toMatch(/test-no-expiry/);
  });

  it("is quiet when nothing is scheduled: no rotation, no expiry", () => {
    const d = plan(
      snapshot({
        specPatch: { expiresAfter: undefined, rotation: undefined },
        status: { ...minted, expiresAt: null, nextRotationAt: null },
        keys: [key("key_current", { expiresAt: null })],
      }),
    );
    expect(d).toEqual({ action: "wait", why: REASONS.Ready, requeueAfterMs: null });
  });

  it("the baseline policy allows test keys with read scopes only", () => {
    expect(BASELINE_POLICY.spec.scopes).not.toContain("admin:full");
    expect(BASELINE_POLICY.spec.scopes).not.toContain("agents:write");
    expect(BASELINE_POLICY.spec.scopes).not.toContain("api_keys:read");
    expect(BASELINE_POLICY.spec.scopes).not.toContain("api_keys:write");
    expect(BASELINE_POLICY.spec.environments).toEqual(["test"]);
  });
});

describe("factsNeeded", () => {
  const inGrace: ApiKeyStatus = {
    ...minted,
    previousKeys: [{ keyId: "p", redacted: "r", revokeAfter: iso(T0 + DAY) }],
  };
  it.each([
    {
      name: "reads usage and targets in a grace period with a quietPeriod",
      spec: { rotation: { quietPeriod: "1h" } },
      status: inGrace,
      now: T0,
      expected: true,
      current: true,
    },
    {
      name: "reads nothing without a quietPeriod",
      spec: { rotation: {} },
      status: inGrace,
      now: T0,
      expected: false,
      current: false,
    },
    {
      name: "reads only the new key's usage once the grace period is over, while the previous key is kept",
      spec: { rotation: { quietPeriod: "1h" } },
      status: inGrace,
      now: T0 + 2 * DAY,
      expected: false,
      current: true,
    },
    {
      name: "reads nothing outside a grace period",
      spec: { rotation: { quietPeriod: "1h" } },
      status: minted,
      now: T0,
      expected: false,
      current: false,
    },
  ])("$name", ({ spec: s, status, now, expected, current }) => {
    expect(factsNeeded(s, status, now)).toEqual({
      targets: expected,
      previousUsage: expected,
      currentUsage: current,
    });
  });
});
