/*
 * Values quoted back in error messages must never carry an API key (promise 3):
 * anything containing a key prefix is described, not shown.
 */

const MAX_SHOWN = 40;
const KEY_PREFIX = /sk_(?:live|test)_/i;

export function looksLikeKey(text: string): boolean {
  return KEY_PREFIX.test(text);
}

/** A short, safe rendering of a user-supplied value for a message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    if (looksLikeKey(value)) return "a value that looks like an API key (not shown)";
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(shown);
  }
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  switch (typeof value) {
    case "undefined":
      return "nothing";
    case "object":
      return "an object";
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    default:
      return `a ${typeof value}`;
  }
}
