import { describe, expect, it } from "vitest";
import {
  DAY_MS,
  DURATION_PATTERN_SOURCE,
  DurationError,
  formatDuration,
  HOUR_MS,
  isDuration,
  MINUTE_MS,
  parseDuration,
  SECOND_MS,
  WEEK_MS,
} from "./durations.ts";

describe("parseDuration", () => {
  it.each([
    { text: "90d", ms: 90 * DAY_MS },
    { text: "36h", ms: 36 * HOUR_MS },
    { text: "15m", ms: 15 * MINUTE_MS },
    { text: "30s", ms: 30 * SECOND_MS },
    { text: "1w", ms: WEEK_MS },
    { text: "1h30m", ms: 90 * MINUTE_MS },
    { text: "1w2d3h4m5s", ms: WEEK_MS + 2 * DAY_MS + 3 * HOUR_MS + 4 * MINUTE_MS + 5 * SECOND_MS },
    { text: "P90D", ms: 90 * DAY_MS },
    { text: "PT36H", ms: 36 * HOUR_MS },
    { text: "P1DT12H", ms: 36 * HOUR_MS },
    { text: "PT15M", ms: 15 * MINUTE_MS },
    { text: "PT30S", ms: 30 * SECOND_MS },
    { text: "P2W", ms: 2 * WEEK_MS },
  ])("reads $text", ({ text, ms }) => {
    expect(parseDuration(text)).toBe(ms);
    expect(isDuration(text)).toBe(true);
    expect(new RegExp(DURATION_PATTERN_SOURCE).test(text)).toBe(true);
  });

  it.each([
    {
      name: "an empty string",
      text: "",
      problem: "syntax",
      message: /is not a duration; use a number with a unit/,
    },
    { name: "a bare number", text: "90", problem: "syntax", message: /P90D/ },
    { name: "units out of order", text: "30m1h", problem: "syntax", message: /1h30m/ },
    { name: "a fraction", text: "1.5h", problem: "syntax", message: /not a duration/ },
    { name: "a negative number", text: "-1d", problem: "syntax", message: /not a duration/ },
    { name: "spaces", text: "1 d", problem: "syntax", message: /not a duration/ },
    { name: "ISO with nothing in it", text: "P", problem: "syntax", message: /not a duration/ },
    { name: "ISO with an empty time part", text: "P1DT", problem: "syntax", message: /not a duration/ },
    {
      name: "ISO months",
      text: "P1M",
      problem: "calendar-unit",
      message: /months or years.*no fixed length/,
    },
    { name: "ISO years", text: "P1Y", problem: "calendar-unit", message: /months or years/ },
    { name: "compact years", text: "1y", problem: "calendar-unit", message: /use days or weeks/ },
    { name: "compact months", text: "6mo", problem: "calendar-unit", message: /months or years/ },
    { name: "zero", text: "0s", problem: "zero", message: /must be longer than zero/ },
    { name: "an overflowing number", text: `${"9".repeat(30)}d`, problem: "too-long", message: /too long/ },
  ])("refuses $name with a DurationError that says why", ({ text, problem, message }) => {
    let caught: unknown;
    try {
      parseDuration(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DurationError);
    expect((caught as DurationError).problem).toBe(problem);
    expect((caught as DurationError).input).toBe(text);
    expect((caught as DurationError).message).toMatch(message);
    expect(isDuration(text)).toBe(false);
  });

  it("allows zero only when the caller says so", () => {
    expect(parseDuration("0s", { allowZero: true })).toBe(0);
    expect(parseDuration("PT0S", { allowZero: true })).toBe(0);
  });

  it("never quotes a key-shaped input back", () => {
    const input = `sk_live_${"a".repeat(40)}`;
    expect(() => parseDuration(input)).toThrow(/looks like an API key \(not shown\)/);
    try {
      parseDuration(input);
    } catch (error) {
      expect((error as DurationError).input).not.toContain("aaaa");
    }
  });
});

describe("formatDuration", () => {
  it.each([
    { ms: 7 * DAY_MS, text: "7d" },
    { ms: 36 * HOUR_MS, text: "36h" },
    { ms: 90 * MINUTE_MS, text: "1h30m" },
    { ms: 15 * MINUTE_MS, text: "15m" },
    { ms: 45 * SECOND_MS, text: "45s" },
    { ms: DAY_MS + 30 * MINUTE_MS, text: "24h30m" },
    { ms: 0, text: "0s" },
    { ms: 1499, text: "1s" },
  ])("writes $ms ms as $text, which reads back to the same whole seconds", ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text, { allowZero: true })).toBe(Math.round(ms / 1000) * 1000);
  });

  it("refuses a negative duration", () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
  });
});
