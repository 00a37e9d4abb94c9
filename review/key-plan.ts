import { evaluateHygiene } from "../core/hygiene/evaluate.ts";
import {
  diffFindings,
  type KeyChange,
  planKeyChange,
  type ReviewPolicy,
  retainedOnDelete,
} from "../core/review/index.ts";
import type { KeySpec } from "../core/spec/key-spec.ts";
import { validateKeySpec } from "../core/spec/validate.ts";
import { hygieneFindings, reviewFinding, specErrorFindings } from "./findings.ts";
import type { ApiKeyManifest } from "./manifests.ts";
import { changeDetails, changeSummary } from "./plan-text.ts";
import type { Finding, PlanRow } from "./report.ts";

/*
 * Planning paired ApiKeys, wherever they were read from (plain files or rendered kustomizations and
 * charts): each changed key planned and judged with core's functions, each vanished key as a deletion.
 */

export type PlanInput = { policy: ReviewPolicy; now: Date };

export type KeyPlan = { plan: PlanRow[]; unchanged: number; findings: Finding[] };

function validSpec(manifest: ApiKeyManifest | undefined, now: Date): KeySpec | undefined {
  if (manifest === undefined) return undefined;
  const result = validateKeySpec(manifest.spec, { target: "kubernetes", now });
  return result.ok ? result.spec : undefined;
}

function rawField(spec: unknown, field: string): unknown {
  return typeof spec === "object" && spec !== null ? (spec as Record<string, unknown>)[field] : undefined;
}

type Planned = { row: PlanRow; findings: Finding[] };

function planRow(manifest: ApiKeyManifest, change: KeyChange, before?: KeySpec, after?: KeySpec): PlanRow {
  const row: PlanRow = {
    key: manifest.id,
    source: "manifest",
    action: change.action,
    summary: changeSummary(change, before, after),
    details: changeDetails(change, before, after),
    location: manifest.location,
  };
  const environment = after?.environment ?? before?.environment;
  if (environment !== undefined) row.environment = environment;
  return row;
}

function diffOf(
  policy: ReviewPolicy,
  change: KeyChange,
  head: ApiKeyManifest | undefined,
  base: ApiKeyManifest | undefined,
  specs: { before?: KeySpec; after?: KeySpec },
): Finding[] {
  const input = { platform: "kubernetes" as const, change, ...specs };
  return diffFindings(input).flatMap((hit) => {
    const manifest = hit.side === "head" ? (head ?? base) : (base ?? head);
    if (manifest === undefined) return [];
    const location = hit.path === "" ? manifest.location : manifest.locate(hit.path);
    const finding = reviewFinding(policy, hit.rule, hit.message, {
      key: manifest.id,
      location,
      specPath: hit.path,
    });
    return finding ? [finding] : [];
  });
}

function planChanged(
  input: PlanInput,
  head: ApiKeyManifest,
  base: ApiKeyManifest | undefined,
): Planned | "unchanged" {
  if (base !== undefined && base.fingerprint === head.fingerprint) return "unchanged";
  const result = validateKeySpec(head.spec, { target: "kubernetes", now: input.now });
  if (!result.ok) {
    const row: PlanRow = {
      key: head.id,
      source: "manifest",
      action: "invalid",
      summary: `cannot be applied: ${result.errors.length} spec error${result.errors.length === 1 ? "" : "s"}`,
      details: [],
      location: head.location,
    };
    const environment = rawField(head.spec, "environment");
    if (environment === "live" || environment === "test") row.environment = environment;
    return { row, findings: specErrorFindings(result.errors, head.id, head.locate) };
  }
  const after = result.spec;
  const before = validSpec(base, input.now);
  const change = planKeyChange({ platform: "kubernetes", before, after });
  if (change.action === "no-change") return "unchanged";
  const row = planRow(head, change, before, after);
  if (base !== undefined && before === undefined)
    row.details.push(
      "the base version was not a valid ApiKey, so the cluster never held it: planned as a new key",
    );
  const findings = [
    ...hygieneFindings(
      evaluateHygiene(after, { config: input.policy.hygiene, now: input.now }),
      head.id,
      head.locate,
    ),
    ...diffOf(input.policy, change, head, base, { before, after }),
  ];
  return { row, findings };
}

function planDeleted(input: PlanInput, base: ApiKeyManifest): Planned {
  const before = validSpec(base, input.now);
  const retained = before ? retainedOnDelete(before) : rawField(base.spec, "deletionPolicy") === "Retain";
  const change = planKeyChange({ platform: "kubernetes", before: before ?? undefined, retained });
  const row = planRow(base, change, before);
  const environment = rawField(base.spec, "environment");
  if (before === undefined && (environment === "live" || environment === "test"))
    row.environment = environment;
  const findings = before ? diffOf(input.policy, change, undefined, base, { before }) : [];
  return { row, findings };
}

// A key deleted under one name and created under another with the same name and environment.
function noteRenames(rows: PlanRow[], created: Map<string, KeySpec>, deleted: Map<string, KeySpec>): void {
  for (const row of rows) {
    const spec = row.action === "create" ? created.get(row.key) : undefined;
    if (spec === undefined) continue;
    for (const [id, old] of deleted) {
      if (old.displayName === spec.displayName && old.environment === spec.environment) {
        row.details.push(
          `looks like a rename of ${id}: that key is revoked and this one is new, not the same credential`,
        );
        break;
      }
    }
  }
}

/** Plans each candidate against the base and each base key the head no longer has. */
export function planKeys(
  input: PlanInput,
  candidates: readonly ApiKeyManifest[],
  headById: Map<string, ApiKeyManifest>,
  baseById: Map<string, ApiKeyManifest>,
  alreadyUnchanged: number,
): KeyPlan {
  const plan: PlanRow[] = [];
  const findings: Finding[] = [];
  let unchanged = alreadyUnchanged;
  const created = new Map<string, KeySpec>();
  const deleted = new Map<string, KeySpec>();
  for (const key of candidates) {
    const planned = planChanged(input, key, baseById.get(key.id));
    if (planned === "unchanged") {
      unchanged++;
      continue;
    }
    plan.push(planned.row);
    findings.push(...planned.findings);
    if (planned.row.action === "create") {
      const spec = validSpec(key, input.now);
      if (spec) created.set(key.id, spec);
    }
  }
  for (const [id, key] of baseById) {
    if (headById.has(id)) continue;
    const planned = planDeleted(input, key);
    plan.push(planned.row);
    findings.push(...planned.findings);
    const spec = validSpec(key, input.now);
    if (spec) deleted.set(id, spec);
  }
  noteRenames(plan, created, deleted);
  return { plan, unchanged, findings };
}
