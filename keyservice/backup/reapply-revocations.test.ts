import { describe, expect, it } from "vitest";
import { parseAuditExport } from "./reapply-revocations.ts";
import { BackupError } from "./snapshot.ts";

const event = (id: string, created_at: string) => ({
  id,
  object: "audit_event",
  created_at,
  action: "api_key.revoked",
  target_key_id: "key_1",
  details: { reason: "compromised" },
});
const a = event("evt_a", "2026-12-01T10:00:00.000Z");
const b = event("evt_b", "2026-12-01T11:00:00.000Z");

describe("parseAuditExport", () => {
  it.each([
    { name: "one page", text: JSON.stringify({ data: [b, a], has_more: false }) },
    { name: "an array of pages", text: JSON.stringify([{ data: [b] }, { data: [a] }]) },
    { name: "an array of events", text: JSON.stringify([b, a]) },
    {
      name: "JSON Lines of pages",
      text: `${JSON.stringify({ data: [b] })}\n${JSON.stringify({ data: [a] })}\n`,
    },
  ])("reads $name, oldest event first", ({ text }) => {
    expect(parseAuditExport(text, "export.json").map((e) => e.id)).toEqual(["evt_a", "evt_b"]);
  });

  it("refuses a file that is not an audit export, naming it", () => {
    expect(() => parseAuditExport('{"keys":[]}', "wrong.json")).toThrow(BackupError);
    expect(() => parseAuditExport("not json", "wrong.json")).toThrow(/wrong\.json/);
  });
});
