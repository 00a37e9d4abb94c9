// The alert rules ship twice, a plain rules file and a PrometheusRule, and must say the same; every alert carries
// what an on-call person needs (severity, summary, description, runbook) and has promtool unit tests that show it
// firing and not firing. promtool itself runs them in test/e2e/prometheus/rules.test.ts.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const dir = resolve(dirname(fileURLToPath(import.meta.url)), "../../deploy/prometheus");

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleGroup {
  name: string;
  rules: Rule[];
}
interface AlertTest {
  alertname: string;
  exp_alerts: unknown[];
}

const read = (file: string): unknown => parse(readFileSync(join(dir, file), "utf8"));
const rulesFile = read("ayra-keys-rules.yaml") as { groups: RuleGroup[] };
const alerts = rulesFile.groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined);
const unitTests = readdirSync(join(dir, "tests"))
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) => (read(join("tests", f)) as { tests: { alert_rule_test?: AlertTest[] }[] }).tests)
  .flatMap((t) => t.alert_rule_test ?? []);

describe("the shipped alert rules", () => {
  it("are a plain Prometheus rules file: only groups", () => {
    expect(Object.keys(rulesFile)).toEqual(["groups"]);
    expect(alerts.map((a) => a.alert)).toEqual([
      "AyraKeysKeyExpiringSoon",
      "AyraKeysRotationStalled",
      "AyraKeysApiKeyStalled",
      "AyraKeysRevocationFailing",
      "AyraKeysNoControllerLeader",
      "AyraKeysReconcileErrorsRising",
      "AyraKeysNewKeyNotAdopted",
      "AyraKeysNewKeyNotActive",
      "AyraKeysControllerCredentialLockedOut",
      "AyraKeysControllerCredentialRotationFailing",
      "AyraKeysAuthenticationFailureSpike",
      "AyraKeysRevokedKeyInUse",
    ]);
  });

  it("ship as a PrometheusRule with exactly the rules file's groups", () => {
    const rule = read("prometheusrule.yaml") as {
      apiVersion: string;
      kind: string;
      metadata: { name: string };
      spec: { groups: RuleGroup[] };
    };
    expect(rule).toMatchObject({
      apiVersion: "monitoring.coreos.com/v1",
      kind: "PrometheusRule",
      metadata: { name: "ayra-keys" },
    });
    expect(
      rule.spec.groups,
      "prometheusrule.yaml's spec.groups differ from ayra-keys-rules.yaml: copy the groups under spec:",
    ).toEqual(rulesFile.groups);
    const kustomization = read("kustomization.yaml") as { resources: string[] };
    expect(kustomization.resources).toEqual(["prometheusrule.yaml"]);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    "%s has a severity, a summary, a description and a runbook",
    (_, a) => {
      expect(["warning", "critical"]).toContain(a.labels?.severity);
      expect(a.annotations?.summary).toMatch(/\S/);
      expect(a.annotations?.description).toMatch(/\S/);
      expect(a.annotations?.runbook).toMatch(
        new RegExp(`^docs/metrics\\.md#${(a.alert ?? "").toLowerCase()}: \\S`),
      );
      const docs = readFileSync(join(dir, "../../docs/metrics.md"), "utf8");
      expect(docs).toContain(`#### ${a.alert}\n`);
    },
  );

  it.each(alerts.map((a) => [a.alert] as const))(
    "%s has promtool unit tests where it fires and where it does not",
    (name) => {
      const mine = unitTests.filter((t) => t.alertname === name);
      expect(mine.some((t) => t.exp_alerts.length > 0)).toBe(true);
      expect(mine.some((t) => t.exp_alerts.length === 0)).toBe(true);
    },
  );
});
