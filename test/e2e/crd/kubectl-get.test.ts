// `kubectl get apikeys` and `kubectl explain` with the real kubectl against the real kube-apiserver serving
// the generated CRD: a Ready ApiKey's next rotation prints as a timestamp (a date column would print
// <invalid> for any future instant), its Secret shows, -o wide adds the Ready reason, and every status field
// answers `kubectl explain`.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { STATUS_SCHEMA } from "../../../controller/crd/status-schema.ts";
import {
  type ControllerProcess,
  type ControllerTestBed,
  controllerTestBed,
  kubectl,
  startControllerProcess,
} from "../../harness/controller.ts";

const info = inject("controlPlane");
let bed: ControllerTestBed;
let ctl: ControllerProcess;

/** A kubectl table as rows of cells keyed by header (columns are split where the header's words start). */
function table(text: string): Record<string, string>[] {
  const [header = "", ...rows] = text.split("\n").filter((l) => l.trim() !== "");
  const starts = [...header.matchAll(/(\S+(?: \S+)*)/g)].map((m) => ({ name: m[1] ?? "", at: m.index ?? 0 }));
  return rows.map((row) =>
    Object.fromEntries(
      starts.map((s, i) => [s.name, row.slice(s.at, starts[i + 1]?.at ?? row.length).trim()]),
    ),
  );
}

beforeAll(async () => {
  bed = await controllerTestBed(info, "crd-get");
  ctl = await startControllerProcess({
    info,
    namespace: bed.ns.name,
    keysUrl: bed.ks.url,
    apiKey: bed.ks.adminKey,
  });
  bed.kube.context = () => ctl.lines.slice(-30).join("\n");
  await bed.kube.createApiKey("dashboard", {
    displayName: "Analytics Dashboard",
    environment: "test",
    scopes: ["agents:read"],
    expiresAfter: "30d",
    rotation: { every: "7d", gracePeriod: "1h" },
    secret: { name: "dashboard-key" },
  });
});

afterAll(async () => {
  await ctl?.stop();
  await bed?.close();
});

describe("kubectl get apikeys", () => {
  it("shows a Ready key's next rotation as a future timestamp, never <invalid>, and its Secret", async () => {
    const ready = await bed.kube.waitReady("dashboard", (o) => typeof o.status?.nextRotationAt === "string");
    const out = await kubectl(info, ["get", "apikeys", "-n", bed.ns.name]);
    expect(out).not.toContain("<invalid>");
    const [row] = table(out);
    expect(row).toMatchObject({
      NAME: "dashboard",
      ENV: "test",
      READY: "True",
      SECRET: "dashboard-key",
      "NEXT ROTATION": ready.status?.nextRotationAt,
    });
    const next = Date.parse(row?.["NEXT ROTATION"] ?? "");
    expect(next).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(row).not.toHaveProperty("REASON");
  });

  it("adds the Ready reason at -o wide", async () => {
    const [row] = table(await kubectl(info, ["get", "ak", "-n", bed.ns.name, "-o", "wide"]));
    const reason = (await bed.kube.apiKey("dashboard")).status?.conditions?.find(
      (c) => c.type === "Ready",
    )?.reason;
    expect(reason).toBeTruthy();
    expect(row?.REASON).toBe(reason);
  });
});

describe("kubectl explain apikey.status", () => {
  it.each(Object.entries(STATUS_SCHEMA.properties))("describes %s", async (field, schema) => {
    const out = await kubectl(info, ["explain", `apikey.status.${field}`]);
    // kubectl wraps descriptions: compare words, not lines.
    const words = (s: string) => s.split(/\s+/).filter(Boolean).join(" ");
    expect(words(out)).toContain(words(schema.description));
  });

  it("describes the fields of a condition", async () => {
    const out = await kubectl(info, ["explain", "apikey.status.conditions.reason"]);
    expect(out).toMatch(/Why, in one CamelCase word/);
  });
});
