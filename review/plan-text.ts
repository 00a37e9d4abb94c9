import { formatDuration, parseDuration } from "../core/domain/durations.ts";
import { maskKeyLiterals } from "../core/domain/key-format.ts";
import type { KeyChange } from "../core/review/key-change.ts";
import type { KeySpec } from "../core/spec/key-spec.ts";

/*
 * The words of a plan row: one summary line and one detail line per changed field. Spec values are
 * the user's text: every one goes through maskKeyLiterals and a length cap before it is shown.
 */

const MAX_SHOWN = 60;

export function shown(value: unknown): string {
  if (value === undefined) return "unset";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const masked = maskKeyLiterals(text ?? "");
  return masked.length > MAX_SHOWN ? `${masked.slice(0, MAX_SHOWN)}…` : masked;
}

function durationText(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    return formatDuration(parseDuration(text, { allowZero: true }));
  } catch {
    return shown(text);
  }
}

function expiryText(spec: KeySpec): string {
  if (spec.expiresAfter !== undefined) return `expires ${durationText(spec.expiresAfter)} after each mint`;
  if (spec.expiresAt !== undefined) return `expires at ${shown(spec.expiresAt)}`;
  return "never expires";
}

function rotationText(spec: KeySpec): string | undefined {
  const every = durationText(spec.rotation?.every);
  return every === undefined ? undefined : `rotates every ${every}`;
}

function graceText(change: KeyChange): string {
  return change.graceMs === undefined ? "its grace period" : formatDuration(change.graceMs);
}

function valueAt(spec: KeySpec, path: string): unknown {
  let value: unknown = spec;
  for (const part of path.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function fieldLine(before: KeySpec, after: KeySpec, path: string): string {
  if (path === "scopes") return "";
  const [from, to] = [valueAt(before, path), valueAt(after, path)];
  return `${path}: ${shown(from)} → ${shown(to)}`;
}

function scopeLine(change: KeyChange): string | undefined {
  const parts = [...change.addedScopes.map((s) => `+ ${s}`), ...change.removedScopes.map((s) => `− ${s}`)];
  return parts.length === 0 ? undefined : `scopes: ${parts.join(", ")}`;
}

/** Each changed field, for the collapsed details. */
export function changeDetails(change: KeyChange, before?: KeySpec, after?: KeySpec): string[] {
  if (before === undefined || after === undefined || change.edit === undefined) return [];
  const edit = change.edit;
  const lines: string[] = [];
  if (edit.replaceEnvironment) lines.push(`environment: ${before.environment} → ${after.environment}`);
  const scopes = scopeLine(change);
  if (scopes !== undefined) lines.push(scopes);
  for (const path of [...edit.rolling, ...edit.scheduleChanged, ...edit.inPlace]) {
    const line = fieldLine(before, after, path);
    if (line !== "") lines.push(line);
  }
  if (edit.deliveryChanged.length > 0) lines.push(`delivery: ${edit.deliveryChanged.join(", ")} (same key)`);
  return lines;
}

/** The one line a plan table shows for a key. */
export function changeSummary(change: KeyChange, before?: KeySpec, after?: KeySpec): string {
  const edit = change.edit;
  switch (change.action) {
    case "create": {
      const spec = after as KeySpec;
      const rotation = rotationText(spec);
      return [`new ${spec.environment} key`, spec.scopes.join(", "), expiryText(spec), rotation]
        .filter((part) => part !== undefined)
        .join(" · ");
    }
    case "environment-change":
      return `refused by the API server: environment ${before?.environment} → ${after?.environment} needs a delete and a create`;
    case "replace":
      return `new ${after?.environment} key in place of the ${before?.environment} one, which keeps working for ${graceText(change)}`;
    case "new-key":
      return `new key (${edit?.rolling.join(", ")}); the old key keeps working for ${graceText(change)}`;
    case "schedule-change":
      return `same key, new rotation schedule (${edit?.scheduleChanged.join(", ")})`;
    case "update-in-place":
      return `same key, updated in place (${edit?.inPlace.join(", ")})`;
    case "delivery-change":
      return `same key, delivered differently (${edit?.deliveryChanged.join(", ")})`;
    case "revoke":
      return `${before?.environment ?? "the"} key is revoked at once`;
    case "retain":
      return "the key keeps working but is no longer managed";
    case "no-change":
      return "no change";
  }
}
