// Which reminders a key needs: one event when it expires, one when a scheduled revocation (or the grace after a
// roll) ends it, each with an alarm `lead` before. UIDs are the key id and the kind of end, so importing the
// file again updates the events; DTSTAMP and SEQUENCE follow the key's last change, so an unchanged key gives
// byte-identical events and a changed one a later revision.
import type { Calendar, CalendarEvent } from "./ical.ts";
import type { RegistryRow } from "./registry.ts";
import { managedByText, whereUsedText } from "./registry-format.ts";

export const REMINDER_UID_DOMAIN = "ayra-keys";
const EVENT_MS = 30 * 60_000;

export type ReminderKind = "expiry" | "revocation";

export const reminderUid = (keyId: string, kind: ReminderKind) => `${keyId}-${kind}@${REMINDER_UID_DOMAIN}`;

export interface ReminderOptions {
  leadMs: number;
}

/** The rows' reminders; keys already revoked or expired have none. `updatedAt` by key id (the keys API's). */
export function reminderEvents(
  rows: readonly RegistryRow[],
  updatedAt: ReadonlyMap<string, string>,
  options: ReminderOptions,
): CalendarEvent[] {
  const events: CalendarEvent[] = [];
  for (const row of rows) {
    if (row.status === "revoked" || row.status === "expired") continue;
    const revised = Date.parse(updatedAt.get(row.id) ?? row.created_at);
    // Seconds from creation to the last change: grows with every change to the key, and fits SEQUENCE's
    // 32-bit INTEGER for 68 years of a key's life.
    const sequence = Math.max(0, Math.floor((revised - Date.parse(row.created_at)) / 1000));
    const ends = row.status === "expiring" && row.expiring_at !== null ? Date.parse(row.expiring_at) : null;
    const expires = row.expires_at === null ? null : Date.parse(row.expires_at);
    const base = { dtstamp: revised, sequence, durationMs: EVENT_MS, description: describe(row) };
    if (expires !== null && (ends === null || expires < ends))
      events.push({
        ...base,
        uid: reminderUid(row.id, "expiry"),
        start: expires,
        summary: `Ayra API key "${row.name}" (${row.environment}) expires`,
        categories: ["Ayra API keys", "expiry"],
        alarms: [
          { beforeMs: options.leadMs, description: `Ayra API key "${row.name}" expires soon: rotate it` },
        ],
      });
    if (ends !== null)
      events.push({
        ...base,
        uid: reminderUid(row.id, "revocation"),
        start: ends,
        summary: `Ayra API key "${row.name}" (${row.environment}) is revoked`,
        categories: ["Ayra API keys", "revocation"],
        alarms: [
          {
            beforeMs: options.leadMs,
            description: `Ayra API key "${row.name}" is revoked soon: move its consumers to its replacement`,
          },
        ],
      });
  }
  return events.sort((a, b) => a.start - b.start || a.uid.localeCompare(b.uid));
}

function describe(row: RegistryRow): string[] {
  const lines = [
    `Key ${row.id} (${row.redacted}), ${row.environment}, scopes ${row.scopes.join(" ")}`,
    `Managed by: ${managedByText(row)}`,
  ];
  const where = whereUsedText(row);
  if (where) lines.push(`Used in: ${where}`);
  if (row.owner) lines.push(`Owner: ${row.owner}`);
  if (row.purpose) lines.push(`Purpose: ${row.purpose}`);
  return lines;
}

export function remindersCalendar(events: CalendarEvent[]): Calendar {
  return { prodId: "-//Ayra//ayra-keys reminders//EN", name: "Ayra API keys", events };
}
