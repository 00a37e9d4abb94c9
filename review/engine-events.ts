import { fieldsAt, kubernetesOnlyPaths } from "../core/spec/schema.ts";

/*
 * The Pulumi engine's event log (`pulumi preview --event-log FILE`, one JSON event a line; the
 * Automation API's onEvent yields the same objects): its ApiKey steps, one per resource, with the
 * key-spec part of their inputs and what the preview hides (secrets, values not known yet).
 */

export const PULUMI_API_KEY_TYPE = "pulumi-nodejs:dynamic/ayra:ApiKey";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_MARK = "1b47061264138c4ac30d75fd1eb44270";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const TEXT_FIELDS = new Set(["displayName", "owner", "purpose", "description"]);
const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced"]);

export type StepState = { inputs?: Record<string, unknown>; retainOnDelete?: boolean };
export type StepMetadata = {
  op?: string;
  urn?: string;
  type?: string;
  old?: StepState | null;
  new?: StepState | null;
};
export type EngineEvent = {
  resourcePreEvent?: { metadata?: StepMetadata };
  diagnosticEvent?: { message?: string; severity?: string; urn?: string };
  summaryEvent?: { result?: string };
};

export type Step = { urn: string; ops: Set<string>; old?: StepState; new?: StepState };

/** "urn:pulumi:dev::shop::pulumi-nodejs:dynamic/ayra:ApiKey::web" → stack, project, name. */
export function parseUrn(urn: string): { stack: string; project: string; name: string } {
  const parts = urn.split("::");
  return {
    stack: (parts[0] ?? "").replace(/^urn:pulumi:/, ""),
    project: parts[1] ?? "",
    name: parts.slice(3).join("::") || urn,
  };
}

export function keyLabel(urn: string): string {
  const { stack, project, name } = parseUrn(urn);
  return `${project}/${stack}::${name}`;
}

function isSecret(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG] === SECRET_MARK
  );
}

// A value the preview cannot show: a secret, or an output of another resource not known yet.
function opaqueKind(value: unknown): "secret" | "computed" | undefined {
  if (isSecret(value)) return "secret";
  if (value === UNKNOWN) return "computed";
  if (Array.isArray(value))
    for (const item of value) {
      const kind = opaqueKind(item);
      if (kind) return kind;
    }
  else if (typeof value === "object" && value !== null)
    for (const item of Object.values(value)) {
      const kind = opaqueKind(item);
      if (kind) return kind;
    }
  return undefined;
}

export type Inputs = { spec: Record<string, unknown>; opaque: string[]; structural: string[] };

/** The key-spec fields of a step's inputs (never `__provider`), with what the preview hides. */
export function specOf(inputs: Record<string, unknown> | undefined): Inputs {
  const out: Inputs = { spec: {}, opaque: [], structural: [] };
  const kubernetesOnly = new Set(kubernetesOnlyPaths());
  for (const field of fieldsAt("")) {
    const value = inputs?.[field];
    if (value === undefined) continue;
    const kind = opaqueKind(value);
    // The provider's outputs share some names with Kubernetes-only fields (its `secret` is the key
    // value, a secret): a hidden value under such a name is not the user's spec.
    if (kind !== undefined && kubernetesOnly.has(field)) continue;
    if (kind === undefined) {
      out.spec[field] = value;
      continue;
    }
    out.opaque.push(field);
    if (TEXT_FIELDS.has(field)) out.spec[field] = `(${kind})`;
    else out.structural.push(field);
  }
  return out;
}

export function readEngineEvents(text: string): {
  events: { line: number; event: EngineEvent; raw: string }[];
  bad: number[];
} {
  const events: { line: number; event: EngineEvent; raw: string }[] = [];
  const bad: number[] = [];
  text.split("\n").forEach((raw, index) => {
    if (raw.trim() === "") return;
    try {
      const event = JSON.parse(raw) as unknown;
      if (typeof event === "object" && event !== null && !Array.isArray(event))
        events.push({ line: index + 1, event, raw });
      else bad.push(index + 1);
    } catch {
      bad.push(index + 1);
    }
  });
  return { events, bad };
}

export function collectSteps(events: { event: EngineEvent }[]): Step[] {
  const steps = new Map<string, Step>();
  for (const { event } of events) {
    const meta = event.resourcePreEvent?.metadata;
    if (meta?.type !== PULUMI_API_KEY_TYPE || typeof meta.urn !== "string" || typeof meta.op !== "string")
      continue;
    const step = steps.get(meta.urn) ?? { urn: meta.urn, ops: new Set<string>() };
    step.ops.add(meta.op);
    if (meta.old && step.old === undefined) step.old = meta.old;
    if (meta.new && meta.op !== "delete-replaced" && meta.op !== "delete") step.new = meta.new;
    steps.set(meta.urn, step);
  }
  return [...steps.values()];
}

export function opOf(step: Step): string {
  if ([...step.ops].some((op) => REPLACE_OPS.has(op))) return "replace";
  for (const op of ["create", "update", "delete", "same"]) if (step.ops.has(op)) return op;
  return [...step.ops][0] ?? "same";
}

/** Inputs other than the key spec (and the serialized provider) that differ between two steps. */
export function changedOtherInputs(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): string[] {
  const spec = new Set([...fieldsAt(""), "__provider"]);
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  return [...names]
    .filter((name) => !spec.has(name))
    .filter((name) => JSON.stringify(before?.[name]) !== JSON.stringify(after?.[name]))
    .sort();
}
