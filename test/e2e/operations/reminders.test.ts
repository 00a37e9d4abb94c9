// `ayra-keys reminders --ics FILE` against the real keys service on both stores, read back by an independent
// iCalendar parser (ical.js): one event per expiry and per scheduled revocation, alarms at the lead time, the
// same UIDs on a second run (a changed key: a later SEQUENCE and DTSTAMP, not a second event).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import ICAL from "ical.js";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { STORES } from "../../harness/keys-service.ts";
import { BIDI_NAME, buildFixture, DAY_MS, type Fixture, runCli } from "./registry-fixture.ts";

const info = inject("controlPlane");

interface ReadEvent {
  uid: string;
  summary: string;
  description: string;
  start: number;
  sequence: number;
  dtstamp: number;
  triggers: number[];
}

async function readCalendar(file: string): Promise<{ raw: string; events: ReadEvent[] }> {
  const raw = await readFile(file, "utf8");
  const vcal = new ICAL.Component(ICAL.parse(raw));
  const events = vcal.getAllSubcomponents("vevent").map((vevent) => {
    const event = new ICAL.Event(vevent);
    const stamp = vevent.getFirstPropertyValue("dtstamp");
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      start: event.startDate.toJSDate().getTime(),
      sequence: event.sequence,
      dtstamp: stamp instanceof ICAL.Time ? stamp.toJSDate().getTime() : Number.NaN,
      triggers: vevent.getAllSubcomponents("valarm").map((alarm) => {
        const t = alarm.getFirstPropertyValue("trigger");
        return t instanceof ICAL.Duration ? t.toSeconds() * 1000 : Number.NaN;
      }),
    };
  });
  return { raw, events };
}

describe.each(STORES)("ayra-keys reminders on %s", (store) => {
  let f: Fixture;
  let file: string;
  let first: Awaited<ReturnType<typeof readCalendar>>;
  let expected: Map<string, number>;
  const byUid = (events: ReadEvent[], uid: string) => {
    const e = events.find((x) => x.uid === uid);
    if (!e) throw new Error(`no event ${uid}`);
    return e;
  };

  beforeAll(async () => {
    f = await buildFixture(info, store);
    file = join(f.dir, "keys.ics");
    // iCalendar times are whole seconds.
    const second = (iso: string) => Math.floor(Date.parse(iso) / 1000) * 1000;
    expected = new Map([
      [`${f.ids.web}-expiry@ayra-keys`, second(f.expires.web)],
      [`${f.ids.pulumi}-expiry@ayra-keys`, second(f.expires.pulumi)],
      [`${f.ids.scheduled}-revocation@ayra-keys`, second(f.scheduledAt)],
    ]);
    const admin = await f.ks.call("GET", `/v1/api_keys/${f.ids.admin}`, { key: f.ks.adminKey });
    if (admin.body.expires_at !== null)
      expected.set(`${f.ids.admin}-expiry@ayra-keys`, second(admin.body.expires_at));
    const out = await runCli(f, ["reminders", "--ics", file, "--output", "json"], info.kubeconfigPath);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ file, events: expected.size, lead: "14d" });
    first = await readCalendar(file);
  }, 120_000);
  afterAll(async () => f?.close());

  it("writes one event per expiry and scheduled revocation, at the key's deadline", () => {
    expect(new Map(first.events.map((e) => [e.uid, e.start]))).toEqual(expected);
    expect(first.events).toHaveLength(expected.size);
    const web = byUid(first.events, `${f.ids.web}-expiry@ayra-keys`);
    expect(web.summary).toBe('Ayra API key "Web shop" (live) expires');
    expect(web.description).toContain(`Managed by: controller eu-1:${f.ns.name}/web`);
    expect(web.description).toContain(`Used in: Secret ${f.ns.name}/web-key; restarts Deployment/web`);
    expect(byUid(first.events, `${f.ids.scheduled}-revocation@ayra-keys`).summary).toContain("is revoked");
    // Never-expiring, revoked and used-but-unscheduled keys have no event.
    for (const id of [f.ids.used, f.ids.bidi, f.ids.revoked, f.ids.orphan])
      expect(first.events.some((e) => e.uid.startsWith(id))).toBe(false);
  });

  it("follows RFC 5545 framing: CRLF line ends and lines of at most 75 octets", () => {
    const lines = first.raw.split("\r\n");
    expect(first.raw.replaceAll("\r\n", "")).not.toContain("\n");
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(lines.some((l) => l.startsWith(" "))).toBe(true);
  });

  it("sets each alarm the lead time before its event", () => {
    for (const e of first.events) expect(e.triggers).toEqual([-14 * DAY_MS]);
  });

  it("keeps UIDs on a second run; a changed key gets a later revision of the same event", async () => {
    await f.ks.call("PATCH", `/v1/api_keys/${f.ids.web}`, {
      key: f.ks.adminKey,
      body: { name: "Web shop EU" },
    });
    const out = await runCli(f, ["reminders", "--ics", file, "--lead", "36h"], info.kubeconfigPath);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^wrote \d+ events .* with alarms 36h before to /);
    const second = await readCalendar(file);
    expect(second.events.map((e) => e.uid).sort()).toEqual(first.events.map((e) => e.uid).sort());
    for (const e of second.events) expect(e.triggers).toEqual([-36 * 3_600_000]);
    const uid = `${f.ids.web}-expiry@ayra-keys`;
    const before = byUid(first.events, uid);
    const after = byUid(second.events, uid);
    expect(after.summary).toBe('Ayra API key "Web shop EU" (live) expires');
    expect(after.sequence).toBeGreaterThan(before.sequence);
    expect(after.dtstamp).toBeGreaterThan(before.dtstamp);
    const pulumiUid = `${f.ids.pulumi}-expiry@ayra-keys`;
    expect(byUid(second.events, pulumiUid).sequence).toBe(byUid(first.events, pulumiUid).sequence);
    expect(byUid(second.events, pulumiUid).dtstamp).toBe(byUid(first.events, pulumiUid).dtstamp);
  });

  it("escapes a bidi name in the calendar", async () => {
    await f.ks.call("PATCH", `/v1/api_keys/${f.ids.pulumi}`, {
      key: f.ks.adminKey,
      body: { name: BIDI_NAME },
    });
    const out = await runCli(f, ["reminders", "--ics", "-"], info.kubeconfigPath);
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain("\u202E");
    expect(out.stdout).toContain("invoice\\\\u202egpj.exe");
  });

  it("refuses a bad lead or a missing file, naming the flag, with exit code 2", async () => {
    const bad = await runCli(f, ["reminders", "--ics", file, "--lead", "2 weeks"], info.kubeconfigPath);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("ayra-keys reminders: --lead: ");
    const none = await runCli(f, ["reminders"], info.kubeconfigPath);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--ics");
  });
});
