// Asserting that a key value is absent without ever printing it: `expect(text).not.toContain(secret)` would show
// both strings in the failure message, and so put the secret into the test output it is meant to keep clean.
import { expect } from "vitest";

export function expectNoSecret(haystack: string, secret: string, where = "output"): void {
  const at = haystack.indexOf(secret);
  expect(at === -1, `a key value appears in ${where} (at character ${at}; value not shown)`).toBe(true);
}
