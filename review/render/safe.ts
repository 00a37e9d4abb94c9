import { maskKeyLiterals } from "../../core/domain/key-format.ts";

/* The last line of defence (promise 3): everything a renderer emits passes through here. */

export function maskDeep<T>(value: T): T {
  if (typeof value === "string") return maskKeyLiterals(value) as T;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item)) as T;
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[maskKeyLiterals(k)] = maskDeep(v);
    return out as T;
  }
  return value;
}

/** Text for a Markdown table cell or list item: masked, one line, pipes and HTML escaped. */
export function cell(text: string): string {
  return maskKeyLiterals(text)
    .replace(/\r?\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "\\|");
}

/** Inline code that survives any content: a fence longer than any backtick run inside. */
export function code(text: string): string {
  const masked = maskKeyLiterals(text).replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
  const longest = Math.max(0, ...[...masked.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = masked.startsWith("`") || masked.endsWith("`") ? " " : "";
  return `${fence}${pad}${masked}${pad}${fence}`;
}
