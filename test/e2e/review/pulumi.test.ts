// Pulumi programs in the review: the real Pulumi CLI (through the Automation API) previews a change of
// provider/'s ApiKey resources, whose provider process talks to the real keys service (credentials from
// AYRA_API_URL / AYRA_API_KEY); the engine's events go to a file and `ayra-keys review --pulumi-events` turns
// its ApiKey steps into plan rows and findings.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { KEY_PATTERN } from "../../../core/domain/key-format.ts";
import { ApiKey, type ApiKeyArgs } from "../../../provider/index.ts";
import type { ReviewReport } from "../../../review/report.ts";
import { startTestKeyService, type TestKeyService } from "../../harness/keys-service.ts";
import { createPulumiStack, type PulumiStack } from "../../harness/pulumi.ts";
import { runCli } from "./fixtures/cli.ts";

const reading: Omit<ApiKeyArgs, "environment"> = {
  displayName: "Analytics Reader",
  scopes: ["analytics:read"],
  expiresAfter: "90d",
};

function program(phase: 1 | 2): pulumi.automation.PulumiFn {
  return async () => {
    const web = new ApiKey("web", {
      displayName: "Production Web Application",
      environment: "live",
      scopes:
        phase === 1
          ? ["agents:read", "conversations:read"]
          : ["agents:read", "conversations:read", "agents:write"],
      expiresAfter: "90d",
      rotation: { every: "30d", gracePeriod: "7d" },
      owner: phase === 1 ? "web-team" : "platform",
    });
    new ApiKey("kept", { ...reading, environment: "live" });
    new ApiKey("staging", {
      ...reading,
      displayName: "Staging Analytics",
      environment: phase === 1 ? "test" : "live",
    });
    if (phase === 1) new ApiKey("gone", { ...reading, displayName: "Old Integration", environment: "test" });
    if (phase === 2) {
      new ApiKey("fresh", {
        ...reading,
        displayName: "Mobile App - iOS",
        environment: "live",
        description: pulumi.secret("for the iOS app"),
      });
      new ApiKey("careless", { displayName: "Key 1", environment: "live", scopes: ["agents:read"] });
    }
    return { webKey: web.secret };
  };
}

describe("ayra-keys review --pulumi-events", () => {
  let keys: TestKeyService;
  let ws: PulumiStack;
  let phase: 1 | 2 = 1;
  let dir: string;
  let minted: string;
  let eventsFile: string;

  beforeAll(async () => {
    keys = await startTestKeyService("sqlite");
    dir = await mkdtemp(join(tmpdir(), "ayra-keys-review-pulumi-"));
    ws = await createPulumiStack({
      paths: inject("counterparts"),
      projectName: "shop",
      stackName: "prod",
      program: async () => program(phase)(),
      env: { AYRA_API_URL: keys.url, AYRA_API_KEY: keys.adminKey },
    });
    const up = await ws.stack.up();
    minted = String(up.outputs.webKey?.value);
    phase = 2;
    const events: unknown[] = [];
    await ws.stack.preview({ onEvent: (event) => events.push(event) });
    eventsFile = join(dir, "preview-events.json");
    await writeFile(eventsFile, events.map((e) => JSON.stringify(e)).join("\n"));
  });

  afterAll(async () => {
    await ws?.dispose();
    await keys?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("puts every ApiKey step of the preview in the plan, labelled by core's edit rules", async () => {
    const run = await runCli(["review", "--pulumi-events", eventsFile, "--output", "json"], { cwd: dir });
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout) as ReviewReport;
    expect(report.root).toBe("pulumi:shop/prod");
    const rows = Object.fromEntries(report.plan.map((r) => [r.key, r]));
    expect(Object.keys(rows).sort()).toEqual(
      ["careless", "fresh", "gone", "staging", "web"].map((n) => `shop/prod::${n}`),
    );
    expect(rows["shop/prod::web"]).toMatchObject({ action: "new-key", environment: "live" });
    expect(rows["shop/prod::web"]?.summary).toContain("the old key keeps working for 7d");
    expect(rows["shop/prod::web"]?.details).toEqual(["scopes: + agents:write", "owner: web-team → platform"]);
    expect(rows["shop/prod::staging"]).toMatchObject({ action: "replace", environment: "live" });
    expect(rows["shop/prod::staging"]?.summary).toBe(
      "new live key in place of the test one, which keeps working for 7d",
    );
    expect(rows["shop/prod::gone"]).toMatchObject({ action: "revoke", environment: "test" });
    expect(rows["shop/prod::fresh"]).toMatchObject({ action: "create", environment: "live" });
    expect(rows["shop/prod::fresh"]?.details).toContain(
      "not shown by the preview (secret or computed): description",
    );
    expect(report.unchanged).toBe(1); // kept

    const rules = report.findings.map((f) => `${f.rule} ${f.key}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        "write-scope-widening shop/prod::web",
        "environment-replaced shop/prod::staging",
        "live-no-expiry shop/prod::careless",
        "poor-name shop/prod::careless",
      ]),
    );
    expect(rules.filter((r) => r.startsWith("live-key-deleted"))).toEqual([]); // gone was a test key
    expect(report.failed).toBe(true);
    expect(run.code).toBe(1);
  });

  it("renders the same plan as Markdown, and never the key the keys service minted", async () => {
    const run = await runCli(["review", "--pulumi-events", eventsFile], { cwd: dir });
    expect(run.stdout).toContain("| `shop/prod::web` | live | 🔁 new key, old one kept for grace |");
    const log = await readFile(eventsFile, "utf8");
    expect(minted).toMatch(KEY_PATTERN);
    for (const text of [log, run.stdout, run.stderr]) expect(text).not.toContain(minted);
    expect(KEY_PATTERN.test(run.stdout)).toBe(false);
  });
});
