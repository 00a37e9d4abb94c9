// A small RFC 5545 writer: just what reminders need (VCALENDAR, VEVENT, VALARM). CRLF line ends, lines folded
// at 75 octets without splitting a UTF-8 character, TEXT values escaped, times in UTC.
import { escapeForDisplay } from "./display-text.ts";

export interface CalendarAlarm {
  /** Milliseconds before the event's start. */
  beforeMs: number;
  description: string;
}

export interface CalendarEvent {
  /** Stable across runs: a calendar that imports the file again updates the event instead of adding one. */
  uid: string;
  /** When this version of the event was last revised (RFC 5545 §3.8.7.2 without METHOD). */
  dtstamp: number;
  sequence: number;
  start: number;
  durationMs: number;
  summary: string;
  /** Lines; each escaped on its own, so a newline inside a value cannot forge a line. */
  description: readonly string[];
  categories?: string[];
  alarms: CalendarAlarm[];
}

export interface Calendar {
  prodId: string;
  name: string;
  events: CalendarEvent[];
}

/** RFC 5545 §3.3.5 form 2 (UTC): 20260102T030405Z. */
export function icalDateTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** RFC 5545 §3.3.6: P14D, PT36H, P1DT2H30M; negative with a leading minus. */
export function icalDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  let s = Math.round(Math.abs(ms) / 1000);
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const time = `${h ? `${h}H` : ""}${m ? `${m}M` : ""}${sec ? `${sec}S` : ""}`;
  if (days === 0 && time === "") return "PT0S";
  return `${sign}P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}

/**
 * RFC 5545 §3.3.11 TEXT: backslash, semicolon, comma and newline escaped. Control and bidi characters, which
 * TEXT does not allow or which would reorder a summary, are first made visible (`\u202e`).
 */
export function icalText(text: string): string {
  return escapeForDisplay(text).replace(/[\\;,]/g, (c) => `\\${c}`);
}

const encoder = new TextEncoder();

/** RFC 5545 §3.1: a line longer than 75 octets continues on lines starting with one space. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const ch of line) {
    const size = encoder.encode(ch).length;
    // The first line holds 75 octets; continuations 74 after their leading space.
    if (octets + size > (parts.length === 0 ? 75 : 74)) {
      parts.push(current);
      current = "";
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

function eventLines(e: CalendarEvent): string[] {
  const lines = [
    "BEGIN:VEVENT",
    `UID:${icalText(e.uid)}`,
    `DTSTAMP:${icalDateTime(e.dtstamp)}`,
    `LAST-MODIFIED:${icalDateTime(e.dtstamp)}`,
    `SEQUENCE:${e.sequence}`,
    `DTSTART:${icalDateTime(e.start)}`,
    `DURATION:${icalDuration(e.durationMs)}`,
    `SUMMARY:${icalText(e.summary)}`,
    `DESCRIPTION:${e.description.map(icalText).join("\\n")}`,
    "TRANSP:TRANSPARENT",
  ];
  if (e.categories?.length) lines.push(`CATEGORIES:${e.categories.map(icalText).join(",")}`);
  for (const a of e.alarms)
    lines.push(
      "BEGIN:VALARM",
      "ACTION:DISPLAY",
      `TRIGGER;RELATED=START:${icalDuration(-a.beforeMs)}`,
      `DESCRIPTION:${icalText(a.description)}`,
      "END:VALARM",
    );
  lines.push("END:VEVENT");
  return lines;
}

export function writeCalendar(calendar: Calendar): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    `PRODID:${calendar.prodId}`,
    "CALSCALE:GREGORIAN",
    `X-WR-CALNAME:${icalText(calendar.name)}`,
    ...calendar.events.flatMap(eventLines),
    "END:VCALENDAR",
  ];
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}
