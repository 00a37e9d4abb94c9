/**
 * One problem with an ApiKey spec, worded the same in Pulumi `check`, the review and the
 * controller's Stalled condition.
 */
export type SpecError = {
  /** Dotted path relative to the spec: "rotation.gracePeriod", "scopes[2]"; "" for the spec itself. */
  path: string;
  /** Stable machine id: a SPEC_RULES value, "duration", or "schema:<ajv keyword>". */
  rule: string;
  /** A sentence naming the field and the rule; never contains a key value. */
  message: string;
};
