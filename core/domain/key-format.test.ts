import { describe, expect, it } from "vitest";
import {
  findKeyLiterals,
  generateKey,
  KEY_LENGTH,
  KEY_PATTERN,
  keyDisplayParts,
  maskKeyLiterals,
  parseKey,
  redact,
  redactFromParts,
} from "./key-format.ts";

const live = generateKey("live");
const test = generateKey("test");

function replaceAt(text: string, index: number, char: string): string {
  return text.slice(0, index) + char + text.slice(index + 1);
}

describe("generateKey and parseKey", () => {
  it.each([
    { name: "a live key parses as live", key: live, environment: "live" },
    { name: "a test key parses as test", key: test, environment: "test" },
  ])("$name", ({ key, environment }) => {
    expect(key).toMatch(new RegExp(`^sk_${environment}_[0-9A-Za-z]{50}$`));
    expect(parseKey(key)).toEqual({ environment, formatVersion: "1", body: key.slice(8) });
  });

  it("generates distinct keys with the version char before the checksum", () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateKey("live")));
    expect(keys.size).toBe(200);
    for (const key of keys) expect(key.charAt(KEY_LENGTH - 7)).toBe("1");
  });

  it("uses the whole base62 alphabet across many keys (no missing chars from biased sampling)", () => {
    const seen = new Set(
      Array.from({ length: 100 }, () => generateKey("test").slice(8, 51))
        .join("")
        .split(""),
    );
    expect(seen.size).toBe(62);
  });

  it("rejects the key when any single char, prefix included, is changed", () => {
    for (let i = 0; i < KEY_LENGTH; i++) {
      const original = live.charAt(i);
      const replacement = original === "A" ? "B" : "A";
      expect(parseKey(replaceAt(live, i, replacement)), `position ${i}`).toBeUndefined();
    }
  });

  it.each([
    { name: "the prefix names the other environment", candidate: `sk_test_${live.slice(8)}` },
    { name: "the prefix is not sk_", candidate: `pk_live_${live.slice(8)}` },
    { name: "the key is one char short", candidate: live.slice(0, -1) },
    { name: "the key has an extra char", candidate: `${live}0` },
    { name: "the body has a char outside base62", candidate: replaceAt(live, 20, "-") },
    { name: "the format version is unknown", candidate: replaceAt(live, KEY_LENGTH - 7, "2") },
    { name: "the candidate is empty", candidate: "" },
    { name: "the candidate is the redacted form", candidate: redact(live) },
  ])("rejects a candidate when $name", ({ candidate }) => {
    expect(parseKey(candidate)).toBeUndefined();
  });
});

describe("redaction", () => {
  it("redacts to prefix, first 6 and last 4 chars of the same key", () => {
    expect(redact(live)).toBe(`sk_live_${live.slice(8, 14)}...${live.slice(-4)}`);
    expect(redact(live)).toMatch(/^sk_live_[0-9A-Za-z]{6}\.\.\.[0-9A-Za-z]{4}$/);
  });

  it("gives the same text from the stored parts as from the key", () => {
    const parts = keyDisplayParts(test);
    expect(parts).toEqual({ prefix: "sk_test_", first6: test.slice(8, 14), last4: test.slice(-4) });
    expect(redactFromParts("test", parts.first6, parts.last4)).toBe(redact(test));
    expect(redact(parts)).toBe(redact(test));
  });

  it.each([
    { name: "an arbitrary secret", value: "hunter2-hunter2-hunter2" },
    { name: "an empty string", value: "" },
  ])("never echoes $name", ({ value }) => {
    expect(redact(value)).toBe("[redacted]");
    expect(() => keyDisplayParts(value)).toThrow(/not an Ayra API key/);
  });
});

describe("findKeyLiterals", () => {
  const mangled = `sk_test_${"x".repeat(30)}`;
  const text = [
    "# config",
    `AYRA_API_KEY=${live}`,
    `  token: "${mangled}" # checksum is wrong but it is still key-shaped`,
    `shown as ${redact(live)} in the dashboard`,
    `sk_live_short`,
  ].join("\n");

  it("finds every key-shaped literal with its position, valid checksum or not", () => {
    const found = findKeyLiterals(text);
    expect(found).toEqual([
      { index: text.indexOf(live), length: live.length },
      { index: text.indexOf(mangled), length: mangled.length },
    ]);
    expect(found.map((f) => text.slice(f.index, f.index + f.length))).toEqual([live, mangled]);
  });

  it("gives the same answer when called twice (no shared global regex state)", () => {
    expect(findKeyLiterals(text)).toEqual(findKeyLiterals(text));
    expect(KEY_PATTERN.test(live)).toBe(true);
    expect(KEY_PATTERN.test(live)).toBe(true);
  });

  it("masks literals in text so none of the key survives", () => {
    const masked = maskKeyLiterals(text);
    expect(masked).not.toContain(live.slice(8));
    expect(masked).not.toContain(mangled.slice(8));
    expect(masked).toContain("AYRA_API_KEY=sk_live_[redacted]");
  });
});
