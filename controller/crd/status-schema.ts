// The ApiKey status schema (contract 2), written for the CRD: everything the controller reports, never a value.

const time = (description: string) => ({ type: "string", format: "date-time", description });
const nullableTime = (description: string) => ({
  type: "string",
  format: "date-time",
  nullable: true,
  description,
});
const scopes = { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" };

const applied = {
  type: "object",
  description:
    "What the current key was minted (or last patched) with; compared with the spec to decide a roll or a patch.",
  properties: {
    displayName: { type: "string" },
    environment: { type: "string" },
    scopes,
    expiresAfter: { type: "string" },
    expiresAt: { type: "string" },
    owner: { type: "string" },
    purpose: { type: "string" },
  },
};

export const STATUS_SCHEMA = {
  type: "object",
  description: "Observed state, written only by the controller. Never holds a key value.",
  properties: {
    observedGeneration: {
      type: "integer",
      format: "int64",
      description: "The generation the status describes.",
    },
    conditions: {
      type: "array",
      description: "kstatus conditions: Ready, Reconciling, Stalled.",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
      items: {
        type: "object",
        required: ["type", "status"],
        properties: {
          type: { type: "string" },
          status: { type: "string", enum: ["True", "False", "Unknown"] },
          reason: { type: "string" },
          message: { type: "string" },
          lastTransitionTime: time("When the status last changed."),
          observedGeneration: { type: "integer", format: "int64" },
        },
      },
    },
    keyId: { type: "string", description: "The id of the current key in the keys API." },
    redacted: {
      type: "string",
      description: "The current key's truncated form, e.g. sk_live_abc123...GHIJ.",
    },
    createdAt: time("When the current key was created."),
    expiresAt: nullableTime("When the current key expires; null if never."),
    nextRotationAt: nullableTime("When the next scheduled rotation falls due; null if none is scheduled."),
    lastRotatedAt: time("When the current key replaced the one before it."),
    previousKeys: {
      type: "array",
      description:
        "Keys replaced by the current one and still in their grace period (the first is in the Secret).",
      items: {
        type: "object",
        required: ["keyId"],
        properties: {
          keyId: { type: "string" },
          redacted: { type: "string" },
          revokeAfter: time("When the grace period ends and the key leaves the Secret."),
        },
      },
    },
    pending: {
      type: "object",
      nullable: true,
      description:
        "An operation recorded before the keys API was called; replayed with the same Idempotency-Key after a crash.",
      properties: {
        idempotencyKey: { type: "string" },
        reason: { type: "string" },
        startedAt: time("When the intent was recorded."),
        operation: { type: "string", enum: ["Create", "Roll"] },
        fromKeyId: { type: "string" },
        applied,
        expiresAt: { type: "string", nullable: true },
        gracePeriodSeconds: { type: "integer", format: "int64" },
        revokeKeyIds: { type: "array", items: { type: "string" } },
        keepPrevious: { type: "boolean" },
        handledRotate: { type: "string" },
        handledCompromised: { type: "string" },
      },
    },
    handledRotate: { type: "string", description: "The keys.ayra.ai/rotate value last acted on." },
    handledCompromised: { type: "string", description: "The keys.ayra.ai/compromised value last acted on." },
    applied,
    secretName: { type: "string", description: "The Secret that holds the key." },
    restartedFor: { type: "string", description: "The key id the restart targets were last restarted for." },
  },
};
