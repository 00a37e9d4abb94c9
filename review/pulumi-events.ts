import { findKeyLiterals, maskKeyLiterals } from "../core/domain/key-format.ts";
import { evaluateHygiene } from "../core/hygiene/evaluate.ts";
import { resolveHygieneConfig } from "../core/hygiene/rules.ts";
import { diffFindings, type KeyChange, planKeyChange, type ReviewPolicy } from "../core/review/index.ts";
import type { KeySpec } from "../core/spec/key-spec.ts";
import { isWithin } from "../core/spec/paths.ts";
import { validateKeySpec } from "../core/spec/validate.ts";
import {
  changedOtherInputs,
  collectSteps,
  type EngineEvent,
  type Inputs,
  keyLabel,
  opOf,
  parseUrn,
  readEngineEvents,
  type Step,
  specOf,
} from "./engine-events.ts";
import { hygieneFindings, reviewFinding, specErrorFindings } from "./findings.ts";
import { changeDetails, changeSummary } from "./plan-text.ts";
import type { Finding, PlanRow } from "./report.ts";

/*
 * The Pulumi half of a review: the engine's event log of a preview (`pulumi preview --event-log`,
 * or the Automation API's onEvent), its ApiKey steps turned into plan rows. Which steps mint a key is
 * decided from the old and new inputs by core's edit rules, the same function the provider's diff uses.
 */

export type PulumiReviewInput = { text: string; source: string; policy: ReviewPolicy; now: Date };
export type PulumiReview = { plan: PlanRow[]; unchanged: number; findings: Finding[]; stacks: string[] };

function validated(inputs: Inputs, now: Date): { spec?: KeySpec; errors: ReturnType<typeof errorsOf> } {
  const result = validateKeySpec(inputs.spec, { target: "pulumi", now });
  if (result.ok) return { spec: result.spec, errors: [] };
  return { errors: errorsOf(result.errors, inputs) };
}

function errorsOf(errors: { path: string; rule: string; message: string }[], inputs: Inputs) {
  return errors.filter((e) => !inputs.opaque.some((field) => isWithin(e.path, field)));
}

type Context = { input: PulumiReviewInput; plan: PlanRow[]; findings: Finding[]; unchanged: number };

function row(key: string, change: KeyChange, before?: KeySpec, after?: KeySpec): PlanRow {
  const out: PlanRow = {
    key,
    source: "pulumi",
    action: change.action,
    summary: changeSummary(change, before, after),
    details: changeDetails(change, before, after),
  };
  const environment = after?.environment ?? before?.environment;
  if (environment !== undefined) out.environment = environment;
  return out;
}

const noPlace = () => undefined;

// The engine updates a key whose spec is the same: other inputs changed, or the provider's own diff
// found a reason (a rotation that fell due, a key revoked or expired outside Pulumi).
function unexplainedUpdate(key: string, step: Step, after: KeySpec): PlanRow {
  const others = changedOtherInputs(step.old?.inputs, step.new?.inputs);
  if (others.length > 0) {
    return {
      key,
      source: "pulumi",
      environment: after.environment,
      action: "update-in-place",
      summary: `same key, updated in place (${others.join(", ")})`,
      details: [],
    };
  }
  return {
    key,
    source: "pulumi",
    environment: after.environment,
    action: "unknown",
    summary:
      "the provider updates this key though its spec is the same: a rotation that fell due, or a key revoked or expired outside Pulumi, means a new key at apply",
    details: [],
  };
}

function reviewStep(context: Context, step: Step): void {
  const { policy, now } = context.input;
  const key = keyLabel(step.urn);
  const op = opOf(step);
  if (op === "same") {
    context.unchanged++;
    return;
  }
  if (op !== "create" && op !== "update" && op !== "delete" && op !== "replace") return; // read, import, refresh
  const oldInputs = specOf(step.old?.inputs);
  const before = op === "create" ? undefined : validated(oldInputs, now).spec;
  if (op === "delete") {
    const change = planKeyChange({ platform: "pulumi", before, retained: step.old?.retainOnDelete === true });
    context.plan.push(row(key, change, before));
    pushDiff(context, key, change, before, undefined);
    return;
  }
  const newInputs = specOf(step.new?.inputs);
  const head = validated(newInputs, now);
  if (head.spec === undefined) {
    if (head.errors.length > 0) {
      context.plan.push({
        key,
        source: "pulumi",
        action: "invalid",
        summary: `cannot be applied: ${head.errors.length} spec error${head.errors.length === 1 ? "" : "s"}`,
        details: [],
      });
      context.findings.push(...specErrorFindings(head.errors, key, noPlace));
    } else {
      context.plan.push({
        key,
        source: "pulumi",
        action: "unknown",
        summary: `${op}: the preview cannot show ${newInputs.structural.join(", ")} (secret or computed); the effect shows at apply`,
        details: [],
      });
    }
    return;
  }
  const after = head.spec;
  const change = planKeyChange({ platform: "pulumi", before, after });
  if (change.action === "no-change" && op === "update") {
    context.plan.push(unexplainedUpdate(key, step, after));
    return;
  }
  if (change.action === "no-change" && op !== "replace") {
    context.unchanged++;
    return;
  }
  const entry = row(key, change, before, after);
  // The engine replaces the resource itself: the old resource's delete (a revocation) follows the create.
  if (op === "replace") {
    entry.action = "replace";
    entry.summary =
      "the resource is replaced: a new key is created, then the old resource is deleted and its key revoked";
  }
  if (newInputs.opaque.length > 0)
    entry.details.push(`not shown by the preview (secret or computed): ${newInputs.opaque.join(", ")}`);
  context.plan.push(entry);
  context.findings.push(
    ...hygieneFindings(evaluateHygiene(after, { config: policy.hygiene, now }), key, noPlace),
  );
  pushDiff(context, key, change, before, after);
}

function pushDiff(context: Context, key: string, change: KeyChange, before?: KeySpec, after?: KeySpec): void {
  for (const hit of diffFindings({ platform: "pulumi", change, before, after })) {
    const finding = reviewFinding(context.input.policy, hit.rule, hit.message, { key, specPath: hit.path });
    if (finding) context.findings.push(finding);
  }
}

function literalFindings(
  context: Context,
  events: { line: number; event: EngineEvent; raw: string }[],
): void {
  const { source, policy } = context.input;
  const severity = resolveHygieneConfig(policy.hygiene).severity("key-literal");
  if (severity === "off") return;
  for (const { line, event, raw } of events) {
    const hits = findKeyLiterals(raw);
    if (hits.length === 0) continue;
    const urn = event.resourcePreEvent?.metadata?.urn;
    const subject = typeof urn === "string" ? `The preview step of ${keyLabel(urn)}` : "An event";
    context.findings.push({
      rule: "key-literal",
      severity,
      message: maskKeyLiterals(
        `${subject} in ${source} (line ${line}) carries a full API key in plain text (in its inputs, outputs or serialized provider). Treat it as compromised: revoke it, and pass keys only as Pulumi secrets.`,
      ),
      ...(typeof urn === "string" ? { key: keyLabel(urn) } : {}),
    });
  }
}

function failureFindings(context: Context, events: { event: EngineEvent }[], bad: number[]): void {
  const { policy, source } = context.input;
  const push = (message: string) => {
    const finding = reviewFinding(policy, "preview-failed", message);
    if (finding) context.findings.push(finding);
  };
  if (bad.length > 0)
    push(
      `${source}: ${bad.length} line${bad.length === 1 ? " is" : "s are"} not engine events (first: line ${bad[0]}); the plan may be incomplete.`,
    );
  const errors = events
    .map(({ event }) => event.diagnosticEvent)
    .filter((d) => d?.severity === "error" && typeof d.message === "string");
  const summary = events.find(({ event }) => event.summaryEvent)?.event.summaryEvent;
  if (events.length === 0)
    push(`${source} holds no engine events: run \`pulumi preview --event-log ${source}\` first.`);
  else if (summary === undefined)
    push(`${source} has no summary event: the preview did not finish, so the plan may be incomplete.`);
  else if (summary.result !== undefined && summary.result !== "succeeded") {
    const first = errors
      .slice(0, 3)
      .map((d) => String(d?.message).trim().slice(0, 300))
      .join(" | ");
    push(
      `The Pulumi preview ${summary.result}${first ? `: ${first}` : ""}. Its plan is incomplete; fix the preview first.`,
    );
  }
}

export function reviewPulumiEvents(input: PulumiReviewInput): PulumiReview {
  const { events, bad } = readEngineEvents(input.text);
  const context: Context = { input, plan: [], findings: [], unchanged: 0 };
  const steps = collectSteps(events);
  for (const step of steps) reviewStep(context, step);
  literalFindings(context, events);
  failureFindings(context, events, bad);
  const stacks = [
    ...new Set(
      events
        .map(({ event }) => event.resourcePreEvent?.metadata?.urn)
        .filter((urn): urn is string => typeof urn === "string")
        .map((urn) => {
          const { project, stack } = parseUrn(urn);
          return `${project}/${stack}`;
        }),
    ),
  ];
  context.plan.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { plan: context.plan, unchanged: context.unchanged, findings: context.findings, stacks };
}
