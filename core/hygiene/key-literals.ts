import { findKeyLiterals } from "../domain/key-format.ts";
import { type HygieneConfig, type HygieneFinding, resolveHygieneConfig } from "./rules.ts";

export type KeyLiteralFinding = HygieneFinding & {
  /** Offset in the text, and 1-based line and column: where to comment, never what. */
  index: number;
  length: number;
  line: number;
  column: number;
};

export type ScanOptions = { config?: HygieneConfig; path?: string };

/** key-literal: every full sk_live_/sk_test_ literal in reviewed text, by position only. */
export function scanForKeyLiterals(text: string, options: ScanOptions = {}): KeyLiteralFinding[] {
  const severity = resolveHygieneConfig(options.config).severity("key-literal");
  if (severity === "off") return [];
  const where = options.path ?? "";
  return findKeyLiterals(text).map(({ index, length }) => {
    const before = text.slice(0, index);
    const line = before.split("\n").length;
    const column = index - before.lastIndexOf("\n");
    const environment = text.slice(index + 3, index + 7);
    return {
      rule: "key-literal",
      severity,
      path: where,
      message: `${where ? `${where} line` : "Line"} ${line}, column ${column}: a full sk_${environment}_ API key is written here. Treat that key as compromised: revoke it, and keep keys only in a Secret or a secret store.`,
      index,
      length,
      line,
      column,
    };
  });
}
