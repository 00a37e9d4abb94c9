// The seed's expiration advice as choices: short (1–30 days), medium (30–90), long (90–365) or none.
export const EXPIRY_PRESETS = [
  {
    value: "short",
    days: 30,
    label: "Short term: 30 days",
    advice:
      "For temporary contractors or vendors, proofs of concept, demos and tests, or security-sensitive operations.",
  },
  {
    value: "medium",
    days: 90,
    label: "Medium term: 90 days",
    advice:
      "For most production integrations with quarterly rotation, development and staging, or team member keys.",
  },
  {
    value: "long",
    days: 365,
    label: "Long term: 365 days",
    advice:
      "For stable production systems with automated rotation, critical infrastructure, or trusted long-term partners.",
  },
  {
    value: "none",
    days: null,
    label: "No expiration",
    advice:
      "Generally discouraged: only for automated systems that rotate keys, tightly monitored environments, or legacy integrations.",
  },
] as const;
export type ExpiryPreset = (typeof EXPIRY_PRESETS)[number]["value"] | "custom";

/** The expires_at a choice gives, or null for none; customDays applies to "custom". */
export function expiresAt(preset: ExpiryPreset, customDays: number, now: number): string | null {
  const days =
    preset === "custom" ? customDays : (EXPIRY_PRESETS.find((p) => p.value === preset)?.days ?? null);
  return days === null ? null : new Date(now + days * 86_400_000).toISOString();
}

export const GOOD_NAMES = [
  "Production Web Application",
  "Development Environment",
  "Mobile App - iOS",
  "Analytics Dashboard",
  "John's Dev Key",
  "Legacy Integration (Deprecated)",
];
export const POOR_NAMES = ["Key 1", "Test", "New Key", "API Key"];

/** True for names the seed calls poor: they do not say what the key is for. */
export function isPoorName(name: string): boolean {
  const n = name.trim().toLowerCase();
  return (
    POOR_NAMES.some((p) => p.toLowerCase() === n) || /^(api )?key ?\d*$/.test(n) || /^test ?\d*$/.test(n)
  );
}
