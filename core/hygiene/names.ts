/* Name heuristics for poor-name and write-scope-on-readonly-name. */

// Case, spaces and separators do not matter: "API Key", "api-key" and "APIKEY" are one name.
function squash(name: string): string {
  return name.toLowerCase().replace(/[\s\-_.]+/g, "");
}

// The seed's poor names and their numbered variants: "Key 1", "Key 2", "New Key", "API Key", "Test".
const SEED_POOR_NAMES = /^(?:(?:new)?(?:api)?key|test)\d*$/;

export function isPoorName(name: string, extra: readonly string[] = []): boolean {
  const squashed = squash(name);
  return SEED_POOR_NAMES.test(squashed) || extra.some((poor) => squash(poor) === squashed);
}

export const READ_ONLY_NAME_WORDS = [
  "dashboard",
  "analytics",
  "read-only",
  "readonly",
  "reporting",
  "viewer",
];

function words(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, " ")
    .trim()} `;
}

/** The first word of the name that suggests read-only use, if any ("read-only" matches "Read Only"). */
export function readOnlyNameWord(name: string, extra: readonly string[] = []): string | undefined {
  const haystack = words(name);
  return [...READ_ONLY_NAME_WORDS, ...extra].find((word) => {
    const needle = words(word);
    return needle.trim() !== "" && haystack.includes(needle);
  });
}
