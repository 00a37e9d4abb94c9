// The shipped alert rules as promtool sees them: the rules file is valid, its unit tests pass, and those tests pin
// every threshold and `for:` duration, since moving any of them by one step makes promtool test rules fail.
import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { makeTempDir, removeTempDir } from "../../harness/temp-dirs.ts";
import { prometheusDir, promtool } from "./promtool.ts";

const RULES = join(prometheusDir, "ayra-keys-rules.yaml");
const TESTS = join(prometheusDir, "tests", "ayra-keys-rules.test.yaml");

/** One change to one alert's rule; the unit tests must catch it. */
interface Mutation {
  alert: string;
  from: string;
  to: string;
}

const MUTATIONS: Mutation[] = [
  { alert: "AyraKeysKeyExpiringSoon", from: "<= 7 * 86400", to: "<= 8 * 86400" },
  { alert: "AyraKeysKeyExpiringSoon", from: "<= 7 * 86400", to: "< 7 * 86400" },
  { alert: "AyraKeysKeyExpiringSoon", from: "time() - 600", to: "time() - 540" },
  { alert: "AyraKeysKeyExpiringSoon", from: "time() - 600", to: "time() - 660" },
  { alert: "AyraKeysRotationStalled", from: ">= 3600", to: ">= 3540" },
  { alert: "AyraKeysRotationStalled", from: ">= 3600", to: ">= 3660" },
  { alert: "AyraKeysApiKeyStalled", from: "for: 15m", to: "for: 14m" },
  { alert: "AyraKeysApiKeyStalled", from: "for: 15m", to: "for: 16m" },
  { alert: "AyraKeysRevocationFailing", from: "for: 15m", to: "for: 14m" },
  { alert: "AyraKeysRevocationFailing", from: "for: 15m", to: "for: 16m" },
  { alert: "AyraKeysNoControllerLeader", from: "for: 5m", to: "for: 4m" },
  { alert: "AyraKeysNoControllerLeader", from: "for: 5m", to: "for: 6m" },
  { alert: "AyraKeysReconcileErrorsRising", from: "for: 15m", to: "for: 14m" },
  { alert: "AyraKeysReconcileErrorsRising", from: "> 0.1", to: "> 0.04" },
  { alert: "AyraKeysAuthenticationFailureSpike", from: "for: 5m", to: "for: 4m" },
  { alert: "AyraKeysAuthenticationFailureSpike", from: "> 1", to: "> 0.4" },
  { alert: "AyraKeysNewKeyNotAdopted", from: "[1h]", to: "[2h]" },
  { alert: "AyraKeysNewKeyNotActive", from: "[1h]", to: "[2h]" },
  { alert: "AyraKeysNewKeyNotActive", from: 'reason="NewKeyNotActive"', to: 'reason=~"NewKey.*"' },
  { alert: "AyraKeysControllerCredentialLockedOut", from: "== 1", to: ">= 0" },
  { alert: "AyraKeysControllerCredentialRotationFailing", from: "for: 30m", to: "for: 29m" },
  { alert: "AyraKeysControllerCredentialRotationFailing", from: "for: 30m", to: "for: 31m" },
  { alert: "AyraKeysControllerCredentialRotationFailing", from: "[15m]", to: "[35m]" },
  { alert: "AyraKeysControllerCredentialRotationFailing", from: "unless on", to: "or on" },
  { alert: "AyraKeysRevokedKeyInUse", from: "for: 10m", to: "for: 9m" },
  { alert: "AyraKeysRevokedKeyInUse", from: "for: 10m", to: "for: 11m" },
  { alert: "AyraKeysRevokedKeyInUse", from: "[5m]", to: "[11m]" },
];

function mutate(rules: string, m: Mutation): string {
  const start = rules.indexOf(`- alert: ${m.alert}\n`);
  if (start < 0) throw new Error(`no alert ${m.alert} in the rules file`);
  const next = rules.indexOf("- alert: ", start + 1);
  const end = next < 0 ? rules.length : next;
  const block = rules.slice(start, end);
  if (!block.includes(m.from)) throw new Error(`${m.alert} has no "${m.from}"`);
  return rules.slice(0, start) + block.replace(m.from, m.to) + rules.slice(end);
}

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir("ayra-keys-rules-");
  await mkdir(join(dir, "tests"));
  await copyFile(TESTS, join(dir, "tests", "ayra-keys-rules.test.yaml"));
});
afterAll(async () => {
  if (dir) await removeTempDir(dir);
});

describe("the shipped alert rules", () => {
  it("pass promtool check rules", async () => {
    const r = await promtool(["check", "rules", RULES]);
    expect(r, `${r.stdout}${r.stderr}`).toMatchObject({ code: 0 });
    expect(r.stdout).toContain("SUCCESS: 12 rules found");
  });

  it("pass their promtool unit tests: each alert fires at its boundary and not one evaluation earlier", async () => {
    const r = await promtool(["test", "rules", TESTS]);
    expect(r, `${r.stdout}${r.stderr}`).toMatchObject({ code: 0 });
    expect(r.stdout).toContain("SUCCESS");
  });

  it("build with kustomize (as built into kubectl) into one PrometheusRule holding the rules file's groups", async () => {
    const { stdout } = await promisify(execFile)(inject("counterparts").kubectl, [
      "kustomize",
      prometheusDir,
    ]);
    const objects = parseAllDocuments(stdout).map((d) => d.toJS());
    const groups = (parse(await readFile(RULES, "utf8")) as { groups: unknown }).groups;
    expect(objects).toEqual([
      {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: {
          name: "ayra-keys",
          namespace: "ayra-keys-system",
          labels: {
            "app.kubernetes.io/name": "ayra-keys",
            "app.kubernetes.io/component": "alerting",
            "app.kubernetes.io/part-of": "ayra-keys",
          },
        },
        spec: { groups },
      },
    ]);
  });

  it.each(MUTATIONS)("the unit tests catch $alert moved from '$from' to '$to'", async (m) => {
    const rules = mutate(await readFile(RULES, "utf8"), m);
    await writeFile(join(dir, "ayra-keys-rules.yaml"), rules);
    // Still valid rules: only the unit tests can refuse the change.
    const valid = await promtool(["check", "rules", join(dir, "ayra-keys-rules.yaml")]);
    expect(valid, `${valid.stdout}${valid.stderr}`).toMatchObject({ code: 0 });
    const r = await promtool(["test", "rules", join(dir, "tests", "ayra-keys-rules.test.yaml")]);
    expect(r.code).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toContain(`alertname: ${m.alert}`);
  });
});
