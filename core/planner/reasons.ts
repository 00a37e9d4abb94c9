// Reasons are named once and used alike in conditions, events, metrics and logs (cert-manager's
// policies/constants.go). Each says why the planner decided what it did.
export const REASONS = {
  // finalization
  Deleting: "Deleting",
  // stalls: a person must act
  InvalidSpec: "InvalidSpec",
  PolicyDenied: "PolicyDenied",
  SecretNotOwned: "SecretNotOwned",
  SecretClaimed: "SecretClaimed",
  KeysApiRefused: "KeysApiRefused",
  // status is output: claims in it that the keys service does not back are dropped, with a Warning
  StatusNotTrusted: "StatusNotTrusted",
  // minting
  Created: "Created",
  Compromised: "Compromised",
  KeyRevokedOutOfBand: "KeyRevokedOutOfBand",
  KeyExpired: "KeyExpired",
  KeyMissing: "KeyMissing",
  SecretLost: "SecretLost",
  RotateRequested: "RotateRequested",
  SpecChanged: "SpecChanged",
  RotationPeriod: "RotationPeriod",
  RenewBeforeExpiry: "RenewBeforeExpiry",
  Expired: "Expired",
  // upkeep
  StrayKeys: "StrayKeys",
  CosmeticChange: "CosmeticChange",
  SecretDrift: "SecretDrift",
  SupersededPrevious: "SupersededPrevious",
  GracePeriodOver: "GracePeriodOver",
  RestartTargets: "RestartTargets",
  PreviousKeyQuiet: "PreviousKeyQuiet",
  StatusStale: "StatusStale",
  KeyHygiene: "KeyHygiene",
  // a revoked or expired key of this ApiKey's is still presented to the keys service
  RevokedKeyInUse: "RevokedKeyInUse",
  // no consumer has used the new key since the rotation (quietPeriod keys only): the previous key is not
  // revoked early, and once its grace period is over the ApiKey keeps saying so until the next rotation
  NewKeyNotAdopted: "NewKeyNotAdopted",
  // the current key does not introspect active: nothing older is retired until it does
  NewKeyNotActive: "NewKeyNotActive",
  // waiting
  Ready: "Ready",
  WaitingForKeyFacts: "WaitingForKeyFacts",
} as const;

export type Reason = (typeof REASONS)[keyof typeof REASONS];
