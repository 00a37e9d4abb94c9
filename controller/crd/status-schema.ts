// The ApiKey status schema (contract 2), written for the CRD: everything the controller reports, never a value.
// Every field carries a description, so `kubectl explain apikey.status.<field>` answers.

const time = (description: string) => ({ type: "string", format: "date-time", description });
const nullableTime = (description: string) => ({ ...time(description), nullable: true });
const text = (description: string) => ({ type: "string", description });

// Written by earlier releases and never acted on: still accepted so old objects stay valid, and kept whole
// (preserve-unknown-fields) because the planner names a planted value in a StatusNotTrusted Warning before
// it drops it on the next status write.
const legacy = (what: string) => ({
  type: "object",
  nullable: true,
  "x-kubernetes-preserve-unknown-fields": true,
  description: `${what} Written only by earlier releases; never acted on, and removed on the next status write.`,
});

export const STATUS_SCHEMA = {
  type: "object",
  description: "Observed state, written only by the controller. Never holds a key value.",
  properties: {
    observedGeneration: {
      type: "integer",
      format: "int64",
      description: "The generation of the spec this status describes.",
    },
    conditions: {
      type: "array",
      description:
        "kstatus conditions: Ready (the Secret holds a working key for the current spec), Reconciling, Stalled (a person must act).",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
      items: {
        type: "object",
        description: "One condition.",
        required: ["type", "status"],
        properties: {
          type: text("Ready, Reconciling or Stalled."),
          status: { ...text("True, False or Unknown."), enum: ["True", "False", "Unknown"] },
          reason: text("Why, in one CamelCase word (the same reasons as the Events)."),
          message: text("Why, for a person; never holds a key value."),
          lastTransitionTime: time("When the status last changed."),
          observedGeneration: {
            type: "integer",
            format: "int64",
            description: "The generation this condition was set for.",
          },
        },
      },
    },
    keyId: text("The id of the current key in the keys API."),
    redacted: text("The current key's truncated form, e.g. sk_live_abc123...GHIJ."),
    createdAt: time("When the current key was created."),
    expiresAt: nullableTime("When the current key expires; null if never."),
    nextRotationAt: nullableTime(
      "When the next scheduled rotation falls due (RFC 3339, UTC); null if none is scheduled.",
    ),
    lastRotatedAt: time("When the current key replaced the one before it."),
    previousKeys: {
      type: "array",
      description:
        "Keys replaced by the current one and still in their grace period (the first is in the Secret).",
      items: {
        type: "object",
        description: "A replaced key still in its grace period.",
        required: ["keyId"],
        properties: {
          keyId: text("The id of the replaced key in the keys API."),
          redacted: text("The replaced key's truncated form."),
          revokeAfter: time("When the grace period ends and the key leaves the Secret."),
        },
      },
    },
    handledRotate: text("The keys.ayra.ai/rotate annotation value last acted on."),
    handledCompromised: text("The keys.ayra.ai/compromised annotation value last acted on."),
    secretName: text("The Secret that holds the key."),
    restartedFor: text("The key id the restart targets were last restarted for."),
    pending: legacy("An operation intent recorded before a keys-API call."),
    applied: legacy("What the current key was minted with."),
  },
};
