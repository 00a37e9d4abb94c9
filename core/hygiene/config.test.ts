import { describe, expect, it } from "vitest";
import { parseHygieneConfig } from "./config.ts";

describe("parseHygieneConfig", () => {
  it.each([
    { name: "nothing is the default config", input: undefined, config: {} },
    { name: "an empty object is the default config", input: {}, config: {} },
    {
      name: "a full config is kept",
      input: {
        rules: { "poor-name": "off", "live-zero-grace": "error" },
        maxLiveLifetimeDays: 180,
        extraPoorNames: ["temp"],
      },
      config: {
        rules: { "poor-name": "off", "live-zero-grace": "error" },
        maxLiveLifetimeDays: 180,
        extraPoorNames: ["temp"],
      },
    },
  ])("accepts $name", ({ input, config }) => {
    expect(parseHygieneConfig(input)).toEqual({ ok: true, config });
  });

  it.each([
    { name: "a list instead of an object", input: [], path: "", message: /must be an object/ },
    {
      name: "an unknown setting",
      input: { maxDays: 3 },
      path: "maxDays",
      message: /"maxDays" is not a hygiene setting; the settings are: rules, maxLiveLifetimeDays/,
    },
    {
      name: "an unknown rule",
      input: { rules: { "poor-names": "off" } },
      path: "rules.poor-names",
      message: /not a hygiene rule; the rules are: live-admin-full/,
    },
    {
      name: "an unknown severity",
      input: { rules: { "poor-name": "warn" } },
      path: "rules.poor-name",
      message: /one of: error, warning, info, off; it is "warn"/,
    },
    {
      name: "a fractional day count",
      input: { maxTestLifetimeDays: 1.5 },
      path: "maxTestLifetimeDays",
      message: /whole number of days/,
    },
    {
      name: "a day count as text",
      input: { adminMaxLifetimeDays: "90" },
      path: "adminMaxLifetimeDays",
      message: /whole number of days from 1 to 3650; it is "90"/,
    },
    {
      name: "a word list with a blank word",
      input: { extraReadOnlyNameWords: ["viewer", " "] },
      path: "extraReadOnlyNameWords",
      message: /non-empty strings/,
    },
  ])("refuses $name, naming the setting", ({ input, path, message }) => {
    const result = parseHygieneConfig(input);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});
