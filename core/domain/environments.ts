/** The two Ayra environments; the key prefix `sk_<env>_` carries one of them. */
export const ENVIRONMENTS = ["live", "test"] as const;

export type Environment = (typeof ENVIRONMENTS)[number];

export function isEnvironment(value: unknown): value is Environment {
  return value === "live" || value === "test";
}
