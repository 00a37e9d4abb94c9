import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { foldLine, icalDateTime, icalDuration, icalText, writeCalendar } from "./ical.ts";

describe("iCalendar writer", () => {
  it("writes UTC date-times and durations", () => {
    expect(icalDateTime(Date.parse("2026-01-02T03:04:05.678Z"))).toBe("20260102T030405Z");
    expect(icalDuration(-14 * 86_400_000)).toBe("-P14D");
    expect(icalDuration(36 * 3_600_000)).toBe("P1DT12H");
    expect(icalDuration(90 * 60_000)).toBe("PT1H30M");
    expect(icalDuration(0)).toBe("PT0S");
  });

  it("escapes TEXT and makes control and bidi characters visible", () => {
    expect(icalText("a;b,c\\d\ne")).toBe("a\\;b\\,c\\\\\\\\d\\\\u000ae");
    expect(icalText("x\u202Ey")).toBe("x\\\\u202ey");
  });

  it("folds at 75 octets without splitting a UTF-8 character", () => {
    const line = `SUMMARY:${"é".repeat(100)}`;
    const folded = foldLine(line).split("\r\n");
    for (const part of folded) expect(new TextEncoder().encode(part).length).toBeLessThanOrEqual(75);
    expect(folded.slice(1).every((p) => p.startsWith(" "))).toBe(true);
    expect(folded.map((p, i) => (i === 0 ? p : p.slice(1))).join("")).toBe(line);
    expect(foldLine("short")).toBe("short");
  });

  it("writes a calendar an independent parser reads back", () => {
    const start = Date.parse("2026-07-01T09:00:00Z");
    const summary = `Key "${"long name ".repeat(12)}"; with, commas`;
    const text = writeCalendar({
      prodId: "-//Test//EN",
      name: "Keys",
      events: [
        {
          uid: "key_1-expiry@ayra-keys",
          dtstamp: start - 86_400_000,
          sequence: 3,
          start,
          durationMs: 30 * 60_000,
          summary,
          description: ["line one", "line\ntwo"],
          alarms: [{ beforeMs: 14 * 86_400_000, description: "soon" }],
        },
      ],
    });
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.replaceAll("\r\n", "")).not.toContain("\n");
    const vcal = new ICAL.Component(ICAL.parse(text));
    const [vevent] = vcal.getAllSubcomponents("vevent");
    if (!vevent) throw new Error("no event");
    const event = new ICAL.Event(vevent);
    expect(event.uid).toBe("key_1-expiry@ayra-keys");
    expect(event.summary).toBe(summary);
    expect(event.description).toBe("line one\nline\\u000atwo");
    expect(event.startDate.toJSDate().getTime()).toBe(start);
    expect(event.sequence).toBe(3);
    const alarm = vevent.getFirstSubcomponent("valarm");
    const trigger = alarm?.getFirstPropertyValue("trigger");
    expect(trigger instanceof ICAL.Duration ? trigger.toSeconds() : undefined).toBe(-14 * 86_400);
  });
});
