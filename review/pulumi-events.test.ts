import { describe, expect, it } from "vitest";
import { DEFAULT_REVIEW_POLICY } from "../core/review/index.ts";
import { PULUMI_API_KEY_TYPE, parseUrn } from "./engine-events.ts";
import { reviewPulumiEvents } from "./pulumi-events.ts";

// Engine events as `pulumi preview --event-log` writes them (the e2e test records real ones).
const urn = (name: string) => `urn:pulumi:dev::shop::${PULUMI_API_KEY_TYPE}::${name}`;
const spec = { displayName: "Web", environment: "live", scopes: ["agents:read"], expiresAfter: "90d" };
const secret = {
  "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
  ciphertext: "[secret]",
};
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function step(
  op: string,
  name: string,
  old?: Record<string, unknown>,
  next?: Record<string, unknown>,
  extra = {},
) {
  return {
    resourcePreEvent: {
      metadata: {
        op,
        urn: urn(name),
        type: PULUMI_API_KEY_TYPE,
        old: old ? { inputs: { ...old, __provider: "exports.handler = __f0;" }, ...extra } : null,
        new: next ? { inputs: { ...next, __provider: "exports.handler = __f0;" } } : null,
      },
    },
  };
}
const done = (result = "succeeded") => ({ summaryEvent: { result } });
const log = (...events: unknown[]) => events.map((e) => JSON.stringify(e)).join("\n");
const review = (text: string) =>
  reviewPulumiEvents({
    text,
    source: "events.json",
    policy: DEFAULT_REVIEW_POLICY,
    now: new Date("2025-01-15T00:00:00Z"),
  });

describe("reviewPulumiEvents", () => {
  it("collapses a replacement's three steps into one row", () => {
    const moved = { ...spec, environment: "test" };
    const result = review(
      log(
        step("create-replacement", "web", spec, moved),
        step("replace", "web", spec, moved),
        step("delete-replaced", "web", spec, moved),
        done(),
      ),
    );
    expect(result.plan).toEqual([
      expect.objectContaining({ key: "shop/dev::web", action: "replace", environment: "test" }),
    ]);
    expect(result.findings.map((f) => f.rule)).toContain("environment-replaced");
  });

  it("keeps a key deleted with retainOnDelete", () => {
    const result = review(log(step("delete", "old", spec, undefined, { retainOnDelete: true }), done()));
    expect(result.plan[0]).toMatchObject({ action: "retain" });
    expect(result.findings.map((f) => f.rule)).toEqual(["key-retained"]);
  });

  it("counts same steps as unchanged and ignores other types", () => {
    const other = {
      resourcePreEvent: {
        metadata: {
          op: "create",
          urn: "urn:pulumi:dev::shop::aws:s3:Bucket::b",
          type: "aws:s3:Bucket",
          new: { inputs: {} },
        },
      },
    };
    const result = review(log(step("same", "web", spec, spec), other, done()));
    expect(result).toMatchObject({ plan: [], unchanged: 1, stacks: ["shop/dev"] });
  });

  it.each([
    { name: "a rotation that fell due", extra: {}, action: "unknown", summary: /a rotation that fell due/ },
    {
      name: "another input",
      extra: { deletionReason: "unused" },
      action: "update-in-place",
      summary: /same key, updated in place \(deletionReason\)/,
    },
  ])("explains an update with the same spec: $name", ({ extra, action, summary }) => {
    const result = review(log(step("update", "web", spec, { ...spec, ...extra }), done()));
    expect(result.plan[0]).toMatchObject({ action, summary: expect.stringMatching(summary) });
  });

  it("does not read the provider's secret output as the Kubernetes-only secret field", () => {
    const result = review(log(step("create", "web", undefined, { ...spec, secret }), done()));
    expect(result.plan[0]).toMatchObject({ action: "create" });
    expect(result.findings).toEqual([]);
  });

  it("does not judge fields the preview cannot show", () => {
    const result = review(
      log(step("create", "web", undefined, { ...spec, displayName: secret, scopes: UNKNOWN }), done()),
    );
    expect(result.plan[0]).toMatchObject({ action: "unknown" });
    expect(result.plan[0]?.summary).toContain("cannot show scopes");
    expect(result.findings).toEqual([]);
  });

  it("validates the new inputs with the Pulumi rules", () => {
    const result = review(
      log(
        step("create", "web", undefined, { ...spec, restartTargets: [{ kind: "Deployment", name: "web" }] }),
        done(),
      ),
    );
    expect(result.plan[0]).toMatchObject({ action: "invalid" });
    expect(result.findings[0]).toMatchObject({
      rule: "invalid-spec",
      check: "kubernetes-only",
      key: "shop/dev::web",
    });
  });

  it("reports a failed or unfinished preview and lines that are not events", () => {
    const failed = review(
      `${log({ diagnosticEvent: { severity: "error", message: "check failed: scopes is required" } }, done("failed"))}\nnot json`,
    );
    expect(failed.findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/1 line is not engine events \(first: line 3\)/),
      expect.stringMatching(/The Pulumi preview failed: check failed: scopes is required/),
    ]);
    expect(review(log(step("create", "web", undefined, spec))).findings.map((f) => f.message)).toEqual([
      expect.stringMatching(/no summary event/),
    ]);
    expect(review("").findings[0]?.message).toMatch(/holds no engine events/);
  });

  it("finds a key captured in the serialized provider without repeating it", () => {
    const leaked = ["sk", "test", "y".repeat(40)].join("_");
    const event = step("create", "web", undefined, spec);
    event.resourcePreEvent.metadata.new = { inputs: { ...spec, __provider: `var k = "${leaked}";` } };
    const result = review(log(event, done()));
    const literal = result.findings.find((f) => f.rule === "key-literal");
    expect(literal?.message).toMatch(/preview step of shop\/dev::web in events\.json \(line 1\)/);
    expect(JSON.stringify(result)).not.toContain(leaked);
  });

  it("parses URNs with parents and colons in names", () => {
    expect(parseUrn(`urn:pulumi:prod::shop::my:Component$${PULUMI_API_KEY_TYPE}::web::v2`)).toEqual({
      stack: "prod",
      project: "shop",
      name: "web::v2",
    });
  });
});
