import { describe, expect, it } from "vitest";
import { BASELINE_POLICY } from "../policy/evaluate.ts";
import { factsNeeded, plan } from "./plan.ts";
import { REASONS } from "./reasons.ts";
import { ANNOTATIONS, type ApiKeyStatus, type Decision, type Snapshot } from "./types.ts";

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
  applied: {
    displayName: spec.displayName,
    environment: "test",
    scopes: ["agents:read", "conversations:read"],
    expiresAfter: "90d",
  },
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

function snapshot(overrides: Partial<Snapshot> & { specPatch?: Record<string, unknown> } = {}): Snapshot {
  const { specPatch, ...rest } = overrides;
  return {
    now: T0 + DAY,
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
    freshId: "idem-1",
    currentKey: { status: "active" },
    strays: [],
    targets: undefined,
    previousUsage: undefined,
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
      check: (d) => expect(d).toMatchObject({ revoke: true }),
    },
    {
      name: "retains the keys when deletionPolicy is Retain",
      given: snapshot({
        object: { ...snapshot().object, deleting: true },
        specPatch: { deletionPolicy: "Retain" },
      }),
      action: "finalize",
      why: REASONS.Deleting,
      check: (d) => expect(d).toMatchObject({ revoke: false }),
    },
    {
      name: "adds the finalizer before anything else",
      given: snapshot({ object: { ...snapshot().object, hasFinalizer: false }, status: {} }),
      action: "addFinalizer",
      why: REASONS.FinalizerMissing,
    },
    {
      name: "finishes a recorded intent first, even if the spec became invalid",
      given: snapshot({
        specPatch: { scopes: [] },
        status: {
          ...minted,
          pending: {
            idempotencyKey: "i",
            reason: "Created",
            startedAt: iso(T0),
            operation: "Create",
            applied: minted.applied!,
            expiresAt: null,
          },
        },
      }),
      action: "completePending",
      why: REASONS.PendingOperation,
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
      given: snapshot({ specPatch: { environment: "live" }, status: {} }),
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
        status: {},
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
      action: "recordIntent",
      why: REASONS.Created,
    },
    {
      name: "stalls the newcomer when another ApiKey claims the Secret",
      given: snapshot({ status: {}, secretClaimedBy: "older" }),
      action: "stall",
      why: REASONS.SecretClaimed,
    },
    {
      name: "never takes over a Secret it does not own",
      given: snapshot({ status: {}, secret: { state: "foreign", owner: "no owner" } }),
      action: "stall",
      why: REASONS.SecretNotOwned,
    },
    {
      name: "records the intent to create a key before creating it",
      given: snapshot({ status: {}, secret: { state: "missing" } }),
      action: "recordIntent",
      why: REASONS.Created,
      check: (d) =>
        expect(d).toMatchObject({
          pending: {
            idempotencyKey: "idem-1",
            operation: "Create",
            expiresAt: iso(T0 + DAY + 90 * DAY),
            applied: { scopes: spec.scopes },
          },
        }),
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
      action: "recordIntent",
      why: REASONS.Compromised,
      check: (d) =>
        expect(d).toMatchObject({
          pending: {
            operation: "Create",
            revokeKeyIds: ["key_current", "key_prev"],
            keepPrevious: false,
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
      action: "recordIntent",
      why: REASONS.RotateRequested,
      check: (d) =>
        expect(d).toMatchObject({
          pending: {
            operation: "Roll",
            fromKeyId: "key_current",
            gracePeriodSeconds: 7 * 86_400,
            handledRotate: String(T0 / 1000 + 60),
          },
        }),
    },
    {
      name: "replaces a key revoked out of band, keeping the previous key",
      given: snapshot({ currentKey: { status: "revoked" } }),
      action: "recordIntent",
      why: REASONS.KeyRevokedOutOfBand,
      check: (d) => expect(d).toMatchObject({ pending: { operation: "Create", keepPrevious: true } }),
    },
    {
      name: "revokes stray keys minted for this ApiKey",
      given: snapshot({ strays: ["key_stray"] }),
      action: "revokeKeys",
      why: REASONS.StrayKeys,
      check: (d) => expect(d).toMatchObject({ keyIds: ["key_stray"], reason: "unused" }),
    },
    {
      name: "rolls when the Secret was deleted (its value cannot be recovered)",
      given: snapshot({ secret: { state: "missing" } }),
      action: "recordIntent",
      why: REASONS.SecretLost,
    },
    {
      name: "rolls when the Secret's key was edited",
      given: snapshot({ secret: { ...intactSecret, currentIntact: false } }),
      action: "recordIntent",
      why: REASONS.SecretLost,
    },
    {
      name: "rolls when the scopes change",
      given: snapshot({ specPatch: { scopes: ["agents:read"] } }),
      action: "recordIntent",
      why: REASONS.SpecChanged,
      check: (d) =>
        expect(d).toMatchObject({ pending: { operation: "Roll", applied: { scopes: ["agents:read"] } } }),
    },
    {
      name: "rolls when the lifetime changes",
      given: snapshot({ specPatch: { expiresAfter: "60d" } }),
      action: "recordIntent",
      why: REASONS.SpecChanged,
    },
    {
      name: "patches a new displayName in place",
      given: snapshot({ specPatch: { displayName: "Web App" } }),
      action: "patchKey",
      why: REASONS.CosmeticChange,
      check: (d) => expect(d).toMatchObject({ name: "Web App" }),
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
      action: "recordIntent",
      why: REASONS.RotationPeriod,
    },
    {
      name: "rotates renewBefore ahead of expiry",
      given: snapshot({ now: T0 + 80 * DAY, specPatch: { rotation: { renewBefore: "14d" } } }),
      action: "recordIntent",
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
      }),
      action: "revokeKeys",
      why: REASONS.PreviousKeyQuiet,
      check: (d) => expect(d).toMatchObject({ keyIds: ["key_prev"], reason: "replaced" }),
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
    const given = snapshot({ specPatch: { environment: "live" }, status: {} });
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
        status: {
          ...minted,
          observedGeneration: 0,
          applied: { ...minted.applied!, displayName: "Test", expiresAfter: undefined },
        },
      }),
    );
    expect(d.action).toBe("writeStatus");
    if (d.action !== "writeStatus") return;
    expect(d.warnings.join("\n")).toMatch(/poor-name/);
    expect(d.warnings.join("\n")).toMatch(/test-no-expiry/);
  });

  it("is quiet when nothing is scheduled: no rotation, no expiry", () => {
    const d = plan(
      snapshot({
        specPatch: { expiresAfter: undefined, rotation: undefined },
        status: {
          ...minted,
          expiresAt: null,
          nextRotationAt: null,
          applied: { ...minted.applied!, expiresAfter: undefined },
        },
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
    },
    {
      name: "reads nothing without a quietPeriod",
      spec: { rotation: {} },
      status: inGrace,
      now: T0,
      expected: false,
    },
    {
      name: "reads nothing after the grace period",
      spec: { rotation: { quietPeriod: "1h" } },
      status: inGrace,
      now: T0 + 2 * DAY,
      expected: false,
    },
    {
      name: "reads nothing outside a grace period",
      spec: { rotation: { quietPeriod: "1h" } },
      status: minted,
      now: T0,
      expected: false,
    },
  ])("$name", ({ spec: s, status, now, expected }) => {
    expect(factsNeeded(s, status, now)).toEqual({ targets: expected, previousUsage: expected });
  });
});
